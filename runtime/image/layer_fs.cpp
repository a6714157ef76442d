#include "runtime/image/layer_fs.hpp"

#include <dirent.h>
#include <fcntl.h>
#include <linux/openat2.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <cerrno>

#include "runtime/util/error.hpp"

namespace lit::image {

bool clean_entry_path(std::string_view path, std::vector<std::string>& out) {
  out.clear();
  std::size_t i = 0;
  while (i <= path.size()) {
    std::size_t j = path.find('/', i);
    if (j == std::string_view::npos) j = path.size();
    std::string_view c = path.substr(i, j - i);
    if (c == "..") {
      if (out.empty()) return false;
      out.pop_back();
    } else if (!c.empty() && c != ".") {
      out.emplace_back(c);
    }
    i = j + 1;
  }
  return true;
}

std::string join_components(const std::vector<std::string>& comps, std::size_t n) {
  std::string s;
  for (std::size_t i = 0; i < n && i < comps.size(); ++i) {
    if (i) s += '/';
    s += comps[i];
  }
  return s;
}

bool openat2_supported() {
  static const bool supported = [] {
    open_how how{};
    how.flags = O_RDONLY | O_DIRECTORY | O_CLOEXEC;
    how.resolve = RESOLVE_BENEATH;
    long fd = ::syscall(SYS_openat2, AT_FDCWD, ".", &how, sizeof how);
    if (fd >= 0) ::close(static_cast<int>(fd));
    return !(fd < 0 && errno == ENOSYS);
  }();
  return supported;
}

LayerFs::LayerFs(int root, bool use_openat2)
    : root_(root), openat2_(use_openat2 && openat2_supported()) {}

UniqueFd LayerFs::open_one(const std::string& rel, int flags) const {
  open_how how{};
  how.flags = static_cast<__u64>(flags | O_CLOEXEC);
  how.resolve = RESOLVE_IN_ROOT | RESOLVE_NO_MAGICLINKS | RESOLVE_NO_XDEV;
  long fd;
  do {
    fd = ::syscall(SYS_openat2, root_, rel.empty() ? "." : rel.c_str(), &how, sizeof how);
  } while (fd < 0 && errno == EAGAIN);
  return UniqueFd(static_cast<int>(fd));
}

UniqueFd LayerFs::open_dir(const std::vector<std::string>& comps, std::size_t n,
                           bool create) const {
  const std::string rel = join_components(comps, n);
  if (openat2_) {
    UniqueFd fd = open_one(rel, O_RDONLY | O_DIRECTORY);
    if (fd) return fd;
    if (errno != ENOENT || !create)
      throw Error::sys("open directory in layer", rel.empty() ? "/" : rel, errno);
  }
  // Walk one component at a time, creating what is missing. With openat2 each
  // prefix is re-resolved in-root (symlinks allowed); without it, none are followed.
  UniqueFd cur(::fcntl(root_, F_DUPFD_CLOEXEC, 0));
  if (!cur) throw Error::sys("dup", "layer root", errno);
  for (std::size_t i = 0; i < n; ++i) {
    auto open_next = [&] {
      return openat2_ ? open_one(join_components(comps, i + 1), O_RDONLY | O_DIRECTORY)
                      : UniqueFd(::openat(cur.get(), comps[i].c_str(),
                                          O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC));
    };
    UniqueFd next = open_next();
    if (!next && errno == ENOENT && create) {
      if (::mkdirat(cur.get(), comps[i].c_str(), 0755) < 0) {
        if (errno == EEXIST) {
          throw Error(join_components(comps, i + 1) +
                      " is a symlink or file that does not lead to a directory inside the layer");
        }
        throw Error::sys("create directory in layer", join_components(comps, i + 1), errno);
      }
      next = open_next();
      if (next) ::fchmod(next.get(), 0755);  // independent of the umask
    }
    if (!next) {
      int e = errno;
      std::string where = join_components(comps, i + 1);
      if (!openat2_ && (e == ELOOP || e == ENOTDIR)) {
        throw Error("refusing to write through symlink or non-directory", where + " in layer");
      }
      throw Error::sys("open directory in layer", where, e);
    }
    cur = std::move(next);
  }
  return cur;
}

UniqueFd LayerFs::open_dir_nofollow(const std::vector<std::string>& comps) const {
  UniqueFd cur(::fcntl(root_, F_DUPFD_CLOEXEC, 0));
  for (const auto& c : comps) {
    if (!cur) break;
    cur.reset(::openat(cur.get(), c.c_str(), O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC));
  }
  return cur;
}

void remove_at(int dirfd, const std::string& name) {
  struct stat st;
  if (::fstatat(dirfd, name.c_str(), &st, AT_SYMLINK_NOFOLLOW) < 0) {
    if (errno == ENOENT) return;
    throw Error::sys("stat", name, errno);
  }
  if (!S_ISDIR(st.st_mode)) {
    if (::unlinkat(dirfd, name.c_str(), 0) < 0) throw Error::sys("remove", name, errno);
    return;
  }
  int fd = ::openat(dirfd, name.c_str(), O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
  if (fd < 0) throw Error::sys("open directory", name, errno);
  DIR* dir = ::fdopendir(fd);
  if (dir == nullptr) {
    int e = errno;
    ::close(fd);
    throw Error::sys("read directory", name, e);
  }
  std::vector<std::string> children;
  while (dirent* d = ::readdir(dir)) {
    std::string_view n = d->d_name;
    if (n != "." && n != "..") children.emplace_back(n);
  }
  try {
    for (const auto& c : children) remove_at(::dirfd(dir), c);
  } catch (...) {
    ::closedir(dir);
    throw;
  }
  ::closedir(dir);
  if (::unlinkat(dirfd, name.c_str(), AT_REMOVEDIR) < 0)
    throw Error::sys("remove directory", name, errno);
}

}  // namespace lit::image
