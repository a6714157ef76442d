// Fuzz target: layer tars come from image archives, so they are untrusted.
// Whatever the bytes (a tar, plain, gzip or zstd), unpacking must not crash,
// must fail only with lit::Error, and must never create or change anything
// outside the layer directory. Each input is unpacked twice: with openat2 and
// with the fallback walk.
//
// The layer is <base>/layer next to a file <base>/outside; after each unpack
// <base> must hold exactly those two, unchanged. <base> is /tmp/lit-fuzz-tar
// when this process can lock it (so seeds can aim absolute symlinks at it),
// else a fresh directory.
#include <fcntl.h>
#include <spdlog/spdlog.h>
#include <sys/file.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cstddef>
#include <cstdint>
#include <memory>
#include <set>
#include <string>

#include "runtime/image/unpack.hpp"
#include "runtime/util/error.hpp"
#include "tests/fuzz/scratch.hpp"

namespace {

using lit::fuzz::die;

constexpr const char kFixedBase[] = "/tmp/lit-fuzz-tar";
constexpr std::string_view kOutsideContent = "keep";

class Sandbox {
 public:
  Sandbox() {
    int lock = ::open("/tmp/lit-fuzz-tar.lock", O_RDWR | O_CREAT | O_CLOEXEC, 0600);
    if (lock >= 0 && ::flock(lock, LOCK_EX | LOCK_NB) == 0) {
      base_ = kFixedBase;
      ::mkdir(base_.c_str(), 0700);
      fd_ = ::open(base_.c_str(), O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
      if (fd_ < 0) die("open " + base_);
      lit::fuzz::wipe_dir(fd_);  // left over from a run that crashed
    } else {
      if (lock >= 0) ::close(lock);
      scratch_ = std::make_unique<lit::fuzz::ScratchDir>("tar");
      base_ = scratch_->path();
      fd_ = ::dup(scratch_->fd());
    }
    int out = ::openat(fd_, "outside", O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0644);
    if (out < 0 || ::write(out, kOutsideContent.data(), kOutsideContent.size()) != 4)
      die("create outside");
    ::close(out);
    if (::fstatat(fd_, "outside", &outside_, AT_SYMLINK_NOFOLLOW) < 0) die("stat outside");
    layer_ = base_ + "/layer";
  }
  ~Sandbox() {
    if (!scratch_) {
      lit::fuzz::wipe_dir(fd_);
      ::rmdir(base_.c_str());
    }
    ::close(fd_);
  }

  const std::string& layer() const { return layer_; }

  // A new empty layer directory.
  void fresh_layer() const {
    clear_layer();
    if (::mkdirat(fd_, "layer", 0755) < 0) die("create layer directory");
  }

  void clear_layer() const {
    struct stat st;
    if (::fstatat(fd_, "layer", &st, AT_SYMLINK_NOFOLLOW) < 0) return;
    ::fchmodat(fd_, "layer", 0700, 0);
    int layer = ::openat(fd_, "layer", O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
    if (layer < 0) die("open layer directory");
    lit::fuzz::wipe_dir(layer);
    ::close(layer);
    if (::unlinkat(fd_, "layer", AT_REMOVEDIR) < 0) die("remove layer directory");
  }

  // Nothing but "layer" (still a directory) and "outside" (unchanged) in base.
  void check() const {
    DIR* dir = ::fdopendir(::dup(fd_));
    if (dir == nullptr) die("list " + base_);
    ::rewinddir(dir);
    std::set<std::string> names;
    while (dirent* d = ::readdir(dir)) names.insert(d->d_name);
    ::closedir(dir);
    if (names != std::set<std::string>{".", "..", "layer", "outside"}) {
      std::string all;
      for (const auto& n : names) all += " " + n;
      die("unpack wrote outside the layer directory; " + base_ + " holds:" + all);
    }
    struct stat st;
    if (::fstatat(fd_, "layer", &st, AT_SYMLINK_NOFOLLOW) < 0 || !S_ISDIR(st.st_mode))
      die("the layer directory was replaced");
    char buf[8] = {};
    int out = ::openat(fd_, "outside", O_RDONLY | O_NOFOLLOW | O_CLOEXEC);
    if (out < 0 || ::fstat(out, &st) < 0 || st.st_ino != outside_.st_ino ||
        st.st_mode != outside_.st_mode || st.st_uid != outside_.st_uid ||
        st.st_nlink != outside_.st_nlink || ::read(out, buf, sizeof buf) != 4 ||
        std::string_view(buf) != kOutsideContent || st.st_mtim.tv_sec != outside_.st_mtim.tv_sec ||
        st.st_mtim.tv_nsec != outside_.st_mtim.tv_nsec)
      die("unpack changed " + base_ + "/outside");
    ::close(out);
  }

 private:
  std::unique_ptr<lit::fuzz::ScratchDir> scratch_;
  std::string base_, layer_;
  int fd_ = -1;
  struct stat outside_ {};
};

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  static Sandbox sandbox;
  static const int input = [] {
    spdlog::set_level(spdlog::level::off);  // skipped device nodes warn
    int fd = ::memfd_create("layer", MFD_CLOEXEC);
    if (fd < 0) die("memfd_create");
    return fd;
  }();
  if (::ftruncate(input, 0) < 0 || ::pwrite(input, data, size, 0) != static_cast<ssize_t>(size))
    die("write the input to a memfd");
  // Device nodes stay off: a fuzzed block device node in /tmp is not worth the risk.
  lit::image::UnpackOptions options{false, ::geteuid() == 0, true};
  for (bool openat2 : {true, false}) {
    options.use_openat2 = openat2;
    sandbox.fresh_layer();
    if (::lseek(input, 0, SEEK_SET) < 0) die("lseek");
    try {
      lit::image::unpack_layer(input, sandbox.layer(), "fuzz layer", options);
    } catch (const lit::Error&) {
      // A bad layer is an error; what it wrote before must still be inside.
    }
    sandbox.check();
  }
  sandbox.clear_layer();
  return 0;
}
