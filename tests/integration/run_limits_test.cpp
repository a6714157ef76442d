// Resource limits as a user observes them: the OOM killer, a bounded fork
// loop, and the cgroup knobs lit writes for --memory, --cpus, --pids-limit.
#include <fstream>
#include <map>
#include <nlohmann/json.hpp>

#include "tests/integration/run_fixture.hpp"

namespace lit::test {
namespace {

std::string knob(const fs::path& file) {
  std::ifstream in(file);
  std::string v;
  std::getline(in, v);
  return v;
}

TEST_F(RunTest, MemoryHogIsOomKilled) {
  RunOptions opts;
  opts.timeout = 90s;
  // The string doubles until the 32 MiB limit is hit; page faults then OOM-kill it.
  Result r = run({"--name", "hog", "--memory", "32m", kTestImage, "sh", "-c",
                  "x=a; while true; do x=$x$x; done"},
                 opts);
  EXPECT_EQ(r.exit_code, 137) << r;
  Result inspect = lit({"container", "inspect", "hog"});
  ASSERT_EQ(inspect.exit_code, 0) << inspect;
  auto js = nlohmann::json::parse(inspect.out, nullptr, false);
  ASSERT_TRUE(js.is_array() && js.size() == 1) << inspect;
  EXPECT_EQ(js[0]["state"]["oom_killed"], true) << inspect;
  EXPECT_EQ(js[0]["state"]["exit_code"], 137) << inspect;
  EXPECT_EQ(lit({"container", "rm", "hog"}).exit_code, 0);
}

TEST_F(RunTest, ForkLoopIsBoundedByPidsLimit) {
  // The inner shell forks sleeps until fork fails; the outer one (pid 1) then
  // counts, without forking, every process the container holds.
  const char* script =
      "sh -c 'for i in $(seq 50); do sleep 5 & done' 2>&1;"
      "set -- /proc/[0-9]*; echo procs=$#";
  Result r = sh(script, {"--pids-limit", "10"});
  EXPECT_EQ(r.exit_code, 0) << r;
  EXPECT_NE(r.out.find("can't fork"), std::string::npos) << "no fork failed\n" << r;
  auto pos = r.out.find("procs=");
  ASSERT_NE(pos, std::string::npos) << r;
  int procs = std::stoi(r.out.substr(pos + 6));
  EXPECT_LE(procs, 10) << r;
  EXPECT_GE(procs, 5) << "the limit let fewer processes start than expected\n" << r;
}

TEST_F(RunTest, LimitsAreWrittenToTheContainersCgroup) {
  std::map<std::string, std::string> seen;  // knob file name -> value
  size_t cgroups_with_pids = 0;
  RunOptions opts;
  opts.on_stdout = [&](pid_t, const std::string& out) {
    if (!seen.empty() || out.find("ready") == std::string::npos) return;
    for (const auto& dir : new_lit_cgroups()) {
      if (!cgroup_pids(dir).empty()) ++cgroups_with_pids;
      for (const char* f : {"memory.limit_in_bytes", "memory.max", "cpu.cfs_quota_us",
                            "cpu.cfs_period_us", "cpu.max", "pids.max"})
        if (fs::exists(dir / f)) seen[f] = knob(dir / f);
    }
  };
  Result r =
      sh("echo ready; sleep 2", {"--memory", "64m", "--cpus", "0.5", "--pids-limit", "20"}, opts);
  EXPECT_EQ(r.exit_code, 0) << r;
  ASSERT_FALSE(seen.empty()) << "no lit cgroup found while the container ran\n" << r;
  EXPECT_GT(cgroups_with_pids, 0u) << "the container's process is in none of lit's cgroups";
  if (seen.count("memory.max")) {  // cgroup v2
    EXPECT_EQ(seen["memory.max"], "67108864");
    EXPECT_EQ(seen["cpu.max"], "50000 100000");
  } else {  // cgroup v1
    EXPECT_EQ(seen["memory.limit_in_bytes"], "67108864");
    EXPECT_EQ(seen["cpu.cfs_quota_us"], "50000");
    EXPECT_EQ(seen["cpu.cfs_period_us"], "100000");
  }
  EXPECT_EQ(seen["pids.max"], "20");
}

}  // namespace
}  // namespace lit::test
