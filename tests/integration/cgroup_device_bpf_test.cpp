// Root-only: the cgroup v2 device program, loaded and attached for real. A
// program runs for every cgroup2 cgroup a task is in, also on a hybrid host
// whose cgroup2 mount (/sys/fs/cgroup/unified) holds no controllers, so the
// test makes its own cgroup there (lit-test-<pid>), moves a forked child into
// it and removes it afterwards. The child opens device nodes it makes on a
// tmpfs of its own.
#include <fcntl.h>
#include <gtest/gtest.h>
#include <sched.h>
#include <signal.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <sys/vfs.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <filesystem>
#include <fstream>
#include <optional>
#include <string>

#include "runtime/cgroups/device_filter.hpp"
#include "runtime/util/error.hpp"

namespace lit::cgroups {
namespace {

namespace fs = std::filesystem;

constexpr long kCgroup2Magic = 0x63677270;

std::optional<fs::path> cgroup2_mount() {
  for (const char* p : {"/sys/fs/cgroup/unified", "/sys/fs/cgroup"}) {
    struct statfs st {};
    if (::statfs(p, &st) == 0 && st.f_type == kCgroup2Magic) return fs::path(p);
  }
  return std::nullopt;
}

// What the child saw: errno of each open (0: it opened).
struct Opens {
  int block_read = -1, block_write = -1, null_rw = -1, zero_read = -1;
};

int open_errno(const char* path, int flags) {
  int fd = ::open(path, flags | O_CLOEXEC);
  if (fd < 0) return errno;
  ::close(fd);
  return 0;
}

// In the child: a private tmpfs (device nodes work there), loop0's node and /dev/zero's.
Opens probe(const fs::path& dir) {
  Opens o;
  if (::unshare(CLONE_NEWNS) < 0 || ::mount("", "/", nullptr, MS_REC | MS_PRIVATE, nullptr) < 0 ||
      ::mount("tmpfs", dir.c_str(), "tmpfs", 0, "size=64k") < 0)
    return o;
  std::string blk = (dir / "blk").string(), zero = (dir / "zero").string();
  if (::mknod(blk.c_str(), S_IFBLK | 0600, makedev(7, 0)) < 0) return o;
  if (::mknod(zero.c_str(), S_IFCHR | 0600, makedev(1, 5)) < 0) return o;
  o.block_read = open_errno(blk.c_str(), O_RDONLY);
  o.block_write = open_errno(blk.c_str(), O_WRONLY);
  o.null_rw = open_errno("/dev/null", O_RDWR);
  o.zero_read = open_errno(zero.c_str(), O_RDONLY);
  return o;
}

class DeviceBpf : public ::testing::Test {
 protected:
  void SetUp() override {
    if (::geteuid() != 0) GTEST_SKIP() << "needs root to load BPF programs and make cgroups";
    auto mount = cgroup2_mount();
    if (!mount) GTEST_SKIP() << "no cgroup2 mount under /sys/fs/cgroup";
    cgroup_ = *mount / ("lit-test-" + std::to_string(::getpid()));
    ASSERT_TRUE(fs::create_directory(cgroup_)) << cgroup_;
    ASSERT_EQ(::mkdir(dir_.c_str(), 0700) == 0 || errno == EEXIST, true);
  }
  void TearDown() override {
    if (!cgroup_.empty()) ::rmdir(cgroup_.c_str());
    if (!dir_.empty()) ::rmdir(dir_.c_str());
  }

  // Runs probe() in a child moved into the cgroup first.
  Opens run_in_cgroup() {
    int go[2], out[2];
    EXPECT_EQ(::pipe(go), 0);
    EXPECT_EQ(::pipe(out), 0);
    pid_t pid = ::fork();
    if (pid == 0) {
      char c;
      if (::read(go[0], &c, 1) != 1) ::_exit(1);
      Opens o = probe(dir_);
      ::_exit(::write(out[1], &o, sizeof o) == sizeof o ? 0 : 1);
    }
    ::close(go[0]);
    ::close(out[1]);
    std::ofstream(cgroup_ / "cgroup.procs") << pid << std::flush;
    Opens o;
    if (::write(go[1], "g", 1) != 1 || ::read(out[0], &o, sizeof o) != sizeof o)
      ADD_FAILURE() << "the child said nothing";
    ::close(go[1]);
    ::close(out[0]);
    int status = 0;
    ::waitpid(pid, &status, 0);
    return o;
  }

  fs::path cgroup_;
  fs::path dir_ = fs::temp_directory_path() / ("lit-devbpf-" + std::to_string(::getpid()));
};

TEST_F(DeviceBpf, DefaultRulesRefuseABlockNodeAndAllowTheStandardOnes) {
  attach_device_filter(cgroup_, default_device_rules());
  Opens o = run_in_cgroup();
  EXPECT_EQ(o.block_read, EPERM);
  EXPECT_EQ(o.block_write, EPERM);
  EXPECT_EQ(o.null_rw, 0);
  EXPECT_EQ(o.zero_read, 0);
}

TEST_F(DeviceBpf, ARuleAllowsExactlyItsAccess) {
  // mknod of any node (for the probe's nodes) and read of loop0 only;
  // /dev/null and /dev/zero, not named, are refused too.
  attach_device_filter(cgroup_, {{DeviceType::Char, std::nullopt, std::nullopt, kDeviceMknod},
                                 {DeviceType::Block, std::nullopt, std::nullopt, kDeviceMknod},
                                 {DeviceType::Block, 7, 0, kDeviceRead}});
  Opens o = run_in_cgroup();
  EXPECT_NE(o.block_read, EPERM);  // the cgroup lets it through (the driver decides the rest)
  EXPECT_EQ(o.block_write, EPERM);
  EXPECT_EQ(o.null_rw, EPERM);
  EXPECT_EQ(o.zero_read, EPERM);
}

TEST_F(DeviceBpf, WithoutAProgramEverythingOpens) {
  // The control: the refusals above are the program's.
  Opens o = run_in_cgroup();
  EXPECT_NE(o.block_read, EPERM);
  EXPECT_EQ(o.null_rw, 0);
  EXPECT_EQ(o.zero_read, 0);
}

}  // namespace
}  // namespace lit::cgroups
