#include "runtime/rootfs/beneath.hpp"

#include <fcntl.h>
#include <linux/openat2.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <cerrno>
#include <string>

#include "runtime/util/error.hpp"

namespace lit::runtime {
namespace {

constexpr unsigned long long kResolve = RESOLVE_IN_ROOT | RESOLVE_NO_MAGICLINKS;

// Splits "/a/b/c" into its parent "/a/b" and name "c" (lexically).
std::pair<std::string, std::string> split_parent(const std::string& path) {
  std::string p = path;
  while (p.size() > 1 && p.back() == '/') p.pop_back();
  auto slash = p.rfind('/');
  if (slash == std::string::npos) return {"/", p};
  return {slash == 0 ? "/" : p.substr(0, slash), p.substr(slash + 1)};
}

// A dangling symlink in the image: where it points, read as a path inside the
// rootfs (relative links from their directory). Empty if `name` is not a link.
std::string link_target(int dir_fd, const std::string& parent, const std::string& name) {
  char buf[4096];
  ssize_t n = ::readlinkat(dir_fd, name.c_str(), buf, sizeof buf - 1);
  if (n <= 0) return {};
  std::string target(buf, static_cast<size_t>(n));
  return target[0] == '/' ? target : (parent == "/" ? "" : parent) + "/" + target;
}

constexpr int kMaxLinks = 40;  // as the kernel's ELOOP limit

UniqueFd make_dirs(int root_fd, const std::string& path, unsigned mode, int links);

UniqueFd make_file(int root_fd, const std::string& path, int links) {
  UniqueFd fd = open_beneath(root_fd, path, O_PATH);
  if (fd) return fd;
  if (errno != ENOENT) throw Error::sys("open file in rootfs", path, errno);
  auto [parent, name] = split_parent(path);
  UniqueFd dir = make_dirs(root_fd, parent, 0755, links);
  UniqueFd f(::openat(dir.get(), name.c_str(), O_CREAT | O_WRONLY | O_NOFOLLOW | O_CLOEXEC, 0644));
  int err = errno;
  if (!f && err == ELOOP && links < kMaxLinks) {
    std::string target = link_target(dir.get(), parent, name);
    if (!target.empty()) return make_file(root_fd, target, links + 1);
  }
  if (!f) throw Error::sys("create file in rootfs", path, err);
  fd = open_beneath(root_fd, path, O_PATH);
  if (!fd) throw Error::sys("open file in rootfs", path, errno);
  return fd;
}

UniqueFd make_dirs(int root_fd, const std::string& path, unsigned mode, int links) {
  UniqueFd fd = open_beneath(root_fd, path, O_PATH | O_DIRECTORY);
  if (fd) return fd;
  if (errno != ENOENT) throw Error::sys("open directory in rootfs", path, errno);
  auto [parent, name] = split_parent(path);
  if (name.empty()) throw Error("create directory in rootfs", path, EINVAL);
  UniqueFd dir = make_dirs(root_fd, parent, mode, links);
  // "a/.." (a symlink's target may say so): once "a" exists, the kernel resolves
  // it beneath the root, ".." of "/" being "/" (RESOLVE_IN_ROOT).
  if (name == "." || name == "..") {
    fd = open_beneath(root_fd, path, O_PATH | O_DIRECTORY);
    if (!fd) throw Error::sys("open directory in rootfs", path, errno);
    return fd;
  }
  if (::mkdirat(dir.get(), name.c_str(), mode) < 0) {
    int err = errno;
    std::string target =
        err == EEXIST && links < kMaxLinks ? link_target(dir.get(), parent, name) : "";
    if (!target.empty()) return make_dirs(root_fd, target, mode, links + 1);
    if (err != EEXIST) throw Error::sys("create directory in rootfs", path, err);
  }
  fd = open_beneath(root_fd, path, O_PATH | O_DIRECTORY);
  if (!fd) throw Error::sys("open directory in rootfs", path, errno);
  return fd;
}

}  // namespace

UniqueFd open_beneath(int root_fd, const std::string& path, int flags) {
  open_how how{};
  how.flags = static_cast<unsigned long long>(flags | O_CLOEXEC);
  how.resolve = kResolve;
  long fd;
  do {
    fd = ::syscall(SYS_openat2, root_fd, path.c_str(), &how, sizeof how);
  } while (fd < 0 && errno == EAGAIN);
  return UniqueFd(static_cast<int>(fd));
}

UniqueFd make_dirs_beneath(int root_fd, const std::string& path, unsigned mode) {
  return make_dirs(root_fd, path, mode, 0);
}

UniqueFd make_file_beneath(int root_fd, const std::string& path) {
  return make_file(root_fd, path, 0);
}

std::string fd_path(int fd) { return "/proc/self/fd/" + std::to_string(fd); }

}  // namespace lit::runtime
