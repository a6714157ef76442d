#pragma once
// Scratch directories for the fuzz targets that go through files: made once per
// process, emptied after every input (whatever modes the input left on them).
#include <dirent.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cstdio>
#include <cstdlib>
#include <string>
#include <string_view>

namespace lit::fuzz {

[[noreturn]] inline void die(const std::string& why) {
  std::fprintf(stderr, "fuzz target: %s\n", why.c_str());
  std::abort();
}

// Removes everything under the directory dirfd, never following symlinks; a
// directory the input made unreadable (mode 0) is opened up first.
inline void wipe_dir(int dirfd) {
  DIR* dir = ::fdopendir(::fcntl(dirfd, F_DUPFD_CLOEXEC, 0));
  if (dir == nullptr) die("cannot list a scratch directory");
  ::rewinddir(dir);
  while (dirent* d = ::readdir(dir)) {
    std::string_view name = d->d_name;
    if (name == "." || name == "..") continue;
    struct stat st;
    if (::fstatat(dirfd, d->d_name, &st, AT_SYMLINK_NOFOLLOW) < 0) continue;
    if (S_ISDIR(st.st_mode)) {
      ::fchmodat(dirfd, d->d_name, 0700, 0);
      int sub = ::openat(dirfd, d->d_name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
      if (sub < 0) die("cannot open " + std::string(name) + " in a scratch directory");
      wipe_dir(sub);
      ::close(sub);
      if (::unlinkat(dirfd, d->d_name, AT_REMOVEDIR) < 0) die("cannot remove " + std::string(name));
    } else if (::unlinkat(dirfd, d->d_name, 0) < 0) {
      die("cannot remove " + std::string(name));
    }
  }
  ::closedir(dir);
}

// A fresh directory under $TMPDIR (or /tmp) for one process, removed at exit
// (hold it in a function-local static).
class ScratchDir {
 public:
  explicit ScratchDir(const char* tag) {
    const char* tmp = std::getenv("TMPDIR");
    path_ = std::string(tmp && *tmp ? tmp : "/tmp") + "/lit-fuzz-" + tag + ".XXXXXX";
    if (::mkdtemp(path_.data()) == nullptr) die("mkdtemp " + path_);
    fd_ = ::open(path_.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (fd_ < 0) die("open " + path_);
  }
  ~ScratchDir() {
    wipe_dir(fd_);
    ::close(fd_);
    ::rmdir(path_.c_str());
  }
  ScratchDir(const ScratchDir&) = delete;
  ScratchDir& operator=(const ScratchDir&) = delete;

  const std::string& path() const { return path_; }
  int fd() const { return fd_; }
  void wipe() const { wipe_dir(fd_); }

 private:
  std::string path_;
  int fd_ = -1;
};

}  // namespace lit::fuzz
