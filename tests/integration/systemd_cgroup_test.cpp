// --cgroup-manager systemd against a fake systemd (fake_systemd.hpp) on a
// private bus. This host has no systemd, and its cgroups are hybrid:
// LIT_SYSTEMD_CGROUP_ROOT points lit at the cgroup2 mount (.../unified),
// where directories can be made and processes moved.
#include <algorithm>
#include <cstdlib>
#include <fstream>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <vector>

#include "tests/integration/fake_systemd.hpp"
#include "tests/integration/private_bus.hpp"
#include "tests/integration/run_fixture.hpp"

namespace lit::test {
namespace {

class SystemdCgroupTest : public RunTest {
 protected:
  void SetUp() override {
    RunTest::SetUp();
    if (IsSkipped() || HasFatalFailure()) return;
    cgroup2_ = cgroup2_mount();
    if (cgroup2_.empty()) GTEST_SKIP() << "no cgroup2 hierarchy";
    bus_.emplace(base_);
    ASSERT_TRUE(bus_->ready()) << "no bus at " << bus_->socket();
    // Every lit this test runs (and its helpers, e.g. the supervisor's __exited).
    ::setenv("DBUS_SYSTEM_BUS_ADDRESS", bus_->address().c_str(), 1);
    ::setenv("LIT_SYSTEMD_CGROUP_ROOT", cgroup2_.c_str(), 1);
  }

  void TearDown() override {
    if (!IsSkipped()) {
      // What a failing test left: its containers go while the fake can stop their scopes.
      for (const auto& id : container_ids()) lit({"container", "rm", "-f", id});
      systemd_.reset();
      if (bus_) bus_->stop();
      // The fake's slice (systemd keeps its own); busy or gone is fine.
      if (!cgroup2_.empty()) ::rmdir((cgroup2_ / "lit.slice").c_str());
      ::unsetenv("DBUS_SYSTEM_BUS_ADDRESS");
      ::unsetenv("LIT_SYSTEMD_CGROUP_ROOT");
    }
    RunTest::TearDown();
  }

  void start_systemd() { systemd_.emplace(bus_->address(), cgroup2_); }

  // `lit --cgroup-manager systemd ARGS...`
  Result sd(std::vector<std::string> args, const RunOptions& o = {}) {
    args.insert(args.begin(), {"--cgroup-manager", "systemd"});
    return lit(args, o);
  }

  fs::path scope(const std::string& id) const {
    return cgroup2_ / "lit.slice" / ("lit-" + id + ".scope");
  }
  nlohmann::json inspect(const std::string& id) {
    Result r = lit({"container", "inspect", id});
    EXPECT_EQ(r.exit_code, 0) << r;
    return nlohmann::json::parse(r.out).at(0);
  }

  fs::path cgroup2_;
  std::optional<PrivateBus> bus_;
  std::optional<FakeSystemd> systemd_;
};

TEST_F(SystemdCgroupTest, DetachedContainerIsAScopeInLitSlice) {
  start_systemd();
  Result r = sd({"container", "run", "-d", "--memory", "64m", "--cpus", "0.5", "--pids-limit", "50",
                 kTestImage, "sh", "-c", "trap 'exit 0' TERM; while true; do sleep 1; done"});
  ASSERT_EQ(r.exit_code, 0) << r;
  const std::string id = r.out_lines().at(0);
  const std::string unit = "lit-" + id + ".scope";
  const auto record = inspect(id);
  const pid_t pid = record.at("state").at("pid").get<pid_t>();
  EXPECT_EQ(record.at("spec").at("cgroup_manager"), "systemd");

  EXPECT_TRUE(systemd_->called("StartTransientUnit " + unit + " fail"));
  auto p = systemd_->properties(unit);
  EXPECT_EQ(p["Slice"], "lit.slice");
  EXPECT_EQ(p["Delegate"], "true");
  EXPECT_EQ(p["PIDs"], std::to_string(pid));
  EXPECT_EQ(p["MemoryMax"], std::to_string(64 << 20));
  EXPECT_EQ(p["CPUQuotaPerSecUSec"], "500000");
  EXPECT_EQ(p["TasksMax"], "50");
  auto procs = cgroup_pids(scope(id));
  EXPECT_NE(std::find(procs.begin(), procs.end(), pid), procs.end())
      << "init " << pid << " not in " << scope(id);

  // An exec joins the same scope: its cgroup namespace's root.
  Result in = lit({"container", "exec", id, "cat", "/proc/self/cgroup"});
  EXPECT_EQ(in.exit_code, 0) << in;
  EXPECT_NE(in.out.find("0::/\n"), std::string::npos) << in;
  // Later commands use the manager the container was made with, without the option.
  Result stats = lit({"container", "stats", "--no-stream", id});
  EXPECT_EQ(stats.exit_code, 0) << stats;

  Result rm = lit({"container", "rm", "-f", id});
  EXPECT_EQ(rm.exit_code, 0) << rm;
  EXPECT_TRUE(eventually([&] { return systemd_->called("StopUnit " + unit); }));
  EXPECT_FALSE(fs::exists(scope(id)));
}

TEST_F(SystemdCgroupTest, ForegroundRunStopsItsScopeAtExit) {
  start_systemd();
  Result r =
      sd({"container", "run", "--rm", "--name", "fg", kTestImage, "cat", "/proc/self/cgroup"});
  ASSERT_EQ(r.exit_code, 0) << r;
  EXPECT_NE(r.out.find("0::/\n"), std::string::npos) << r;
  auto calls = systemd_->calls();
  ASSERT_EQ(calls.size(), 2u) << ::testing::PrintToString(calls);
  EXPECT_TRUE(calls[0].starts_with("StartTransientUnit lit-")) << calls[0];
  EXPECT_TRUE(calls[1].starts_with("StopUnit lit-")) << calls[1];
  EXPECT_TRUE(new_lit_cgroups().empty());
}

TEST_F(SystemdCgroupTest, SystemInfoShowsTheDriver) {
  start_systemd();
  Result text = sd({"system", "info"});
  EXPECT_EQ(text.exit_code, 0) << text;
  EXPECT_NE(text.out.find("Cgroup Driver: systemd\n"), std::string::npos) << text;
  Result json = sd({"system", "info", "--format", "json"});
  ASSERT_EQ(json.exit_code, 0) << json;
  EXPECT_EQ(nlohmann::json::parse(json.out).at("CgroupDriver"), "systemd") << json;
  // Auto on this host (PID 1 is not systemd): lit's own.
  Result plain = lit({"system", "info", "--format", "json"});
  EXPECT_EQ(nlohmann::json::parse(plain.out).at("CgroupDriver"), "cgroupfs") << plain;
}

TEST_F(SystemdCgroupTest, RefusedScopeFailsInOneLineAndLeavesNothing) {
  start_systemd();
  systemd_->refuse_next("org.freedesktop.systemd1.UnitExists");
  Result r = sd({"container", "run", "--rm", kTestImage, "true"});
  EXPECT_EQ(r.exit_code, 125) << r;
  auto lines = r.err_lines();
  ASSERT_EQ(lines.size(), 1u) << r;
  EXPECT_NE(lines[0].find("org.freedesktop.systemd1.UnitExists"), std::string::npos) << r;
  EXPECT_TRUE(container_ids().empty());
  EXPECT_TRUE(new_lit_cgroups().empty());
  // Not lit's unit: nothing was stopped.
  for (const auto& c : systemd_->calls()) EXPECT_FALSE(c.starts_with("StopUnit")) << c;
}

TEST_F(SystemdCgroupTest, ExplicitSystemdWithoutSystemdSaysWhy) {
  // The bus answers, but nobody owns org.freedesktop.systemd1.
  Result r = sd({"container", "run", "--rm", kTestImage, "true"});
  EXPECT_EQ(r.exit_code, 125) << r;
  ASSERT_FALSE(r.err_lines().empty()) << r;
  EXPECT_NE(r.err_lines()[0].find("org.freedesktop.systemd1 is not on the system bus"),
            std::string::npos)
      << r;
  EXPECT_TRUE(container_ids().empty());
  // A hybrid host without the test's override: the layout is why.
  if (cgroup2_ != "/sys/fs/cgroup") {
    ::unsetenv("LIT_SYSTEMD_CGROUP_ROOT");
    Result hybrid = sd({"container", "run", "--rm", kTestImage, "true"});
    EXPECT_EQ(hybrid.exit_code, 125) << hybrid;
    ASSERT_FALSE(hybrid.err_lines().empty()) << hybrid;
    EXPECT_NE(hybrid.err_lines()[0].find("hybrid"), std::string::npos) << hybrid;
  }
}

TEST_F(SystemdCgroupTest, ProjectDownStopsTheScopesItsUpMade) {
  start_systemd();
  const fs::path dir = base_ / "shop";
  fs::create_directories(dir);
  std::ofstream(dir / "compose.yaml") << R"(services:
  web:
    image: localhost/lit-test:latest
    command: ["sh", "-c", "trap 'exit 0' TERM; while true; do sleep 1; done"]
    mem_limit: 32m
)";
  const std::vector<std::string> project = {"--project-directory", dir.string()};
  auto with = [&](std::vector<std::string> args) {
    args.insert(args.begin(), project.begin(), project.end());
    return args;
  };
  RunOptions systemd_env;
  systemd_env.extra_env = {"LIT_CGROUP_MANAGER=systemd"};
  Result up = lit(with({"up", "-d"}), systemd_env);
  ASSERT_EQ(up.exit_code, 0) << up;
  auto ids = container_ids();
  ASSERT_EQ(ids.size(), 1u);
  const std::string id = *ids.begin();
  EXPECT_EQ(systemd_->properties("lit-" + id + ".scope")["MemoryMax"], std::to_string(32 << 20));
  EXPECT_FALSE(cgroup_pids(scope(id)).empty());
  // down without the variable: the container's record says systemd.
  Result down = lit(with({"down", "-t", "1"}));
  EXPECT_EQ(down.exit_code, 0) << down;
  EXPECT_TRUE(eventually([&] { return systemd_->called("StopUnit lit-" + id + ".scope"); }));
  EXPECT_FALSE(fs::exists(scope(id)));
}

}  // namespace
}  // namespace lit::test
