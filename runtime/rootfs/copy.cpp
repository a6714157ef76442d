#include "runtime/rootfs/copy.hpp"

#include <archive.h>
#include <archive_entry.h>
#include <dirent.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "runtime/image/unpack.hpp"
#include "runtime/rootfs/beneath.hpp"
#include "runtime/util/dir_io.hpp"
#include "runtime/util/error.hpp"

namespace lit::runtime {
namespace {

constexpr int kPathFlags = O_PATH | O_CLOEXEC;

struct stat stat_fd(int fd, const std::string& what) {
  struct stat st {};
  if (::fstatat(fd, "", &st, AT_EMPTY_PATH | AT_SYMLINK_NOFOLLOW) < 0)
    throw Error::sys("stat", what, errno);
  return st;
}

UniqueFd open_child(int dir_fd, const std::string& name, const std::string& what) {
  UniqueFd fd(::openat(dir_fd, name.c_str(), kPathFlags | O_NOFOLLOW));
  if (!fd) throw Error::sys("open", what, errno);
  return fd;
}

// A regular file's data: the O_PATH fd reopened for reading (never a FIFO).
UniqueFd reopen_for_read(int path_fd, const std::string& what) {
  UniqueFd fd(::open(fd_path(path_fd).c_str(), O_RDONLY | O_CLOEXEC));
  if (!fd) throw Error::sys("open", what, errno);
  return fd;
}

std::string read_link(int path_fd, const std::string& what) {
  char buf[4096];
  ssize_t n = ::readlinkat(path_fd, "", buf, sizeof buf);
  if (n < 0) throw Error::sys("read link", what, errno);
  return {buf, static_cast<std::size_t>(n)};
}

// Removes a non-directory at dir/name so a new entry can take its place.
void clear_slot(int dir_fd, const std::string& name, bool keep_dir) {
  struct stat st {};
  if (::fstatat(dir_fd, name.c_str(), &st, AT_SYMLINK_NOFOLLOW) < 0) return;
  if (S_ISDIR(st.st_mode) && keep_dir) return;
  if (S_ISDIR(st.st_mode)) throw Error("cannot overwrite directory", name, EISDIR);
  if (::unlinkat(dir_fd, name.c_str(), 0) < 0) throw Error::sys("replace", name, errno);
}

void set_metadata(int dir_fd, const std::string& name, const struct stat& st,
                  const CopyOwner& owner) {
  auto shifted = [&](std::uint32_t id, std::uint32_t base) {
    return id < owner.shift_size ? base + id : id;
  };
  uid_t uid = owner.keep ? shifted(st.st_uid, owner.shift_uid) : owner.uid;
  gid_t gid = owner.keep ? shifted(st.st_gid, owner.shift_gid) : owner.gid;
  if (::fchownat(dir_fd, name.c_str(), uid, gid, AT_SYMLINK_NOFOLLOW) < 0 && errno != EPERM)
    throw Error::sys("set owner of", name, errno);
  if (!S_ISLNK(st.st_mode) && ::fchmodat(dir_fd, name.c_str(), st.st_mode & 07777, 0) < 0)
    throw Error::sys("set mode of", name, errno);
  struct timespec times[2] = {st.st_atim, st.st_mtim};
  ::utimensat(dir_fd, name.c_str(), times, AT_SYMLINK_NOFOLLOW);  // best effort, as docker
}

void copy_entry(int src, const std::string& what, int dst_dir, const std::string& name,
                const CopyOptions& o);

void copy_children(int src_dir, const std::string& what, int dst_dir, const CopyOptions& o) {
  for (const auto& child : dir_names(src_dir, what)) {
    std::string child_what = what + "/" + child;
    UniqueFd fd = open_child(src_dir, child, child_what);
    copy_entry(fd.get(), child_what, dst_dir, child, o);
  }
}

void copy_entry(int src, const std::string& what, int dst_dir, const std::string& name,
                const CopyOptions& o) {
  struct stat st = stat_fd(src, what);
  if (S_ISDIR(st.st_mode)) {
    clear_slot(dst_dir, name, true);
    if (::mkdirat(dst_dir, name.c_str(), 0700) < 0 && errno != EEXIST)
      throw Error::sys("create directory", name, errno);
    UniqueFd dst(::openat(dst_dir, name.c_str(), kPathFlags | O_NOFOLLOW | O_DIRECTORY));
    if (!dst) throw Error::sys("open directory", name, errno);
    copy_children(src, what, dst.get(), o);
  } else if (S_ISREG(st.st_mode)) {
    clear_slot(dst_dir, name, false);
    UniqueFd in = reopen_for_read(src, what);
    UniqueFd out(::openat(dst_dir, name.c_str(),
                          O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0600));
    if (!out) throw Error::sys("create", name, errno);
    copy_bytes(in.get(), out.get(), what);
  } else if (S_ISLNK(st.st_mode)) {
    clear_slot(dst_dir, name, false);
    if (::symlinkat(read_link(src, what).c_str(), dst_dir, name.c_str()) < 0)
      throw Error::sys("create symlink", name, errno);
  } else if (S_ISCHR(st.st_mode) || S_ISBLK(st.st_mode) || S_ISFIFO(st.st_mode)) {
    clear_slot(dst_dir, name, false);
    if (::mknodat(dst_dir, name.c_str(), st.st_mode, st.st_rdev) < 0)
      throw Error::sys("create node", name, errno);
  } else {
    return;  // sockets are not copied
  }
  set_metadata(dst_dir, name, st, o.owner);
}

// Removes dir/name and, for a directory, everything below it.
void remove_entry(int dir_fd, const std::string& name, const std::string& what) {
  struct stat st {};
  if (::fstatat(dir_fd, name.c_str(), &st, AT_SYMLINK_NOFOLLOW) < 0) {
    if (errno == ENOENT) return;
    throw Error::sys("stat", what, errno);
  }
  if (S_ISDIR(st.st_mode)) {
    UniqueFd dir(::openat(dir_fd, name.c_str(), kPathFlags | O_NOFOLLOW | O_DIRECTORY));
    if (!dir) throw Error::sys("open directory", what, errno);
    for (const auto& child : dir_names(dir.get(), what))
      remove_entry(dir.get(), child, what + "/" + child);
  }
  if (::unlinkat(dir_fd, name.c_str(), S_ISDIR(st.st_mode) ? AT_REMOVEDIR : 0) < 0 &&
      errno != ENOENT)
    throw Error::sys("remove", what, errno);
}

bool ends_with_dot(const std::string& p) { return p == "." || p.ends_with("/."); }

// The last component of a path ("/a/b/" -> "b"); "" for "/".
std::string base_name(std::string p) {
  while (p.size() > 1 && (p.ends_with('/') || p.ends_with("/."))) p.pop_back();
  if (p == "/" || p == ".") return {};
  auto slash = p.rfind('/');
  return slash == std::string::npos ? p : p.substr(slash + 1);
}

std::string parent_of(std::string p) {
  while (p.size() > 1 && p.ends_with('/')) p.pop_back();
  auto slash = p.rfind('/');
  if (slash == std::string::npos) return ".";
  return slash == 0 ? "/" : p.substr(0, slash);
}

std::string where(const TreeSide& side, const std::string& path) {
  return side.describe.empty() ? path : path + " in " + side.describe;
}

// The source, resolved: its own final symlink kept unless -L.
UniqueFd open_source(const TreeSide& from, const std::string& src, bool follow) {
  UniqueFd fd = from.open(src, kPathFlags | (follow ? 0 : O_NOFOLLOW));
  if (!fd && errno == ENOENT) throw Error("Could not find the file " + where(from, src));
  if (!fd) throw Error::sys("open", where(from, src), errno);
  if (src.ends_with('/') && !S_ISDIR(stat_fd(fd.get(), src).st_mode))
    throw Error("open", where(from, src), ENOTDIR);
  return fd;
}

}  // namespace

TreeSide host_side() {
  return {[](const std::string& path, int flags) {
            return UniqueFd(::open(path.c_str(), flags | O_CLOEXEC));
          },
          ""};
}

TreeSide beneath_side(int root_fd, std::string describe) {
  return {[root_fd](const std::string& path, int flags) {
            return open_beneath(root_fd, path.empty() ? "/" : path, flags);
          },
          std::move(describe)};
}

namespace {

// Where copy_path puts SRC: into `dir` as `name`, or (`children`) SRC's
// entries into `dir`. Resolving it makes every check a copy makes.
struct CopyTarget {
  UniqueFd src_fd, dir;
  std::string name;
  bool children = false;
};

CopyTarget resolve_copy(const TreeSide& from, const std::string& src, const TreeSide& to,
                        const std::string& dest, bool follow_link) {
  CopyTarget t;
  t.src_fd = open_source(from, src, follow_link);
  bool src_dir = S_ISDIR(stat_fd(t.src_fd.get(), src).st_mode);
  UniqueFd dst_fd = to.open(dest, kPathFlags);
  if (!dst_fd && errno != ENOENT) throw Error::sys("open", where(to, dest), errno);
  if (dst_fd && S_ISDIR(stat_fd(dst_fd.get(), dest).st_mode)) {
    t.name = base_name(src);
    t.children = src_dir && (ends_with_dot(src) || t.name.empty());
    t.dir = std::move(dst_fd);
    return t;
  }
  if (dst_fd && src_dir)
    throw Error("cannot copy a directory to a file", where(to, dest), 0,
                "name a directory (or a path that does not exist) as the destination");
  if (!dst_fd && dest.ends_with('/'))
    throw Error("copy to " + where(to, dest), {}, 0, "the destination directory must exist");
  t.dir = to.open(parent_of(dest), kPathFlags | O_DIRECTORY);
  if (!t.dir) throw Error::sys("open destination directory", where(to, parent_of(dest)), errno);
  t.name = base_name(dest);
  return t;
}

}  // namespace

void copy_path(const TreeSide& from, const std::string& src, const TreeSide& to,
               const std::string& dest, const CopyOptions& options) {
  CopyTarget t = resolve_copy(from, src, to, dest, options.follow_link);
  if (t.children)
    copy_children(t.src_fd.get(), src, t.dir.get(), options);
  else
    copy_entry(t.src_fd.get(), src, t.dir.get(), t.name, options);
}

void check_copy(const TreeSide& from, const std::string& src, const TreeSide& to,
                const std::string& dest, const CopyOptions& options) {
  resolve_copy(from, src, to, dest, options.follow_link);
}

void check_source(const TreeSide& from, const std::string& src, bool follow_link) {
  open_source(from, src, follow_link);
}

namespace {

struct WriteFree {
  void operator()(archive* a) const { archive_write_free(a); }
};
struct EntryFree {
  void operator()(archive_entry* e) const { archive_entry_free(e); }
};

class TarOut {
 public:
  explicit TarOut(int fd) : a_(archive_write_new()) {
    archive_write_set_format_pax_restricted(a_.get());
    if (archive_write_open_fd(a_.get(), fd) != ARCHIVE_OK) fail("open");
  }
  ~TarOut() = default;
  TarOut(const TarOut&) = delete;
  TarOut& operator=(const TarOut&) = delete;

  // The entry at fd (O_PATH, not followed) as `name`, and below it.
  void add(int fd, const std::string& name, const std::string& what) {
    struct stat st = stat_fd(fd, what);
    if (S_ISSOCK(st.st_mode)) return;
    std::unique_ptr<archive_entry, EntryFree> e(archive_entry_new());
    archive_entry_copy_stat(e.get(), &st);
    archive_entry_set_pathname(e.get(), S_ISDIR(st.st_mode) ? (name + "/").c_str() : name.c_str());
    if (S_ISLNK(st.st_mode)) archive_entry_set_symlink(e.get(), read_link(fd, what).c_str());
    if (!S_ISREG(st.st_mode)) archive_entry_set_size(e.get(), 0);
    if (archive_write_header(a_.get(), e.get()) < ARCHIVE_WARN) fail(what);
    if (S_ISREG(st.st_mode)) write_data(fd, what);
    if (S_ISDIR(st.st_mode)) add_children(fd, name + "/", what);
  }

  void add_children(int dir_fd, const std::string& prefix, const std::string& what) {
    for (const auto& child : dir_names(dir_fd, what)) {
      std::string child_what = what + "/" + child;
      UniqueFd fd = open_child(dir_fd, child, child_what);
      add(fd.get(), prefix + child, child_what);
    }
  }

  void finish() {
    if (archive_write_close(a_.get()) != ARCHIVE_OK) fail("close");
  }

 private:
  void write_data(int fd, const std::string& what) {
    UniqueFd in = reopen_for_read(fd, what);
    char buf[1 << 16];
    for (;;) {
      ssize_t n = ::read(in.get(), buf, sizeof buf);
      if (n < 0 && errno == EINTR) continue;
      if (n < 0) throw Error::sys("read", what, errno);
      if (n == 0) return;
      if (archive_write_data(a_.get(), buf, static_cast<std::size_t>(n)) < 0) fail(what);
    }
  }
  [[noreturn]] void fail(const std::string& what) {
    const char* msg = archive_error_string(a_.get());
    throw Error("write tar", what, 0, msg ? msg : "");
  }
  std::unique_ptr<archive, WriteFree> a_;
};

}  // namespace

void remove_beneath(int root_fd, const std::string& path) {
  std::string name = base_name(path);
  if (name.empty()) throw Error("refusing to remove the container's root", path);
  UniqueFd parent = open_beneath(root_fd, parent_of(path), kPathFlags | O_DIRECTORY);
  if (!parent && (errno == ENOENT || errno == ENOTDIR)) return;
  if (!parent) throw Error::sys("open directory", parent_of(path), errno);
  remove_entry(parent.get(), name, path);
}

void write_path_tar(const TreeSide& from, const std::string& src, int out_fd,
                    const CopyOptions& options) {
  UniqueFd src_fd = open_source(from, src, options.follow_link);
  TarOut tar(out_fd);
  std::string name = base_name(src);
  bool dir = S_ISDIR(stat_fd(src_fd.get(), src).st_mode);
  if (dir && (ends_with_dot(src) || name.empty())) {
    tar.add_children(src_fd.get(), "", src);
  } else {
    tar.add(src_fd.get(), name, src);
  }
  tar.finish();
}

void write_root_tar(int root_fd, int out_fd) {
  TarOut tar(out_fd);
  tar.add_children(root_fd, "", "");
  tar.finish();
}

void extract_tar_to(int in_fd, const TreeSide& to, const std::string& dest,
                    const CopyOwner& owner) {
  UniqueFd dir = to.open(dest, kPathFlags | O_DIRECTORY);
  if (!dir) throw Error::sys("extract to", where(to, dest), errno);
  // unpack_layer opens its destination by path: reach the resolved directory as ".".
  UniqueFd cwd(::open(".", O_PATH | O_CLOEXEC));
  if (::fchdir(dir.get()) < 0) throw Error::sys("enter", where(to, dest), errno);
  try {
    image::UnpackOptions options = image::UnpackOptions::defaults();
    options.container_ids = {{0, owner.shift_uid, owner.shift_size},
                             {0, owner.shift_gid, owner.shift_size}};
    image::unpack_layer(in_fd, ".", "the tar on stdin", options);
  } catch (...) {
    (void)::fchdir(cwd.get());
    throw;
  }
  (void)::fchdir(cwd.get());
}

}  // namespace lit::runtime
