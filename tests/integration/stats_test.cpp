// `lit container stats` and `top` on real containers: the cgroup's pids and
// memory limit as a user reads them, and the container's processes as ps -ef.
#include <pwd.h>

#include <nlohmann/json.hpp>
#include <sstream>
#include <thread>

#include "tests/integration/run_fixture.hpp"

namespace lit::test {
namespace {

class StatsTest : public RunTest {
 protected:
  void detach(const std::string& name, const std::string& script,
              std::vector<std::string> flags = {}) {
    flags.insert(flags.begin(), {"--name", name});
    ASSERT_FALSE(detach_sh(script, flags).empty());
  }
  // Polls `stats --no-stream --format json` until pred holds for the row of name.
  nlohmann::json stats_of(const std::string& name,
                          const std::function<bool(const nlohmann::json&)>& pred) {
    nlohmann::json row;
    for (int i = 0; i < 10; ++i) {
      Result r = lit({"container", "stats", "--no-stream", "--format", "json", name});
      EXPECT_EQ(r.exit_code, 0) << r;
      if (r.exit_code != 0) return nullptr;
      row = nlohmann::json::parse(r.out_lines().at(0));
      if (pred(row)) break;
    }
    return row;
  }
  void remove(const std::string& name) {
    Result r = lit({"container", "rm", "-f", name});
    EXPECT_EQ(r.exit_code, 0) << r;
  }
};

// Three processes: the shell and its two sleeps.
constexpr const char* kThree = "sleep 100 & sleep 200 & wait";

TEST_F(StatsTest, NoStreamShowsPidsAndTheMemoryLimit) {
  detach("lim", kThree, {"--memory", "64m"});
  auto row = stats_of("lim", [](const nlohmann::json& j) { return j["PIDs"] == "3"; });
  EXPECT_EQ(row["Name"], "lim") << row.dump();
  EXPECT_EQ(row["PIDs"], "3") << row.dump();
  std::string mem = row["MemUsage"];
  EXPECT_TRUE(mem.ends_with(" / 64MiB")) << mem;
  EXPECT_NE(mem, "0B / 64MiB") << "a running shell uses some memory";

  Result table = lit({"container", "stats", "--no-stream", "lim"});
  ASSERT_EQ(table.exit_code, 0) << table;
  auto lines = table.out_lines();
  ASSERT_EQ(lines.size(), 2u) << table;
  EXPECT_TRUE(contains_line_with(lines[0], {"CONTAINER ID", "NAME", "CPU %", "MEM USAGE / LIMIT",
                                            "MEM %", "NET I/O", "BLOCK I/O", "PIDS"}))
      << table;
  EXPECT_TRUE(contains_line_with(lines[1], {"lim", "/ 64MiB", "0B / 0B"})) << table;
  EXPECT_TRUE(lines[1].ends_with(" 3")) << table;
  remove("lim");
}

TEST_F(StatsTest, WithoutLimitTheHostsMemoryIsTheLimit) {
  detach("free", "sleep 100");
  auto row = stats_of("free", [](const nlohmann::json&) { return true; });
  std::string mem = row["MemUsage"];
  EXPECT_FALSE(mem.ends_with(" / 0B")) << mem;
  EXPECT_TRUE(mem.ends_with("GiB") || mem.ends_with("MiB")) << mem;
  remove("free");
}

TEST_F(StatsTest, BusyContainerUsesCpu) {
  detach("busy", "while :; do :; done", {"--cpus", "0.5"});
  auto row = stats_of("busy", [](const nlohmann::json& j) {
    return std::stod(j["CPUPerc"].get<std::string>()) > 20;
  });
  double cpu = std::stod(row["CPUPerc"].get<std::string>());
  EXPECT_GT(cpu, 20.0) << row.dump();
  EXPECT_LT(cpu, 80.0) << "--cpus 0.5 caps it near 50%\n" << row.dump();
  remove("busy");
}

TEST_F(StatsTest, DefaultShowsOnlyRunningContainers) {
  detach("up", "sleep 100");
  Result done = run({"--name", "done", kTestImage, "true"});
  ASSERT_EQ(done.exit_code, 0) << done;
  Result r = lit({"container", "stats", "--no-stream"});
  ASSERT_EQ(r.exit_code, 0) << r;
  EXPECT_TRUE(contains_line_with(r.out, {"up", "1"})) << r;
  EXPECT_FALSE(contains_line_with(r.out, {"done"})) << r;
  remove("up");
  remove("done");
}

TEST_F(StatsTest, UnknownContainerIsOneLineError) {
  expect_lit_error(lit({"container", "stats", "--no-stream", "ghost"}), "no such container: ghost");
}

TEST_F(StatsTest, TopListsTheContainersProcesses) {
  detach("procs", kThree, {"-u", "1000"});
  std::vector<std::vector<std::string>> rows;
  // Until both sleeps were forked and exec'd (a forked child shows the shell's
  // command line until its exec).
  auto settled = [&] {
    return rows.size() == 4 && rows[2].size() > 7 && rows[2][7] == "sleep" && rows[3].size() > 7 &&
           rows[3][7] == "sleep";
  };
  for (int i = 0; i < 50 && !settled(); ++i) {
    Result r = lit({"container", "top", "procs"});
    ASSERT_EQ(r.exit_code, 0) << r;
    rows.clear();
    for (const auto& line : r.out_lines()) {
      std::istringstream in(line);
      std::vector<std::string> cells;
      for (std::string w; in >> w;) cells.push_back(w);
      rows.push_back(cells);
    }
    if (!settled()) std::this_thread::sleep_for(100ms);
  }
  ASSERT_EQ(rows.size(), 4u);
  const passwd* pw = getpwuid(1000);
  const std::string user_1000 = pw ? pw->pw_name : "1000";
  EXPECT_EQ(rows[0],
            (std::vector<std::string>{"UID", "PID", "PPID", "C", "STIME", "TTY", "TIME", "CMD"}));
  // Host pids, as docker shows them: the shell is the parent of both sleeps.
  const std::string shell = rows[1][1];
  std::vector<std::string> cmds;
  for (size_t i = 1; i < rows.size(); ++i) {
    EXPECT_EQ(rows[i][0], user_1000) << "UID column: the host's name for uid 1000";
    EXPECT_EQ(rows[i][5], "?") << "no terminal";
    if (i > 1) {
      EXPECT_EQ(rows[i][2], shell) << "PPID of " << rows[i][7];
    }
    std::string cmd;
    for (size_t c = 7; c < rows[i].size(); ++c) cmd += (cmd.empty() ? "" : " ") + rows[i][c];
    cmds.push_back(cmd);
  }
  EXPECT_EQ(cmds, (std::vector<std::string>{"sh -c sleep 100 & sleep 200 & wait", "sleep 100",
                                            "sleep 200"}));
  EXPECT_GT(std::stoi(shell), 1) << "host pid, not the container's 1";
  remove("procs");
}

TEST_F(StatsTest, TopOfStoppedContainerIsOneLineError) {
  Result done = run({"--name", "gone", kTestImage, "true"});
  ASSERT_EQ(done.exit_code, 0) << done;
  expect_lit_error(lit({"container", "top", "gone"}), "container gone is not running");
  expect_lit_error(lit({"container", "top", "ghost"}), "no such container: ghost");
  remove("gone");
}

}  // namespace
}  // namespace lit::test
