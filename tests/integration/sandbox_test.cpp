// The harness checks itself: a leak check that cannot see leaks would let
// every integration test pass while lit leaves mounts and cgroups behind.
#include "tests/integration/sandbox.hpp"

#include <gtest/gtest-spi.h>
#include <sys/mount.h>
#include <sys/wait.h>
#include <unistd.h>

#include <fstream>

namespace lit::test {
namespace {

class SandboxSelfTest : public LitTest {
 public:
  static SandboxSelfTest* self;  // EXPECT_NONFATAL_FAILURE cannot capture `this`
  static void check_self() { self->check_no_leaks(); }
};
SandboxSelfTest* SandboxSelfTest::self = nullptr;

TEST_F(SandboxSelfTest, RunsInItsOwnNamespaces) {
  Result r = run_process({"cat", "/proc/net/dev"});
  EXPECT_EQ(r.out.find("eth"), std::string::npos) << "host interfaces visible\n" << r;
  for (const auto& m : read_mountinfo())
    if (m.mount_point == "/") {
      EXPECT_EQ(m.optional_fields.find("shared:"), std::string::npos);
    }
}

TEST_F(SandboxSelfTest, LeakCheckFindsAndRemovesAMount) {
  fs::path point = base_ / "leak";
  fs::create_directories(point);
  ASSERT_EQ(mount("tmpfs", point.c_str(), "tmpfs", 0, nullptr), 0);
  self = this;
  EXPECT_NONFATAL_FAILURE(check_self(), "leaked mount tmpfs");
  for (const auto& m : read_mountinfo()) EXPECT_NE(m.mount_point, point.string());
}

TEST_F(SandboxSelfTest, LeakCheckFindsAndRemovesACgroupAndItsProcess) {
  fs::path parent = "/sys/fs/cgroup/pids/lit";
  if (!fs::exists("/sys/fs/cgroup/pids")) parent = "/sys/fs/cgroup/lit";  // cgroup v2 host
  fs::path cg = parent / ("selftest-" + std::to_string(getpid()));
  fs::create_directories(cg);
  // The leak check judges only this test's containers: make it one of ours.
  fs::create_directories(root_ / "containers" / cg.filename());
  pid_t child = fork();
  if (child == 0) {
    std::ofstream(cg / "cgroup.procs") << getpid() << std::endl;
    execlp("sleep", "sleep", "60", nullptr);
    _exit(127);
  }
  for (int i = 0; i < 100 && cgroup_pids(cg).empty(); ++i) usleep(10000);
  ASSERT_EQ(cgroup_pids(cg).size(), 1u);
  self = this;
  EXPECT_NONFATAL_FAILURE(check_self(), "leaked cgroup");
  int status = 0;
  EXPECT_EQ(waitpid(child, &status, 0), child);
  EXPECT_TRUE(WIFSIGNALED(status) && WTERMSIG(status) == SIGKILL);
  EXPECT_FALSE(fs::exists(cg));
}

}  // namespace
}  // namespace lit::test
