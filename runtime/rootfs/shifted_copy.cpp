#include "runtime/rootfs/shifted_copy.hpp"

#include <dirent.h>
#include <fcntl.h>
#include <spdlog/spdlog.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <sys/xattr.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <climits>
#include <map>
#include <memory>
#include <utility>
#include <vector>

#include "runtime/util/dir_io.hpp"
#include "runtime/util/error.hpp"
#include "runtime/util/fs.hpp"

namespace lit::runtime {
namespace {

constexpr const char* kCapability = "security.capability";
// linux/capability.h: a v3 file capability (24 bytes) ends with its root id.
constexpr std::uint32_t kCapRevisionMask = 0xFF000000, kCapRevision3 = 0x03000000;
constexpr std::size_t kCapV3Size = 24, kCapRootIdOffset = 20;

std::uint32_t shifted(const IdMapping& m, std::uint32_t overflow, std::uint32_t id,
                      const char* kind, const std::string& file) {
  if (auto host = to_host(m, id)) return *host;
  if (!to_container(m, overflow)) return overflow;
  throw Error(std::string(kind) + " " + std::to_string(id) + " of " + file +
                  " is past the container's " + std::to_string(m.size) +
                  " ids, and the overflow id " + std::to_string(overflow) +
                  " that stands for such ids is inside them",
              {}, 0,
              "give the container more ids (--userns auto:size=N), or keep lit's root on a "
              "filesystem that can id-map mounts (ext4, xfs, btrfs, tmpfs)");
}

std::uint32_t overflow_id(const char* file) {
  try {
    return static_cast<std::uint32_t>(std::stoul(read_file(file)));
  } catch (const std::exception&) {  // no /proc: the kernel's default
    return 65534;
  }
}

std::uint32_t le32(const std::string& v, std::size_t at) {
  std::uint32_t x = 0;
  for (std::size_t i = 0; i < 4; ++i)
    x |= std::uint32_t{static_cast<unsigned char>(v[at + i])} << (8 * i);
  return x;
}

void put_le32(std::string& v, std::size_t at, std::uint32_t x) {
  for (std::size_t i = 0; i < 4; ++i) v[at + i] = static_cast<char>((x >> (8 * i)) & 0xFF);
}

std::string join(const std::string& dir, const std::string& name) {
  return dir.empty() ? name : dir + "/" + name;
}

// "/proc/self/fd/N/name": the entry reached from its parent's fd, for the l*
// calls that have no *at form (xattrs on symlinks and device nodes).
std::string at_path(int dir_fd, const std::string& name) {
  return "/proc/self/fd/" + std::to_string(dir_fd) + "/" + name;
}

class Copier {
 public:
  Copier(const IdShift& shift, int dest_root) : shift_(shift), dest_root_(dest_root) {}

  // Copies the children of src_dir into dst_dir; `rel` names it (from the layer's root).
  void children(int src_dir, int dst_dir, const std::string& rel) {
    for (const auto& name : dir_names(src_dir, rel.empty() ? "." : rel))
      entry(src_dir, dst_dir, name, join(rel, name));
  }

  // Owner, mode, xattrs and times of dst_dir/name from src_dir/name.
  void metadata(int src_dir, int dst_dir, const std::string& name, const struct stat& st,
                const std::string& rel) {
    const uid_t uid = shifted(shift_.uid, shift_.overflow_uid, st.st_uid, "uid", rel);
    const gid_t gid = shifted(shift_.gid, shift_.overflow_gid, st.st_gid, "gid", rel);
    if (::fchownat(dst_dir, name.c_str(), uid, gid, AT_SYMLINK_NOFOLLOW) < 0)
      throw Error::sys("chown", rel, errno);
    // After the chown, which clears setuid and setgid (and file capabilities).
    if (!S_ISLNK(st.st_mode) && ::fchmodat(dst_dir, name.c_str(), st.st_mode & 07777, 0) < 0)
      throw Error::sys("chmod", rel, errno);
    xattrs(at_path(src_dir, name), at_path(dst_dir, name), rel);
    const timespec times[2] = {st.st_atim, st.st_mtim};
    if (::utimensat(dst_dir, name.c_str(), times, AT_SYMLINK_NOFOLLOW) < 0)
      throw Error::sys("set times of", rel, errno);
  }

 private:
  void entry(int src_dir, int dst_dir, const std::string& name, const std::string& rel) {
    struct stat st {};
    if (::fstatat(src_dir, name.c_str(), &st, AT_SYMLINK_NOFOLLOW) < 0)
      throw Error::sys("stat", rel, errno);
    if (!S_ISDIR(st.st_mode) && st.st_nlink > 1) {
      auto [it, first] = links_.try_emplace({st.st_dev, st.st_ino}, rel);
      if (!first) {  // a hard link of an entry copied already: linked again in the copy
        if (::linkat(dest_root_, it->second.c_str(), dst_dir, name.c_str(), 0) < 0)
          throw Error::sys("link " + it->second + " as", rel, errno);
        return;
      }
    }
    if (S_ISDIR(st.st_mode)) {
      if (::mkdirat(dst_dir, name.c_str(), 0700) < 0)
        throw Error::sys("create directory", rel, errno);
      UniqueFd src(
          ::openat(src_dir, name.c_str(), O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC));
      if (!src) throw Error::sys("open", rel, errno);
      UniqueFd dst(
          ::openat(dst_dir, name.c_str(), O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC));
      if (!dst) throw Error::sys("open", rel, errno);
      children(src.get(), dst.get(), rel);
    } else if (S_ISREG(st.st_mode)) {
      UniqueFd in(::openat(src_dir, name.c_str(), O_RDONLY | O_NOFOLLOW | O_CLOEXEC));
      if (!in) throw Error::sys("open", rel, errno);
      UniqueFd out(::openat(dst_dir, name.c_str(),
                            O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0600));
      if (!out) throw Error::sys("create", rel, errno);
      copy_bytes(in.get(), out.get(), rel);
    } else if (S_ISLNK(st.st_mode)) {
      std::string target(std::max<std::size_t>(static_cast<std::size_t>(st.st_size) + 1, PATH_MAX),
                         '\0');
      ssize_t n = ::readlinkat(src_dir, name.c_str(), target.data(), target.size());
      if (n < 0 || static_cast<std::size_t>(n) >= target.size())
        throw Error::sys("read link", rel, n < 0 ? errno : ENAMETOOLONG);
      target.resize(static_cast<std::size_t>(n));
      if (::symlinkat(target.c_str(), dst_dir, name.c_str()) < 0)
        throw Error::sys("create symlink", rel, errno);
    } else {  // devices, FIFOs, sockets and overlay whiteouts (0:0 character devices)
      if (::mknodat(dst_dir, name.c_str(), st.st_mode & S_IFMT, st.st_rdev) < 0)
        throw Error::sys("create node", rel, errno);
    }
    metadata(src_dir, dst_dir, name, st, rel);
  }

  // Every xattr of src on dst (the capability rewritten, see the header).
  void xattrs(const std::string& src, const std::string& dst, const std::string& rel) {
    for (const auto& key : list_xattrs(src, rel)) {
      std::string value = get_xattr(src, key, rel);
      if (key == kCapability && !rewrite_capability(value, rel)) continue;
      if (::lsetxattr(dst.c_str(), key.c_str(), value.data(), value.size(), 0) < 0)
        throw Error::sys("set xattr " + key + " on", rel, errno);
    }
  }

  // false: drop it (its root id is not the container's to have).
  bool rewrite_capability(std::string& value, const std::string& rel) const {
    if (value.size() < kCapV3Size || (le32(value, 0) & kCapRevisionMask) != kCapRevision3)
      return true;  // v2: no root id, honoured in the container as through an id-mapped mount
    const std::uint32_t root = le32(value, kCapRootIdOffset);
    auto host = to_host(shift_.uid, root);
    if (!host) {
      spdlog::debug(
          "copy of a layer: dropping the file capability of {}: its root id {} is "
          "outside the container's range",
          rel, root);
      return false;
    }
    put_le32(value, kCapRootIdOffset, *host);
    return true;
  }

  static std::vector<std::string> list_xattrs(const std::string& path, const std::string& rel) {
    for (;;) {
      ssize_t size = ::llistxattr(path.c_str(), nullptr, 0);
      if (size < 0 && (errno == ENOTSUP || errno == EOPNOTSUPP)) return {};  // ramfs has none
      if (size < 0) throw Error::sys("list xattrs of", rel, errno);
      if (size == 0) return {};
      std::string buf(static_cast<std::size_t>(size), '\0');
      size = ::llistxattr(path.c_str(), buf.data(), buf.size());
      if (size < 0 && errno == ERANGE) continue;  // grew meanwhile
      if (size < 0) throw Error::sys("list xattrs of", rel, errno);
      std::vector<std::string> keys;
      for (std::size_t at = 0; at < static_cast<std::size_t>(size);) {
        std::string key(buf.c_str() + at);
        at += key.size() + 1;
        if (!key.empty()) keys.push_back(std::move(key));
      }
      return keys;
    }
  }

  static std::string get_xattr(const std::string& path, const std::string& key,
                               const std::string& rel) {
    for (;;) {
      ssize_t size = ::lgetxattr(path.c_str(), key.c_str(), nullptr, 0);
      if (size < 0) throw Error::sys("read xattr " + key + " of", rel, errno);
      std::string value(static_cast<std::size_t>(size), '\0');
      size = ::lgetxattr(path.c_str(), key.c_str(), value.data(), value.size());
      if (size < 0 && errno == ERANGE) continue;
      if (size < 0) throw Error::sys("read xattr " + key + " of", rel, errno);
      value.resize(static_cast<std::size_t>(size));
      return value;
    }
  }

  const IdShift& shift_;
  int dest_root_;
  std::map<std::pair<dev_t, ino_t>, std::string> links_;  // inode -> its first copy's path
};

}  // namespace

IdShift id_shift_for(const UserNamespace& ns) {
  return {ns.uid, ns.gid, overflow_id("/proc/sys/kernel/overflowuid"),
          overflow_id("/proc/sys/kernel/overflowgid")};
}

std::uint32_t shift_uid(const IdShift& s, std::uint32_t id, const std::string& file) {
  return shifted(s.uid, s.overflow_uid, id, "uid", file);
}

std::uint32_t shift_gid(const IdShift& s, std::uint32_t id, const std::string& file) {
  return shifted(s.gid, s.overflow_gid, id, "gid", file);
}

void copy_layer_shifted(const fs::path& layer, const fs::path& dest, const IdShift& shift) {
  UniqueFd src(::open(layer.c_str(), O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC));
  if (!src) throw Error::sys("open", layer.string(), errno);
  UniqueFd dst(::open(dest.c_str(), O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC));
  if (!dst) throw Error::sys("open", dest.string(), errno);
  struct stat st {};
  if (::fstat(src.get(), &st) < 0) throw Error::sys("stat", layer.string(), errno);
  try {
    Copier copier(shift, dst.get());
    copier.children(src.get(), dst.get(), "");
    copier.metadata(src.get(), dst.get(), ".", st, ".");
  } catch (Error& e) {
    throw e.context("copy layer " + layer.string() + " with its ids shifted into the range");
  }
}

}  // namespace lit::runtime
