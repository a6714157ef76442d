#include "runtime/image/extract.hpp"

#include <archive.h>
#include <archive_entry.h>
#include <fcntl.h>
#include <spdlog/spdlog.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <sys/xattr.h>
#include <unistd.h>

#include <cerrno>
#include <ranges>

#include "runtime/rootfs/overlay_xattr.hpp"
#include "runtime/util/error.hpp"

namespace lit::image {
namespace {

constexpr std::string_view kWhiteoutPrefix = ".wh.";
constexpr std::string_view kOpaqueMarker = ".wh..wh..opq";

bool xattr_allowed(std::string_view name) {
  return name.starts_with("user.") || name == "security.capability";
}

Extractor::Meta read_meta(archive_entry* e) {
  Extractor::Meta m;
  m.mode = archive_entry_perm(e) & 07777;
  m.uid = static_cast<uid_t>(archive_entry_uid(e));
  m.gid = static_cast<gid_t>(archive_entry_gid(e));
  if (archive_entry_mtime_is_set(e)) {
    m.times[1] = {archive_entry_mtime(e), archive_entry_mtime_nsec(e)};
  } else {
    m.times[1] = {0, UTIME_NOW};
  }
  m.times[0] = archive_entry_atime_is_set(e)
                   ? timespec{archive_entry_atime(e), archive_entry_atime_nsec(e)}
                   : m.times[1];
  archive_entry_xattr_reset(e);
  const char* name;
  const void* value;
  size_t size;
  while (archive_entry_xattr_next(e, &name, &value, &size) == ARCHIVE_OK) {
    if (xattr_allowed(name)) {
      m.xattrs.emplace_back(name, std::string(static_cast<const char*>(value), size));
    } else {
      spdlog::debug("layer entry {}: ignoring xattr {}", archive_entry_pathname(e), name);
    }
  }
  return m;
}

// Makes room for a new entry: existing non-directories are replaced (later
// entries win, as in tar); an existing directory is kept for a new directory.
bool replace_existing(int parent, const std::string& name, bool new_is_dir) {
  struct stat st;
  if (::fstatat(parent, name.c_str(), &st, AT_SYMLINK_NOFOLLOW) < 0) {
    if (errno == ENOENT) return false;
    throw Error::sys("stat", name, errno);
  }
  if (S_ISDIR(st.st_mode) && new_is_dir) return true;
  remove_at(parent, name);
  return false;
}

bool exists_at(int parent, const std::string& name) {
  struct stat st;
  return ::fstatat(parent, name.c_str(), &st, AT_SYMLINK_NOFOLLOW) == 0;
}

}  // namespace

Extractor::Extractor(int root_fd, const UnpackOptions& options, std::string what)
    : fs_(root_fd, options.use_openat2), options_(options), what_(std::move(what)) {}

void Extractor::fail(const std::string& why) const {
  throw Error("unpack " + what_ + ": entry \"" + entry_ + "\":", why);
}

void Extractor::entry(archive* a, archive_entry* e) {
  const char* raw = archive_entry_pathname(e);
  entry_ = raw ? raw : "";
  if (raw == nullptr) fail("entry without a path");
  std::vector<std::string> comps;
  if (!clean_entry_path(entry_, comps)) fail("path escapes the layer root");
  const mode_t type = archive_entry_filetype(e);
  Meta m = read_meta(e);
  if (options_.container_ids.enabled()) {
    m.uid = runtime::to_host(options_.container_ids.uid, m.uid).value_or(m.uid);
    m.gid = runtime::to_host(options_.container_ids.gid, m.gid).value_or(m.gid);
  }
  if (comps.empty()) {  // "./": the layer root itself
    if (type == AE_IFDIR) dirs_[""] = m;
    return;
  }
  const std::string base = comps.back();
  if (base.starts_with(kWhiteoutPrefix)) {
    comps.pop_back();
    return whiteout(comps, base);
  }
  try {
    UniqueFd parent = fs_.open_dir(comps, comps.size() - 1, true);
    if (const char* target = archive_entry_hardlink(e))
      return hardlink(target, comps, parent.get(), base);
    switch (type) {
      case AE_IFREG:
        return regular(a, e, parent.get(), base, m);
      case AE_IFDIR:
        if (!replace_existing(parent.get(), base, true)) {
          if (::mkdirat(parent.get(), base.c_str(), 0700) < 0)
            throw Error::sys("create directory", base, errno);
        }
        dirs_[join_components(comps, comps.size())] = m;
        return;
      case AE_IFLNK: {
        const char* target = archive_entry_symlink(e);
        if (target == nullptr) fail("symlink without a target");
        replace_existing(parent.get(), base, false);
        if (::symlinkat(target, parent.get(), base.c_str()) < 0)
          throw Error::sys("create symlink", base, errno);
        return apply_at(parent.get(), base, m, true);
      }
      default:
        return special(e, parent.get(), base, m);
    }
  } catch (Error& err) {
    if (err.op().starts_with("unpack ")) throw;
    err.context("unpack " + what_ + ": entry \"" + entry_ + "\"");
    throw;
  }
}

void Extractor::regular(archive* a, archive_entry* e, int parent, const std::string& name,
                        const Meta& m) {
  replace_existing(parent, name, false);
  UniqueFd fd(
      ::openat(parent, name.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0600));
  if (!fd) throw Error::sys("create file", name, errno);
  for (;;) {
    const void* buf;
    size_t size;
    la_int64_t offset;
    int r = archive_read_data_block(a, &buf, &size, &offset);
    if (r == ARCHIVE_EOF) break;
    if (r < ARCHIVE_WARN) {
      const char* msg = archive_error_string(a);  // unset on some failures
      fail(std::string("read data: ") + (msg ? msg : "unknown error"));
    }
    const char* p = static_cast<const char*>(buf);
    while (size > 0) {
      ssize_t n = ::pwrite(fd.get(), p, size, offset);
      if (n < 0) {
        if (errno == EINTR) continue;
        throw Error::sys("write", name, errno);
      }
      p += n;
      offset += n;
      size -= static_cast<size_t>(n);
    }
  }
  const auto total = archive_entry_size(e);
  if (::ftruncate(fd.get(), total) < 0) throw Error::sys("truncate", name, errno);  // sparse tails
  content_size_ += static_cast<std::uint64_t>(total);
  apply_fd(fd.get(), m, name);
}

void Extractor::hardlink(const std::string& target, const std::vector<std::string>& path,
                         int parent, const std::string& name) {
  std::vector<std::string> t;
  if (!clean_entry_path(target, t) || t.empty())
    fail("hard link target \"" + target + "\" escapes the layer root");
  if (t == path) return;  // a link to itself: nothing to do
  UniqueFd tparent;
  try {
    tparent = fs_.open_dir(t, t.size() - 1, false);
  } catch (const Error&) {
    fail("hard link target \"" + target + "\" is not in this layer");
  }
  struct stat st;
  if (::fstatat(tparent.get(), t.back().c_str(), &st, AT_SYMLINK_NOFOLLOW) < 0) {
    fail("hard link target \"" + target + "\" is not in this layer");
  }
  if (S_ISDIR(st.st_mode)) fail("hard link target \"" + target + "\" is a directory");
  replace_existing(parent, name, false);
  if (::linkat(tparent.get(), t.back().c_str(), parent, name.c_str(), 0) < 0) {
    throw Error::sys("create hard link", name, errno);
  }
}

void Extractor::special(archive_entry* e, int parent, const std::string& name, const Meta& m) {
  const mode_t type = archive_entry_filetype(e);
  if (type == AE_IFCHR || type == AE_IFBLK) {
    if (!options_.allow_devices) {
      spdlog::warn("unpack {}: skipping device node {} (device nodes need root)", what_, entry_);
      return;
    }
  } else if (type != AE_IFIFO) {
    spdlog::warn("unpack {}: skipping {} (unsupported file type)", what_, entry_);
    return;
  }
  replace_existing(parent, name, false);
  dev_t dev = makedev(archive_entry_rdevmajor(e), archive_entry_rdevminor(e));
  if (::mknodat(parent, name.c_str(), type | (m.mode & 0777), dev) < 0) {
    throw Error::sys("create device node", name, errno);
  }
  apply_at(parent, name, m, false);
}

void Extractor::whiteout(const std::vector<std::string>& dir, const std::string& base) {
  UniqueFd parent = fs_.open_dir(dir, dir.size(), true);
  if (base == kOpaqueMarker) {
    if (::fsetxattr(parent.get(), overlay_opaque_xattr(), "y", 1, 0) < 0) {
      throw Error::sys("unpack " + what_ + ": mark opaque directory",
                       join_components(dir, dir.size()) + "/", errno)
          .with_hint("layers with whiteouts need root (trusted.* xattrs)");
    }
    return;
  }
  if (base.starts_with(std::string(kWhiteoutPrefix) + std::string(kWhiteoutPrefix)))
    return;  // aufs metadata
  const std::string name = base.substr(kWhiteoutPrefix.size());
  if (name.empty() || name == "." || name == ".." || name.find('/') != std::string::npos) {
    fail("invalid whiteout name");
  }
  // A whiteout hides lower layers only: an entry of this same layer stays.
  if (exists_at(parent.get(), name)) return;
  if (::mknodat(parent.get(), name.c_str(), S_IFCHR | 0, makedev(0, 0)) < 0) {
    throw Error::sys("unpack " + what_ + ": create whiteout", entry_, errno)
        .with_hint("layers with whiteouts need root (overlayfs whiteouts are 0:0 device nodes)");
  }
  if (options_.preserve_owner) ::fchownat(parent.get(), name.c_str(), 0, 0, AT_SYMLINK_NOFOLLOW);
}

void Extractor::apply_fd(int fd, const Meta& m, const std::string& where) const {
  if (options_.preserve_owner && ::fchown(fd, m.uid, m.gid) < 0)
    throw Error::sys("chown", where, errno);
  // After chown, which clears setuid/setgid and file capabilities.
  if (::fchmod(fd, m.mode) < 0) throw Error::sys("chmod", where, errno);
  for (const auto& [k, v] : m.xattrs) {
    if (::fsetxattr(fd, k.c_str(), v.data(), v.size(), 0) < 0) {
      spdlog::warn("unpack {}: cannot set xattr {} on {}: {}", what_, k, where,
                   std::strerror(errno));
    }
  }
  if (::futimens(fd, m.times) < 0) throw Error::sys("set times", where, errno);
}

void Extractor::apply_at(int parent, const std::string& name, const Meta& m, bool is_link) const {
  if (options_.preserve_owner &&
      ::fchownat(parent, name.c_str(), m.uid, m.gid, AT_SYMLINK_NOFOLLOW) < 0) {
    throw Error::sys("chown", name, errno);
  }
  // The node was just created by us (not a symlink), so following is harmless.
  if (!is_link && ::fchmodat(parent, name.c_str(), m.mode, 0) < 0)
    throw Error::sys("chmod", name, errno);
  if (::utimensat(parent, name.c_str(), m.times, AT_SYMLINK_NOFOLLOW) < 0)
    throw Error::sys("set times", name, errno);
}

void Extractor::finish() {
  // Children before parents, and only directories still reachable without symlinks.
  for (auto it = dirs_.rbegin(); it != dirs_.rend(); ++it) {
    const auto& [path, m] = *it;
    std::vector<std::string> comps;
    clean_entry_path(path, comps);
    UniqueFd fd = fs_.open_dir_nofollow(comps);
    if (!fd) continue;  // replaced by a later non-directory entry
    apply_fd(fd.get(), m, path.empty() ? "/" : path);
  }
}

}  // namespace lit::image
