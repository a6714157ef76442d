// mask_paths in a child with its own mount namespace (root only), so the
// host's /proc and /sys are never touched.
#include <fcntl.h>
#include <gtest/gtest.h>
#include <sched.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <unistd.h>

#include <cerrno>
#include <filesystem>

#include "runtime/security/security.hpp"
#include "runtime/util/fs.hpp"
#include "tests/unit/runtime/security/in_child.hpp"

namespace lit::security {
namespace {

namespace fs = std::filesystem;
using runtime::SecuritySpec;
using testing::in_child;

std::string private_mount_ns() {
  if (::unshare(CLONE_NEWNS) < 0) return "unshare failed";
  if (::mount(nullptr, "/", nullptr, MS_REC | MS_PRIVATE, nullptr) < 0)
    return "make / private failed";
  return "";
}

// The first masked file / directory this kernel has.
fs::path first_existing(std::initializer_list<const char*> paths) {
  for (const char* p : paths) {
    if (fs::exists(p)) return p;
  }
  return {};
}

bool is_dev_null(const fs::path& p) {
  struct stat st {};
  return ::stat(p.c_str(), &st) == 0 && S_ISCHR(st.st_mode) && st.st_rdev == makedev(1, 3);
}

bool write_refused_rofs(const char* path) {
  int fd = ::open(path, O_WRONLY | O_CLOEXEC);
  if (fd >= 0) {
    ::close(fd);
    return false;
  }
  return errno == EROFS;
}

class MaskPaths : public ::testing::Test {
 protected:
  void SetUp() override {
    if (::geteuid() != 0) GTEST_SKIP() << "needs root for a mount namespace";
  }
};

TEST_F(MaskPaths, HidesFilesAndDirsAndMakesProcSysReadOnly) {
  fs::path file =
      first_existing({"/proc/kcore", "/proc/keys", "/proc/timer_list", "/proc/sched_debug"});
  fs::path dir = first_existing({"/proc/acpi", "/sys/firmware", "/proc/scsi", "/proc/asound"});
  ASSERT_FALSE(file.empty());
  ASSERT_FALSE(dir.empty());
  ASSERT_FALSE(is_dev_null(file));
  auto msg = in_child([&]() -> std::string {
    if (auto e = private_mount_ns(); !e.empty()) return e;
    mask_paths({});
    std::string m;
    if (!is_dev_null(file)) m += file.string() + " is not /dev/null; ";
    if (!read_file(file).empty()) m += file.string() + " still has content; ";
    if (!fs::is_empty(dir)) m += dir.string() + " is not empty; ";
    if (::mkdir((dir / "x").c_str(), 0755) == 0 || errno != EROFS)
      m += dir.string() + " is writable; ";
    if (!write_refused_rofs("/proc/sys/kernel/hostname")) m += "/proc/sys is writable; ";
    if (fs::exists("/proc/sysrq-trigger") && !write_refused_rofs("/proc/sysrq-trigger")) {
      m += "/proc/sysrq-trigger is writable; ";
    }
    if (read_file("/proc/sys/kernel/ostype") != "Linux\n") m += "/proc/sys is not readable; ";
    return m;
  });
  EXPECT_EQ(msg, "");
  EXPECT_FALSE(is_dev_null(file)) << "the host's /proc was changed";
}

TEST_F(MaskPaths, PrivilegedIsANoOp) {
  fs::path file = first_existing({"/proc/kcore", "/proc/keys", "/proc/timer_list"});
  ASSERT_FALSE(file.empty());
  auto msg = in_child([&]() -> std::string {
    if (auto e = private_mount_ns(); !e.empty()) return e;
    SecuritySpec s;
    s.privileged = true;
    mask_paths(s);
    std::string m;
    if (is_dev_null(file)) m += file.string() + " masked; ";
    int fd = ::open("/proc/sys/kernel/hostname", O_WRONLY | O_CLOEXEC);
    if (fd < 0)
      m += "/proc/sys not writable; ";
    else
      ::close(fd);
    return m;
  });
  EXPECT_EQ(msg, "");
}

}  // namespace
}  // namespace lit::security
