// Which cgroup v2 subtree a rootless session may use: the highest ancestor of
// its own cgroup that the user owns and may write, as systemd's
// user@UID.service is (a fake tree here, whose directories are the test's own).
#include <gtest/gtest.h>
#include <sys/stat.h>
#include <unistd.h>

#include <fstream>

#include "runtime/cgroups/cgroup.hpp"
#include "runtime/util/fs.hpp"

namespace lit::cgroups {
namespace {

namespace fs = std::filesystem;

class Delegation : public ::testing::Test {
 protected:
  void SetUp() override { mount_ = tmp_.path() / "cgroup"; }

  // A cgroup directory with the files a delegated one has: ours, or (as root)
  // another user's, or (as a user) one we may not write.
  void cgroup(const std::string& rel, bool ours) {
    fs::path dir = mount_ / rel;
    fs::create_directories(dir);
    for (const char* f : {"cgroup.procs", "cgroup.subtree_control"}) {
      std::ofstream(dir / f) << "";
      if (::geteuid() != 0) ::chmod((dir / f).c_str(), ours ? 0644 : 0444);
    }
    if (::geteuid() == 0) {
      ASSERT_EQ(::chown(dir.c_str(), ours ? 0 : 65534, 0), 0);
    }
  }

  TempDir tmp_{fs::temp_directory_path(), "lit-delegation-"};
  fs::path mount_;
};

TEST_F(Delegation, TheHighestWritableAncestorOfOurOwnCgroup) {
  cgroup("user.slice", false);
  cgroup("user.slice/user-1000.slice", false);
  cgroup("user.slice/user-1000.slice/user@1000.service", true);
  cgroup("user.slice/user-1000.slice/user@1000.service/app.slice", true);
  cgroup("user.slice/user-1000.slice/user@1000.service/app.slice/term.scope", true);
  EXPECT_EQ(delegated_v2_dir(mount_,
                             "0::/user.slice/user-1000.slice/user@1000.service/app.slice/"
                             "term.scope\n"),
            mount_ / "user.slice/user-1000.slice/user@1000.service");
}

TEST_F(Delegation, NothingWhenOurCgroupIsNotOurs) {
  cgroup("user.slice/user-1000.slice/session-3.scope", false);
  EXPECT_EQ(delegated_v2_dir(mount_, "0::/user.slice/user-1000.slice/session-3.scope\n"),
            fs::path());
}

TEST_F(Delegation, ReadsTheUnifiedLineAmongV1Ones) {
  cgroup("a", true);
  EXPECT_EQ(delegated_v2_dir(mount_, "12:memory:/x\n0::/a\n1:name=systemd:/y\n"), mount_ / "a");
  EXPECT_EQ(delegated_v2_dir(mount_, "12:memory:/x\n"), fs::path());
  EXPECT_EQ(delegated_v2_dir(mount_, ""), fs::path());
}

}  // namespace
}  // namespace lit::cgroups
