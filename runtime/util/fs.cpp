#include "runtime/util/fs.hpp"

#include <dirent.h>
#include <fcntl.h>
#include <linux/fs.h>
#include <sys/file.h>
#include <sys/ioctl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstdlib>
#include <memory>
#include <string_view>
#include <system_error>
#include <utility>

#include "runtime/util/error.hpp"
#include "runtime/util/tree_size.hpp"

namespace lit {

UniqueFd& UniqueFd::operator=(UniqueFd&& o) noexcept {
  if (this != &o) reset(o.release());
  return *this;
}

void UniqueFd::reset(int fd) {
  if (fd_ >= 0) ::close(fd_);
  fd_ = fd;
}

FileLock::FileLock(const fs::path& path) {
  fd_.reset(::open(path.c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0600));
  if (!fd_) throw Error::sys("open lock", path.string(), errno);
  while (::flock(fd_.get(), LOCK_EX) < 0) {
    if (errno != EINTR) throw Error::sys("lock", path.string(), errno);
  }
}

FileLock FileLock::try_lock(const fs::path& path, bool& acquired) {
  FileLock l;
  l.fd_.reset(::open(path.c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0600));
  if (!l.fd_) throw Error::sys("open lock", path.string(), errno);
  acquired = ::flock(l.fd_.get(), LOCK_EX | LOCK_NB) == 0;
  return l;
}

void write_file_atomic(const fs::path& path, std::string_view content, unsigned mode,
                       Durability durability) {
  fs::path tmp = path;
  tmp += ".tmp-" + std::to_string(::getpid());
  UniqueFd fd(::open(tmp.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, mode));
  if (!fd) throw Error::sys("create", tmp.string(), errno);
  size_t off = 0;
  while (off < content.size()) {
    ssize_t n = ::write(fd.get(), content.data() + off, content.size() - off);
    if (n < 0) {
      if (errno == EINTR) continue;
      int e = errno;
      ::unlink(tmp.c_str());
      throw Error::sys("write", tmp.string(), e);
    }
    off += static_cast<size_t>(n);
  }
  bool synced = durability == Durability::NoSync || ::fsync(fd.get()) == 0;
  if (!synced || ::rename(tmp.c_str(), path.c_str()) < 0) {
    int e = errno;
    ::unlink(tmp.c_str());
    throw Error::sys("save", path.string(), e);
  }
}

std::string read_file(const fs::path& path) {
  UniqueFd fd(::open(path.c_str(), O_RDONLY | O_CLOEXEC));
  if (!fd) throw Error::sys("read", path.string(), errno);
  std::string out;
  char buf[65536];
  for (;;) {
    ssize_t n = ::read(fd.get(), buf, sizeof buf);
    if (n < 0) {
      if (errno == EINTR) continue;
      throw Error::sys("read", path.string(), errno);
    }
    if (n == 0) break;
    out.append(buf, static_cast<size_t>(n));
  }
  return out;
}

void write_file(const fs::path& path, std::string_view content) {
  UniqueFd fd(::open(path.c_str(), O_WRONLY | O_CLOEXEC));
  if (!fd) throw Error::sys("open", path.string(), errno);
  ssize_t n = ::write(fd.get(), content.data(), content.size());
  if (n < 0) throw Error::sys("write " + std::string(content) + " to", path.string(), errno);
}

namespace {

void remove_at(int parent, const char* name, unsigned char type, const std::string& path);

// Removes what the directory fd holds; closes fd.
void remove_entries(int fd, const std::string& path) {
  DIR* dir = ::fdopendir(fd);
  if (dir == nullptr) {
    int e = errno;
    ::close(fd);
    throw Error::sys("open directory", path, e);
  }
  std::unique_ptr<DIR, int (*)(DIR*)> guard(dir, &::closedir);
  errno = 0;
  while (dirent* e = ::readdir(dir)) {
    std::string_view name = e->d_name;
    if (name != "." && name != "..")
      remove_at(::dirfd(dir), e->d_name, e->d_type, path + "/" + e->d_name);
    errno = 0;
  }
  if (errno != 0) throw Error::sys("read directory", path, errno);
}

void remove_at(int parent, const char* name, unsigned char type, const std::string& path) {
  if (type != DT_DIR && type != DT_UNKNOWN) {
    if (::unlinkat(parent, name, 0) == 0 || errno == ENOENT) return;
    if (errno != EISDIR) throw Error::sys("remove", path, errno);
  }
  if (::unlinkat(parent, name, AT_REMOVEDIR) == 0 || errno == ENOENT) return;
  if (errno == ENOTDIR) {
    if (::unlinkat(parent, name, 0) == 0 || errno == ENOENT) return;
    throw Error::sys("remove", path, errno);
  }
  if (errno != ENOTEMPTY && errno != EEXIST) throw Error::sys("remove", path, errno);
  int fd = ::openat(parent, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
  if (fd < 0) throw Error::sys("open directory", path, errno);
  remove_entries(fd, path);
  if (::unlinkat(parent, name, AT_REMOVEDIR) < 0 && errno != ENOENT)
    throw Error::sys("remove", path, errno);
}

}  // namespace

void remove_tree(const fs::path& path) {
  remove_at(AT_FDCWD, path.c_str(), DT_UNKNOWN, path.string());
}

std::uintmax_t tree_size(const std::filesystem::path& path) noexcept {
  std::uintmax_t bytes = 0;
  std::error_code ec;
  for (auto it = fs::recursive_directory_iterator(path, ec);
       !ec && it != fs::recursive_directory_iterator(); it.increment(ec))
    if (it->is_regular_file(ec) && !it->is_symlink(ec)) bytes += it->file_size(ec);
  return bytes;
}

void make_dirs(const fs::path& path, unsigned mode) {
  // Usually it is there, or only its last part is missing: one mkdir. Only
  // when a parent is missing too, the parents first (not a mkdir per part of
  // every path, which cost a start-up dozens of failed system calls).
  if (::mkdir(path.c_str(), mode) == 0 || errno == EEXIST) return;
  if (errno != ENOENT) throw Error::sys("create directory", path.string(), errno);
  const fs::path parent = path.parent_path();
  if (parent.empty() || parent == path) throw Error::sys("create directory", path.string(), ENOENT);
  make_dirs(parent, mode);
  if (::mkdir(path.c_str(), mode) < 0 && errno != EEXIST)
    throw Error::sys("create directory", path.string(), errno);
}

bool spread_subdirectories(const fs::path& dir) noexcept {
  UniqueFd fd(::open(dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC));
  int flags = 0;
  if (!fd || ::ioctl(fd.get(), FS_IOC_GETFLAGS, &flags) < 0) return false;
  if (flags & FS_TOPDIR_FL) return true;
  flags |= FS_TOPDIR_FL;
  return ::ioctl(fd.get(), FS_IOC_SETFLAGS, &flags) == 0;
}

TempDir::TempDir(const fs::path& parent, std::string_view prefix) {
  make_dirs(parent);
  std::string tmpl = (parent / (std::string(prefix) + "XXXXXX")).string();
  if (::mkdtemp(tmpl.data()) == nullptr)
    throw Error::sys("create temporary directory in", parent.string(), errno);
  path_ = tmpl;
}

TempDir::~TempDir() {
  if (path_.empty()) return;
  std::error_code ec;
  fs::remove_all(path_, ec);
}

}  // namespace lit
