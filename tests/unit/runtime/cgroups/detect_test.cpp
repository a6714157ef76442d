#include <gtest/gtest.h>

#include "runtime/cgroups/cgroup.hpp"
#include "runtime/cgroups/mountinfo.hpp"
#include "runtime/util/error.hpp"
#include "tests/unit/runtime/cgroups/fake_tree.hpp"

namespace lit::cgroups {
namespace {

using testing::FakeTree;

TEST(CgroupMountinfo, ParsesControllersAndEscapes) {
  auto mounts = parse_cgroup_mounts(
      "30 22 0:27 / /sys/fs/cgroup rw - tmpfs tmpfs rw,mode=755\n"
      "31 30 0:28 / /sys/fs/cgroup/cpu,cpuacct rw,nosuid shared:1 master:2 - cgroup cgroup "
      "rw,cpu,cpuacct\n"
      "39 30 0:36 / /sys/fs/cgroup/systemd rw - cgroup cgroup rw,xattr,name=systemd\n"
      "40 30 0:37 / /sys/fs/cgroup/un\\040ified rw - cgroup2 cgroup2 rw,nsdelegate\n");
  ASSERT_EQ(mounts.size(), 3u);
  EXPECT_EQ(mounts[0].mount_point, "/sys/fs/cgroup/cpu,cpuacct");
  EXPECT_FALSE(mounts[0].unified);
  EXPECT_EQ(mounts[0].controllers, (std::vector<std::string>{"cpu", "cpuacct"}));
  EXPECT_EQ(mounts[0].options, "cpu,cpuacct");  // what mounting the same hierarchy again takes
  EXPECT_TRUE(mounts[1].controllers.empty());   // name=systemd is no controller
  EXPECT_EQ(mounts[1].options, "xattr,name=systemd");
  EXPECT_EQ(mounts[2].mount_point, "/sys/fs/cgroup/un ified");
  EXPECT_TRUE(mounts[2].unified);
}

TEST(CgroupDetect, PureV2WhenCgroup2IsTheRoot) {
  FakeTree t;
  t.mount("", "cgroup2", "rw,nsdelegate");
  FakeTree::write(t.root() / "cgroup.controllers", "cpuset cpu io memory pids\n");
  EXPECT_EQ(detect(t.root(), t.mountinfo())->driver(), "v2");
}

TEST(CgroupDetect, HybridWithEmptyUnifiedIsV1) {
  FakeTree t;
  for (const char* c : {"cpu", "cpuacct", "memory", "pids"})
    t.mount(c, "cgroup", std::string("rw,") + c);
  t.mount("systemd", "cgroup", "rw,xattr,name=systemd");
  t.mount("unified", "cgroup2", "rw");
  FakeTree::write(t.root() / "unified" / "cgroup.controllers", "");
  EXPECT_EQ(detect(t.root(), t.mountinfo())->driver(), "v1");
}

TEST(CgroupDetect, LegacyWithCoMountedCpuIsV1) {
  FakeTree t;
  t.mount("cpu,cpuacct", "cgroup", "rw,cpu,cpuacct");
  t.mount("memory", "cgroup", "rw,memory");
  auto m = detect(t.root(), t.mountinfo());
  EXPECT_EQ(m->driver(), "v1");
  // cpu and cpuacct share one directory.
  auto paths = m->open("x")->paths();
  EXPECT_EQ(paths.size(), 2u);
}

TEST(CgroupDetect, IgnoresMountsOutsideTheRoot) {
  FakeTree t;
  t.mount("../elsewhere", "cgroup2", "rw");
  EXPECT_THROW(detect(t.root(), t.mountinfo()), Error);
}

TEST(CgroupDetect, NoHierarchyIsAClearError) {
  FakeTree t;
  t.mount("systemd", "cgroup", "rw,name=systemd");
  try {
    detect(t.root(), t.mountinfo());
    FAIL() << "expected an error";
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find("usable cgroup hierarchy"), std::string::npos) << e.what();
    EXPECT_FALSE(e.hint().empty());
  }
}

TEST(CgroupDetect, ThisMachine) {
  // Whatever the host is, detection must succeed and agree with the mounts.
  auto m = detect();
  // cgroup.controllers exists at the root only when cgroup2 is mounted there.
  bool unified_root = std::filesystem::exists("/sys/fs/cgroup/cgroup.controllers");
  EXPECT_EQ(m->driver(), unified_root ? "v2" : "v1");
}

TEST(CgroupId, RejectsIdsThatEscapeTheSubtree) {
  FakeTree t;
  t.mount("memory", "cgroup", "rw,memory");
  auto m = detect(t.root(), t.mountinfo());
  for (const char* bad : {"", ".", "..", "a/b", "../x"}) {
    EXPECT_THROW(m->create(bad), Error) << bad;
  }
}

}  // namespace
}  // namespace lit::cgroups
