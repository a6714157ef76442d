#include "runtime/util/dir_io.hpp"

#include <dirent.h>
#include <fcntl.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <memory>

#include "runtime/util/error.hpp"

namespace lit {

std::vector<std::string> dir_names(int dir_fd, const std::string& what) {
  int fd = ::openat(dir_fd, ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (fd < 0) throw Error::sys("open directory", what, errno);
  std::unique_ptr<DIR, int (*)(DIR*)> dir(::fdopendir(fd), ::closedir);
  if (!dir) {
    ::close(fd);
    throw Error::sys("open directory", what, errno);
  }
  std::vector<std::string> names;
  while (auto* e = ::readdir(dir.get())) {
    std::string n = e->d_name;
    if (n != "." && n != "..") names.push_back(std::move(n));
  }
  std::ranges::sort(names);
  return names;
}

void copy_bytes(int in, int out, const std::string& what) {
  for (;;) {  // copy_file_range: reflinks or in-kernel copies where the filesystem can
    ssize_t n = ::copy_file_range(in, nullptr, out, nullptr, 1 << 30, 0);
    if (n == 0) return;
    if (n > 0) continue;
    if (errno == EINTR) continue;
    if (errno != EXDEV && errno != EINVAL && errno != EOPNOTSUPP && errno != ENOSYS)
      throw Error::sys("copy", what, errno);
    break;
  }
  char buf[1 << 16];
  for (;;) {
    ssize_t n = ::read(in, buf, sizeof buf);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) throw Error::sys("read", what, errno);
    if (n == 0) return;
    for (ssize_t off = 0; off < n;) {
      ssize_t w = ::write(out, buf + off, static_cast<std::size_t>(n - off));
      if (w < 0 && errno == EINTR) continue;
      if (w < 0) throw Error::sys("write", what, errno);
      off += w;
    }
  }
}

}  // namespace lit
