// Which lit cgroups the sweep takes for leftovers: empty, old, and without
// cgroups of their own below, on a fake v2 tree.
#include "runtime/cgroups/stale.hpp"

#include <gtest/gtest.h>

#include "tests/unit/runtime/cgroups/fake_tree.hpp"

namespace lit::cgroups {
namespace {

using testing::FakeTree;
namespace fs = std::filesystem;
using namespace std::chrono_literals;

class StaleCgroupsTest : public ::testing::Test {
 protected:
  StaleCgroupsTest() {
    t_.mount("", "cgroup2", "rw");
    FakeTree::write(t_.root() / "cgroup.controllers", "cpu memory pids\n");
    FakeTree::write(t_.root() / "lit" / "cgroup.controllers", "cpu memory pids\n");
  }
  // A container cgroup with these pids in cgroup.procs, made `age` ago.
  fs::path add(const std::string& id, const std::string& procs, std::chrono::seconds age) {
    fs::path dir = t_.root() / "lit" / id;
    FakeTree::write(dir / "cgroup.procs", procs);
    fs::last_write_time(dir, fs::file_time_type::clock::now() - age);
    return dir;
  }
  std::vector<std::string> stale(std::chrono::seconds min_age = kStaleAfter) {
    return stale_cgroups(*detect(t_.root(), t_.mountinfo()), min_age);
  }
  FakeTree t_;
};

TEST_F(StaleCgroupsTest, AnOldEmptyCgroupIsStale) {
  add("a1", "", 1h);
  EXPECT_EQ(stale(), std::vector<std::string>{"a1"});
}

TEST_F(StaleCgroupsTest, ACgroupWithProcessesIsNot) {
  add("a1", "4242\n", 1h);
  EXPECT_TRUE(stale().empty());
}

// Made a moment ago: a start that has not moved its init in yet.
TEST_F(StaleCgroupsTest, AYoungEmptyCgroupIsNot) {
  add("a1", "", 0s);
  EXPECT_TRUE(stale().empty());
  EXPECT_EQ(stale(0s), std::vector<std::string>{"a1"});
}

// A container that made cgroups of its own has its processes down there.
TEST_F(StaleCgroupsTest, ACgroupWithCgroupsBelowIsNot) {
  fs::path dir = add("a1", "", 1h);
  FakeTree::write(dir / "inner" / "cgroup.procs", "77\n");
  fs::last_write_time(dir, fs::file_time_type::clock::now() - 1h);
  EXPECT_TRUE(stale().empty());
}

TEST_F(StaleCgroupsTest, OnlyTheStaleOnesOfSeveral) {
  add("a1", "", 1h);
  add("b2", "10\n11\n", 1h);
  add("c3", "", 1h);
  add("d4", "", 0s);
  EXPECT_EQ(stale(), (std::vector<std::string>{"a1", "c3"}));
}

}  // namespace
}  // namespace lit::cgroups
