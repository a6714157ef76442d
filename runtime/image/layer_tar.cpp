#include "runtime/image/layer_tar.hpp"

#include <archive.h>
#include <archive_entry.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <sys/xattr.h>
#include <unistd.h>

#include <algorithm>
#include <exception>
#include <map>
#include <memory>
#include <utility>
#include <vector>

#include "runtime/image/digest.hpp"
#include "runtime/rootfs/overlay_xattr.hpp"
#include "runtime/util/error.hpp"
#include "runtime/util/fs.hpp"

namespace lit::image {
namespace fs = std::filesystem;
namespace {

constexpr std::string_view kWhiteout = ".wh.";
constexpr std::string_view kOpaque = ".wh..wh..opq";

struct WriteFree {
  void operator()(archive* a) const { archive_write_free(a); }
};
struct EntryFree {
  void operator()(archive_entry* e) const { archive_entry_free(e); }
};
using EntryPtr = std::unique_ptr<archive_entry, EntryFree>;

bool is_whiteout(const struct stat& st) { return S_ISCHR(st.st_mode) && st.st_rdev == 0; }

// The xattrs a layer carries, by name (what unpack.hpp applies).
std::vector<std::pair<std::string, std::string>> layer_xattrs(const fs::path& p) {
  std::vector<std::pair<std::string, std::string>> out;
  ssize_t n = ::llistxattr(p.c_str(), nullptr, 0);
  if (n <= 0) return out;
  std::string names(static_cast<std::size_t>(n), '\0');
  n = ::llistxattr(p.c_str(), names.data(), names.size());
  if (n < 0) throw Error::sys("list xattrs of", p.string(), errno);
  names.resize(static_cast<std::size_t>(n));
  for (std::size_t i = 0; i < names.size();) {
    std::string name = names.c_str() + i;
    i += name.size() + 1;
    if (!name.starts_with("user.") && name != "security.capability") continue;
    if (is_overlay_xattr(name)) continue;
    ssize_t len = ::lgetxattr(p.c_str(), name.c_str(), nullptr, 0);
    if (len < 0) continue;  // removed meanwhile
    std::string value(static_cast<std::size_t>(len), '\0');
    len = ::lgetxattr(p.c_str(), name.c_str(), value.data(), value.size());
    if (len < 0) throw Error::sys("read xattr " + name + " of", p.string(), errno);
    value.resize(static_cast<std::size_t>(len));
    out.emplace_back(std::move(name), std::move(value));
  }
  std::ranges::sort(out);
  return out;
}

bool is_opaque(const fs::path& dir) { return is_overlay_opaque(dir); }

class LayerWriter {
 public:
  LayerWriter(const fs::path& root, const TarSink& sink, const IdUnshift& ids)
      : root_(root), sink_(sink), ids_(ids) {
    archive_write_set_format_pax_restricted(a_.get());
    archive_write_set_bytes_in_last_block(a_.get(), 1);
    // xattrs as SCHILY.xattr.NAME only, as docker and Go write them (not twice).
    if (archive_write_set_format_option(a_.get(), "pax", "xattrheader", "SCHILY") != ARCHIVE_OK)
      fail("set layer tar options");
    if (archive_write_open2(a_.get(), this, nullptr, &LayerWriter::write_cb, nullptr, nullptr) !=
        ARCHIVE_OK)
      fail("open layer tar");
  }

  LayerTarDigest run() {
    walk(root_, "");
    if (archive_write_close(a_.get()) != ARCHIVE_OK) fail("finish layer tar");
    return {hash_.digest(), size_};
  }

 private:
  static la_ssize_t write_cb(archive*, void* self, const void* buf, size_t n) {
    auto* w = static_cast<LayerWriter*>(self);
    try {
      w->hash_.update(buf, n);
      w->size_ += n;
      if (w->sink_) w->sink_(std::string_view(static_cast<const char*>(buf), n));
      return static_cast<la_ssize_t>(n);
    } catch (...) {
      w->error_ = std::current_exception();
      return -1;
    }
  }

  [[noreturn]] void fail(const std::string& what) {
    if (error_) std::rethrow_exception(error_);
    const char* msg = archive_error_string(a_.get());
    throw Error(what, root_.string() + ": " + (msg ? msg : "unknown error"));
  }

  // Children of `dir` (tar path prefix `prefix`), sorted by their tar names.
  void walk(const fs::path& dir, const std::string& prefix) {
    struct Child {
      std::string tar_name, name;
      struct stat st;
    };
    std::vector<Child> children;
    std::error_code ec;
    for (const auto& e : fs::directory_iterator(dir, ec)) {
      Child c{{}, e.path().filename().string(), {}};
      if (::lstat(e.path().c_str(), &c.st) < 0)
        throw Error::sys("read layer file", e.path().string(), errno);
      c.tar_name = is_whiteout(c.st) ? std::string(kWhiteout) + c.name : c.name;
      children.push_back(std::move(c));
    }
    if (ec) throw Error::sys("read layer directory", dir.string(), ec.value());
    std::ranges::sort(children, {}, &Child::tar_name);
    if (is_opaque(dir)) {
      struct stat st {};
      if (::lstat(dir.c_str(), &st) < 0) throw Error::sys("read layer file", dir.string(), errno);
      marker(prefix + std::string(kOpaque), st);
    }
    for (const auto& c : children) {
      if (is_whiteout(c.st)) {
        struct stat none {};
        none.st_mode = 0600;
        marker(prefix + c.tar_name, none);
        continue;
      }
      entry(dir / c.name, prefix + c.name, c.st);
      if (S_ISDIR(c.st.st_mode)) walk(dir / c.name, prefix + c.name + "/");
    }
  }

  std::uint32_t unshift(std::uint32_t id, std::uint32_t host) const {
    return id >= host && id - host < ids_.size ? id - host : id;
  }

  EntryPtr header(const std::string& name, const struct stat& st) {
    EntryPtr e(archive_entry_new());
    archive_entry_set_pathname(e.get(), name.c_str());
    archive_entry_set_perm(e.get(), st.st_mode & 07777);
    archive_entry_set_uid(e.get(), unshift(st.st_uid, ids_.uid_host));
    archive_entry_set_gid(e.get(), unshift(st.st_gid, ids_.gid_host));
    archive_entry_set_mtime(e.get(), st.st_mtim.tv_sec, 0);
    archive_entry_set_size(e.get(), 0);
    return e;
  }

  // An empty regular file standing for a whiteout or an opaque directory.
  void marker(const std::string& name, const struct stat& meta) {
    EntryPtr e = header(name, meta);
    archive_entry_set_filetype(e.get(), AE_IFREG);
    write_header(e.get(), name);
  }

  void entry(const fs::path& path, const std::string& name, const struct stat& st) {
    if (S_ISSOCK(st.st_mode)) return;  // not part of an image (unpack skips them too)
    EntryPtr e = header(name, st);
    archive_entry_set_filetype(e.get(), st.st_mode & S_IFMT);
    for (const auto& [k, v] : layer_xattrs(path))
      archive_entry_xattr_add_entry(e.get(), k.c_str(), v.data(), v.size());
    if (S_ISLNK(st.st_mode)) {
      std::string target = fs::read_symlink(path).string();
      archive_entry_set_symlink(e.get(), target.c_str());
    } else if (S_ISCHR(st.st_mode) || S_ISBLK(st.st_mode)) {
      archive_entry_set_rdevmajor(e.get(), major(st.st_rdev));
      archive_entry_set_rdevminor(e.get(), minor(st.st_rdev));
    } else if (S_ISREG(st.st_mode) && st.st_nlink > 1) {
      auto [it, first] = links_.try_emplace({st.st_dev, st.st_ino}, name);
      if (!first) {
        archive_entry_set_hardlink(e.get(), it->second.c_str());
        return write_header(e.get(), name);
      }
    }
    if (S_ISREG(st.st_mode)) archive_entry_set_size(e.get(), st.st_size);
    write_header(e.get(), name);
    if (S_ISREG(st.st_mode)) copy_data(path, st.st_size);
  }

  void write_header(archive_entry* e, const std::string& name) {
    if (archive_write_header(a_.get(), e) < ARCHIVE_WARN) fail("write layer tar entry " + name);
  }

  void copy_data(const fs::path& path, off_t size) {
    UniqueFd in(::open(path.c_str(), O_RDONLY | O_NOFOLLOW | O_CLOEXEC));
    if (!in) throw Error::sys("read layer file", path.string(), errno);
    std::vector<char> buf(1 << 16);
    for (off_t left = size; left > 0;) {
      ssize_t n = ::read(in.get(), buf.data(), std::min<std::size_t>(buf.size(), left));
      if (n < 0 && errno == EINTR) continue;
      if (n < 0) throw Error::sys("read layer file", path.string(), errno);
      if (n == 0) throw Error("read layer file", path.string() + ": it shrank while being read");
      if (archive_write_data(a_.get(), buf.data(), static_cast<size_t>(n)) < 0)
        fail("write layer tar data of " + path.string());
      left -= n;
    }
  }

  fs::path root_;
  const TarSink& sink_;
  const IdUnshift ids_;
  std::unique_ptr<archive, WriteFree> a_{archive_write_new()};
  Sha256 hash_;
  std::uint64_t size_ = 0;
  std::exception_ptr error_;
  std::map<std::pair<dev_t, ino_t>, std::string> links_;  // first path of each multi-link file
};

}  // namespace

LayerTarDigest write_layer_tar(const fs::path& dir, const TarSink& sink, const IdUnshift& ids) {
  struct stat st {};
  if (::lstat(dir.c_str(), &st) < 0) throw Error::sys("read layer directory", dir.string(), errno);
  if (!S_ISDIR(st.st_mode)) throw Error::sys("read layer directory", dir.string(), ENOTDIR);
  return LayerWriter(dir, sink, ids).run();
}

}  // namespace lit::image
