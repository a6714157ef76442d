// The drivers against fake cgroup trees: which files they write, with what.
#include <gtest/gtest.h>

#include "runtime/cgroups/cgroup.hpp"
#include "runtime/util/error.hpp"
#include "tests/unit/runtime/cgroups/fake_tree.hpp"

namespace lit::cgroups {
namespace {

using testing::FakeTree;
namespace fs = std::filesystem;

// A v2 tree whose root has the usual controllers and nothing delegated yet.
struct V2Fake {
  FakeTree t;
  fs::path cg;
  explicit V2Fake(const std::string& id = "c1") {
    t.mount("", "cgroup2", "rw");
    FakeTree::write(t.root() / "cgroup.controllers", "cpuset cpu io memory hugetlb pids\n");
    FakeTree::write(t.root() / "cgroup.subtree_control", "cpu\n");
    FakeTree::write(t.root() / "lit" / "cgroup.controllers", "cpu io memory pids\n");
    FakeTree::write(t.root() / "lit" / "cgroup.subtree_control", "");
    cg = t.root() / "lit" / id;
    for (const char* f : {"memory.max", "memory.swap.max", "cpu.max", "pids.max", "cgroup.procs"}) {
      FakeTree::write(cg / f, "");
    }
  }
};

TEST(CgroupV2Fake, CreateEnablesOnlyMissingWantedControllers) {
  V2Fake f;
  auto m = detect(f.t.root(), f.t.mountinfo());
  auto cg = m->create("c1");
  // The root already delegates cpu; io/cpuset/hugetlb are not lit's to enable.
  EXPECT_EQ(FakeTree::read(f.t.root() / "cgroup.subtree_control"), "+memory +pids");
  EXPECT_EQ(FakeTree::read(f.t.root() / "lit" / "cgroup.subtree_control"), "+memory +cpu +pids");
  EXPECT_EQ(cg->paths(), std::vector<fs::path>{f.cg});
  EXPECT_EQ(m->list(), std::vector<std::string>{"c1"});
}

TEST(CgroupV2Fake, ApplyWritesLimits) {
  V2Fake f;
  auto cg = detect(f.t.root(), f.t.mountinfo())->create("c1");
  cg->apply({.memory_bytes = 64 << 20, .cpus = 1.5, .pids = 100});
  EXPECT_EQ(FakeTree::read(f.cg / "memory.max"), "67108864");
  EXPECT_EQ(FakeTree::read(f.cg / "memory.swap.max"), "0");
  EXPECT_EQ(FakeTree::read(f.cg / "cpu.max"), "150000 100000");
  EXPECT_EQ(FakeTree::read(f.cg / "pids.max"), "100");
}

TEST(CgroupV2Fake, MissingControllerFileIsNamedInTheError) {
  V2Fake f;
  fs::remove(f.cg / "pids.max");
  auto cg = detect(f.t.root(), f.t.mountinfo())->create("c1");
  try {
    cg->apply({.pids = 5});
    FAIL() << "expected an error";
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find((f.cg / "pids.max").string()), std::string::npos)
        << e.what();
    EXPECT_NE(std::string(e.what()).find("pids limit"), std::string::npos) << e.what();
  }
}

TEST(CgroupV2Fake, TooSmallCpuIsRejected) {
  V2Fake f;
  auto cg = detect(f.t.root(), f.t.mountinfo())->create("c1");
  EXPECT_THROW(cg->apply({.cpus = 0.001}), Error);
}

TEST(CgroupV2Fake, StatsAndOomKills) {
  V2Fake f;
  auto cg = detect(f.t.root(), f.t.mountinfo())->open("c1");
  FakeTree::write(f.cg / "memory.current", "4096\n");
  FakeTree::write(f.cg / "memory.max", "max\n");
  FakeTree::write(f.cg / "cpu.stat", "usage_usec 1500\nuser_usec 1000\n");
  FakeTree::write(f.cg / "pids.current", "3\n");
  FakeTree::write(f.cg / "memory.events", "low 0\nhigh 0\nmax 7\noom 2\noom_kill 2\n");
  FakeTree::write(f.cg / "cgroup.procs", "10\n20\n");
  auto s = cg->stats();
  EXPECT_EQ(s.memory_bytes, 4096u);
  EXPECT_EQ(s.memory_limit, 0u);
  EXPECT_EQ(s.cpu_usage_ns, 1500000u);
  EXPECT_EQ(s.pids, 3u);
  EXPECT_EQ(cg->oom_kills(), 2u);
  EXPECT_EQ(cg->processes(), (std::vector<pid_t>{10, 20}));
}

// A v1 tree as on hybrid hosts, with separately mounted cpu and cpuacct.
struct V1Fake {
  FakeTree t;
  explicit V1Fake(bool memsw = true) {
    for (const char* c : {"cpu", "cpuacct", "memory", "pids", "freezer"}) {
      t.mount(c, "cgroup", std::string("rw,") + c);
    }
    t.mount("unified", "cgroup2", "rw");
    std::vector<std::string> files = {"memory/memory.limit_in_bytes", "cpu/cpu.cfs_period_us",
                                      "cpu/cpu.cfs_quota_us", "pids/pids.max",
                                      "freezer/freezer.state"};
    if (memsw) files.push_back("memory/memory.memsw.limit_in_bytes");
    for (const auto& f : files) {
      auto slash = f.find('/');
      FakeTree::write(t.root() / f.substr(0, slash) / "lit" / "c1" / f.substr(slash + 1), "");
    }
  }
  fs::path dir(const std::string& c) { return t.root() / c / "lit" / "c1"; }
};

TEST(CgroupV1Fake, CreatesOneDirPerControllerUnderLit) {
  V1Fake f;
  auto m = detect(f.t.root(), f.t.mountinfo());
  auto cg = m->create("c2");
  std::vector<fs::path> want;
  // freezer: for pause/unpause.
  for (const char* c : {"cpu", "cpuacct", "freezer", "memory", "pids"})
    want.push_back(f.t.root() / c / "lit" / "c2");
  EXPECT_EQ(cg->paths(), want);
  for (const auto& p : want) EXPECT_TRUE(fs::is_directory(p)) << p;
  EXPECT_FALSE(fs::exists(f.t.root() / "unified" / "lit"));
  EXPECT_EQ(m->list(), (std::vector<std::string>{"c1", "c2"}));
}

TEST(CgroupV1Fake, ApplyWritesLimitsAndSwapTheSame) {
  V1Fake f;
  auto cg = detect(f.t.root(), f.t.mountinfo())->open("c1");
  cg->apply({.memory_bytes = 32 << 20, .cpus = 0.5, .pids = 5});
  EXPECT_EQ(FakeTree::read(f.dir("memory") / "memory.limit_in_bytes"), "33554432");
  EXPECT_EQ(FakeTree::read(f.dir("memory") / "memory.memsw.limit_in_bytes"), "33554432");
  EXPECT_EQ(FakeTree::read(f.dir("cpu") / "cpu.cfs_period_us"), "100000");
  EXPECT_EQ(FakeTree::read(f.dir("cpu") / "cpu.cfs_quota_us"), "50000");
  EXPECT_EQ(FakeTree::read(f.dir("pids") / "pids.max"), "5");
}

TEST(CgroupV1Fake, DevicesDenyAllThenAllowEachRule) {
  V1Fake f;
  f.t.mount("devices", "cgroup", "rw,devices");
  FakeTree::write(f.dir("devices") / "devices.deny", "");
  FakeTree::write(f.dir("devices") / "devices.allow", "");
  auto cg = detect(f.t.root(), f.t.mountinfo())->open("c1");
  cg->apply({.devices = std::vector<DeviceRule>{{DeviceType::Block, 7, 0, kDeviceRead}}});
  EXPECT_EQ(FakeTree::read(f.dir("devices") / "devices.deny"), "a");
  EXPECT_EQ(FakeTree::read(f.dir("devices") / "devices.allow"), "b 7:0 r");
}

TEST(CgroupV1Fake, DevicesWithoutTheControllerSayWhatToMount) {
  V1Fake f;
  auto cg = detect(f.t.root(), f.t.mountinfo())->open("c1");
  try {
    cg->apply({.devices = default_device_rules()});
    FAIL() << "expected an error";
  } catch (const Error& e) {
    EXPECT_STREQ(e.what(), "set device access: the devices cgroup controller is not mounted");
  }
}

// A container started by an older lit has no directory for a controller lit
// uses now (devices): exec still joins the ones it has; with none, it fails.
TEST(CgroupV1Fake, JoinSkipsAControllerTheCgroupWasMadeWithout) {
  V1Fake f;
  f.t.mount("devices", "cgroup", "rw,devices");
  auto m = detect(f.t.root(), f.t.mountinfo());
  auto cg = m->open("c1");
  ASSERT_FALSE(fs::exists(f.dir("devices")));
  for (const auto& d : cg->paths())
    if (fs::is_directory(d)) FakeTree::write(d / "cgroup.procs", "");
  cg->add_process(4242);
  EXPECT_EQ(FakeTree::read(f.dir("memory") / "cgroup.procs"), "4242");
  EXPECT_EQ(FakeTree::read(f.dir("pids") / "cgroup.procs"), "4242");
  EXPECT_FALSE(fs::exists(f.dir("devices")));
  EXPECT_THROW(m->open("gone")->add_process(4242), Error);
}

TEST(CgroupV1Fake, SwapAccountingOffIsSkipped) {
  V1Fake f(/*memsw=*/false);
  auto cg = detect(f.t.root(), f.t.mountinfo())->open("c1");
  cg->apply({.memory_bytes = 1 << 20});
  EXPECT_EQ(FakeTree::read(f.dir("memory") / "memory.limit_in_bytes"), "1048576");
  EXPECT_FALSE(fs::exists(f.dir("memory") / "memory.memsw.limit_in_bytes"));
}

TEST(CgroupV1Fake, StatsFromEachController) {
  V1Fake f;
  auto cg = detect(f.t.root(), f.t.mountinfo())->open("c1");
  FakeTree::write(f.dir("memory") / "memory.usage_in_bytes", "8192\n");
  FakeTree::write(f.dir("memory") / "memory.limit_in_bytes", "9223372036854771712\n");
  FakeTree::write(f.dir("memory") / "memory.oom_control",
                  "oom_kill_disable 0\nunder_oom 0\noom_kill 4\n");
  FakeTree::write(f.dir("cpuacct") / "cpuacct.usage", "123456789\n");
  FakeTree::write(f.dir("pids") / "pids.current", "2\n");
  FakeTree::write(f.dir("memory") / "cgroup.procs", "7\n9\n");
  FakeTree::write(f.dir("pids") / "cgroup.procs", "9\n11\n");
  auto s = cg->stats();
  EXPECT_EQ(s.memory_bytes, 8192u);
  EXPECT_EQ(s.memory_limit, 0u);  // the kernel's "unlimited"
  EXPECT_EQ(s.cpu_usage_ns, 123456789u);
  EXPECT_EQ(s.pids, 2u);
  EXPECT_EQ(cg->oom_kills(), 4u);
  EXPECT_EQ(cg->processes(), (std::vector<pid_t>{7, 9, 11}));
}

TEST(CgroupV2Fake, FreezeWritesCgroupFreezeAndWaitsForTheEvent) {
  V2Fake f;
  FakeTree::write(f.cg / "cgroup.freeze", "");  // written in place, as cgroupfs takes it
  FakeTree::write(f.cg / "cgroup.events", "populated 1\nfrozen 1\n");
  auto cg = detect(f.t.root(), f.t.mountinfo())->open("c1");
  cg->freeze(true);
  EXPECT_EQ(FakeTree::read(f.cg / "cgroup.freeze"), "1");
  FakeTree::write(f.cg / "cgroup.events", "populated 1\nfrozen 0\n");
  cg->freeze(false);
  EXPECT_EQ(FakeTree::read(f.cg / "cgroup.freeze"), "0");
}

TEST(CgroupV2Fake, FreezeWithoutCgroupFreezeSaysSo) {
  V2Fake f;
  auto cg = detect(f.t.root(), f.t.mountinfo())->open("c1");
  try {
    cg->freeze(true);
    FAIL() << "expected an error";
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find("the cgroup freezer is not available"), std::string::npos)
        << e.what();
  }
}

TEST(CgroupV1Fake, FreezeWritesTheFreezerState) {
  V1Fake f;
  auto cg = detect(f.t.root(), f.t.mountinfo())->create("c1");
  cg->freeze(true);
  EXPECT_EQ(FakeTree::read(f.dir("freezer") / "freezer.state"), "FROZEN");
  cg->freeze(false);
  EXPECT_EQ(FakeTree::read(f.dir("freezer") / "freezer.state"), "THAWED");
}

TEST(CgroupV1Fake, FreezeWithoutTheFreezerControllerSaysSo) {
  FakeTree t;
  t.mount("memory", "cgroup", "rw,memory");
  auto cg = detect(t.root(), t.mountinfo())->create("c1");
  try {
    cg->freeze(true);
    FAIL() << "expected an error";
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find("the v1 freezer controller is not mounted"),
              std::string::npos)
        << e.what();
  }
}

TEST(CgroupV1Fake, DestroyOfAMissingCgroupIsFine) {
  V1Fake f;
  auto cg = detect(f.t.root(), f.t.mountinfo())->open("never-made");
  EXPECT_NO_THROW(cg->destroy());
}

TEST(CgroupV1Fake, PidsLimitWithoutPidsControllerIsAClearError) {
  FakeTree t;
  t.mount("memory", "cgroup", "rw,memory");
  auto cg = detect(t.root(), t.mountinfo())->create("c1");
  try {
    cg->apply({.pids = 5});
    FAIL() << "expected an error";
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find("pids cgroup controller is not mounted"),
              std::string::npos)
        << e.what();
  }
}

}  // namespace
}  // namespace lit::cgroups
