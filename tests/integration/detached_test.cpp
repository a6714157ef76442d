// Detached containers and their supervisor: `run -d`, logs kept by lit-shim,
// restart policies, health checks, stop/kill/start/wait, and a truthful status
// when the supervisor dies. Each test removes its containers (rm -f is part of
// what is tested) and ends with the sandbox's leak check.
#include <signal.h>
#include <sys/stat.h>

#include <chrono>
#include <fstream>
#include <nlohmann/json.hpp>
#include <regex>
#include <thread>

#include "runtime/shim/log_time.hpp"
#include "tests/integration/run_fixture.hpp"

namespace lit::test {
namespace {

using Clock = std::chrono::steady_clock;

class DetachedTest : public RunTest {
 protected:
  std::string detach(const std::string& script, std::vector<std::string> flags = {}) {
    return detach_sh(script, std::move(flags));
  }

  nlohmann::json inspect(const std::string& name) {
    Result r = lit({"container", "inspect", name});
    if (r.exit_code != 0) return nullptr;
    return nlohmann::json::parse(r.out).at(0);
  }

  std::string status_line(const std::string& name) {
    Result r = lit({"container", "ls", "-a", "--format", "json"});
    std::istringstream in(r.out);
    for (std::string line; std::getline(in, line);) {
      auto j = nlohmann::json::parse(line);
      if (j["Names"] == name) return j["Status"];
    }
    return "";
  }

  std::string log_text(const std::string& id) {
    std::ifstream in(root_ / "containers" / id / "container.log");
    return {std::istreambuf_iterator<char>(in), {}};
  }

  static size_t count(const std::string& text, const std::string& word) {
    size_t n = 0;
    for (size_t at = text.find(word); at != std::string::npos; at = text.find(word, at + 1)) ++n;
    return n;
  }

  // lit-shim processes of this test's root.
  int supervisors() const {
    int n = 0;
    for (const auto& e : fs::directory_iterator("/proc")) {
      std::ifstream in(e.path() / "cmdline");
      std::string cmd((std::istreambuf_iterator<char>(in)), {});
      if (cmd.find("lit-shim") != std::string::npos &&
          cmd.find(root_.string()) != std::string::npos)
        ++n;
    }
    return n;
  }

  void remove(const std::string& name) {
    Result r = lit({"container", "rm", "-f", name});
    EXPECT_EQ(r.exit_code, 0) << r;
  }
};

TEST_F(DetachedTest, RunDetachedPrintsIdAndKeepsRunning) {
  std::string id = detach("echo started; sleep 100", {"--name", "bg"});
  ASSERT_EQ(id.size(), 64u);
  auto j = inspect("bg");
  EXPECT_EQ(j["state"]["status"], "running") << j.dump(2);
  pid_t shim = j["state"]["shim_pid"];
  EXPECT_TRUE(process_running(shim));
  EXPECT_TRUE(process_running(j["state"]["pid"].get<pid_t>()));
  EXPECT_TRUE(status_line("bg").starts_with("Up ")) << status_line("bg");
  EXPECT_TRUE(eventually([&] { return log_text(id).find("started") != std::string::npos; }));
  remove("bg");
  EXPECT_FALSE(process_running(shim)) << "rm -f returned before the supervisor was gone";
}

TEST_F(DetachedTest, SurvivesTheCliAndItsProcessGroupBeingKilled) {
  // A shell runs `run -d` then lingers, like a terminal session; the whole
  // process group is SIGKILLed once the id is out. The container must not care.
  std::vector<std::string> argv{LIT_BINARY,
                                "--root",
                                root_.string(),
                                "--run-root",
                                run_root_.string(),
                                "container",
                                "run",
                                "-d",
                                "--name",
                                "orphan",
                                kTestImage,
                                "sh",
                                "-c",
                                "while true; do echo tick; sleep 0.2; done"};
  std::string cmd;
  for (const auto& a : argv) cmd += "'" + a + "' ";
  RunOptions opts;
  opts.on_stdout = [](pid_t pid, const std::string& out) {
    if (out.find('\n') != std::string::npos) kill(-pid, SIGKILL);
  };
  Result r = run_process({"/bin/sh", "-c", cmd + "; sleep 30"}, opts);
  EXPECT_EQ(r.signal, SIGKILL) << r;
  auto j = inspect("orphan");
  ASSERT_FALSE(j.is_null());
  EXPECT_EQ(j["state"]["status"], "running");
  std::string id = j["id"];
  size_t ticks = count(log_text(id), "tick");
  EXPECT_TRUE(eventually([&] { return count(log_text(id), "tick") > ticks + 2; }))
      << "the supervisor stopped logging";
  remove("orphan");
}

TEST_F(DetachedTest, LogKeepsBothStreamsInOrderWithTimes) {
  // Two pipes, as in docker: lines written in the same instant to different
  // streams may swap; a pause between them keeps their order.
  std::string id = detach("echo one; sleep 0.1; echo two >&2; sleep 0.1; echo three; sleep 100");
  ASSERT_TRUE(eventually([&] { return count(log_text(id), "\n") >= 3; }));
  std::istringstream in(log_text(id));
  std::vector<std::pair<std::string, std::string>> entries;
  for (std::string line; std::getline(in, line);) {
    auto j = nlohmann::json::parse(line);
    entries.emplace_back(j["log"], j["stream"]);
    EXPECT_TRUE(std::regex_match(j["time"].get<std::string>(),
                                 std::regex(R"(\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{9}Z)")));
  }
  std::vector<std::pair<std::string, std::string>> expected{
      {"one\n", "stdout"}, {"two\n", "stderr"}, {"three\n", "stdout"}};
  EXPECT_EQ(entries, expected);
  remove(id.substr(0, 12));
}

TEST_F(DetachedTest, LogRotationCapsDiskUse) {
  // ~600 KB of output against 20 KB x 2 files.
  std::string id = detach(
      "i=0; while [ $i -lt 6000 ]; do echo "
      "line-$i-"
      "xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx; "
      "i=$((i+1)); done; echo done-writing; sleep 100",
      {"--name", "chatty", "--log-opt", "max-size=20k", "--log-opt", "max-file=2"});
  fs::path dir = root_ / "containers" / id;
  ASSERT_TRUE(
      eventually([&] { return log_text(id).find("done-writing") != std::string::npos; }, 30s));
  uintmax_t total = 0;
  int files = 0;
  for (const auto& e : fs::directory_iterator(dir)) {
    if (!e.path().filename().string().starts_with("container.log")) continue;
    ++files;
    total += e.file_size();
  }
  EXPECT_EQ(files, 2);
  EXPECT_LE(total, 2u * 20 * 1024 + 4096) << "rotation did not cap the log";
  remove("chatty");
}

TEST_F(DetachedTest, OnFailureRestartsExactlyThreeTimes) {
  std::string id = detach("echo run; exit 3", {"--name", "flaky", "--restart", "on-failure:3"});
  ASSERT_TRUE(eventually(
      [&] {
        auto j = inspect("flaky");
        return j["state"]["status"] == "exited" &&
               !process_running(j["state"]["shim_pid"].get<pid_t>());
      },
      20s))
      << inspect("flaky").dump(2);
  auto j = inspect("flaky");
  EXPECT_EQ(j["state"]["restart_count"], 3);
  EXPECT_EQ(j["state"]["exit_code"], 3);
  EXPECT_EQ(count(log_text(id), "run"), 4u) << "one run and three restarts";
  EXPECT_TRUE(status_line("flaky").starts_with("Exited (3)")) << status_line("flaky");
  remove("flaky");
}

TEST_F(DetachedTest, AlwaysRestartsAfterACrashButNotAfterStop) {
  detach("echo up; sleep 100", {"--name", "phoenix", "--restart", "always"});
  pid_t first = inspect("phoenix")["state"]["pid"];
  ASSERT_TRUE(process_running(first));
  kill(first, SIGKILL);  // a crash: not lit's doing
  ASSERT_TRUE(eventually([&] {
    auto j = inspect("phoenix");
    return j["state"]["status"] == "running" && j["state"]["pid"] != first;
  })) << inspect("phoenix").dump(2);
  EXPECT_EQ(inspect("phoenix")["state"]["restart_count"], 1);

  Result r = lit({"container", "stop", "-t", "1", "phoenix"});
  EXPECT_EQ(r.exit_code, 0) << r;
  auto j = inspect("phoenix");
  EXPECT_EQ(j["state"]["status"], "exited") << j.dump(2);
  // Only the supervisor restarts a container: once it is gone, no restart can come.
  pid_t shim = j["state"]["shim_pid"].get<pid_t>();
  EXPECT_TRUE(eventually([&] { return !process_running(shim); }))
      << "the supervisor outlived a user's stop";
  j = inspect("phoenix");
  EXPECT_EQ(j["state"]["status"], "exited") << "restarted after a user's stop\n" << j.dump(2);
  remove("phoenix");
}

TEST_F(DetachedTest, HealthGoesStartingHealthyUnhealthy) {
  detach("touch /tmp/ok; sleep 100", {"--name", "doc", "--health-cmd", "test -f /tmp/ok",
                                      "--health-interval", "500ms", "--health-retries", "2"});
  EXPECT_TRUE(status_line("doc").ends_with("(health: starting)")) << status_line("doc");
  EXPECT_TRUE(eventually([&] { return status_line("doc").ends_with("(healthy)"); }))
      << status_line("doc");
  // docker's rule: the first probe runs one interval after the container
  // started (lit-shim times it from the start __spawn recorded), not sooner.
  auto j = inspect("doc");
  int64_t started_ns = 0;
  ASSERT_TRUE(lit::shim::parse_rfc3339(j["state"]["started_at"].get<std::string>(), started_ns))
      << j.dump(2);
  const auto& first = j["state"]["health"]["log"].at(0);
  EXPECT_GE(first["start_ns"].get<int64_t>(), started_ns + 500'000'000) << j.dump(2);
  Result r = lit({"container", "exec", "doc", "rm", "/tmp/ok"});
  ASSERT_EQ(r.exit_code, 0) << r;
  EXPECT_TRUE(eventually([&] { return status_line("doc").ends_with("(unhealthy)"); }))
      << status_line("doc");
  auto health = inspect("doc")["state"]["health"];
  EXPECT_EQ(health["status"], "unhealthy");
  EXPECT_GE(health["failing_streak"].get<int>(), 2);
  EXPECT_EQ(health["log"].back()["exit_code"], 1) << health.dump(2);
  remove("doc");
}

TEST_F(DetachedTest, UnhealthyContainerIsRestartedWhenAsked) {
  // Healthy only in its first run's first second: each run turns unhealthy and is replaced.
  detach("echo boot; sleep 100",
         {"--name", "sick", "--health-cmd", "false", "--health-interval", "200ms",
          "--health-retries", "1", "--restart", "always", "--restart-on-unhealthy"});
  EXPECT_TRUE(eventually([&] { return inspect("sick")["state"]["restart_count"].get<int>() >= 1; }))
      << inspect("sick").dump(2);
  remove("sick");
}

TEST_F(DetachedTest, StopKillsAProcessIgnoringTermAfterTheTimeout) {
  detach("trap '' TERM; echo ready; while true; do sleep 0.1; done", {"--name", "stubborn"});
  auto start = Clock::now();
  Result r = lit({"container", "stop", "-t", "1", "stubborn"});
  auto took = Clock::now() - start;
  EXPECT_EQ(r.exit_code, 0) << r;
  EXPECT_EQ(r.out, "stubborn\n");
  EXPECT_GE(took, 900ms);
  EXPECT_LT(took, 8s);
  auto j = inspect("stubborn");
  EXPECT_EQ(j["state"]["status"], "exited");
  EXPECT_EQ(j["state"]["exit_code"], 137);
  remove("stubborn");
}

TEST_F(DetachedTest, StartWaitAndKill) {
  detach("sleep 0.3; exit 5", {"--name", "ww"});
  Result r = lit({"container", "wait", "ww"});
  EXPECT_EQ(r.exit_code, 0) << r;
  EXPECT_EQ(r.out, "5\n");
  r = lit({"container", "start", "ww"});
  EXPECT_EQ(r.exit_code, 0) << r;
  EXPECT_EQ(inspect("ww")["state"]["status"], "running");
  r = lit({"container", "wait", "ww"});
  EXPECT_EQ(r.out, "5\n") << r;

  detach("sleep 100", {"--name", "kk"});
  r = lit({"container", "kill", "-s", "TERM", "kk"});  // PID 1 ignores TERM without a handler
  EXPECT_EQ(r.exit_code, 0) << r;
  r = lit({"container", "kill", "kk"});
  EXPECT_EQ(r.exit_code, 0) << r;
  r = lit({"container", "wait", "kk"});
  EXPECT_EQ(r.out, "137\n") << r;
  r = lit({"container", "kill", "kk"});
  expect_lit_error(r, "not running");
  remove("ww");
  remove("kk");
}

TEST_F(DetachedTest, RestartReplacesTheProcess) {
  detach("sleep 100", {"--name", "rr"});
  pid_t before = inspect("rr")["state"]["pid"];
  Result r = lit({"container", "restart", "-t", "0", "rr"});
  EXPECT_EQ(r.exit_code, 0) << r;
  EXPECT_EQ(r.out, "rr\n");
  auto j = inspect("rr");
  EXPECT_EQ(j["state"]["status"], "running");
  EXPECT_NE(j["state"]["pid"], before);
  EXPECT_FALSE(process_running(before));
  remove("rr");
}

TEST_F(DetachedTest, ConcurrentStartsMakeOneSupervisor) {
  detach("sleep 100", {"--name", "cs"});
  ASSERT_EQ(lit({"container", "stop", "-t", "0", "cs"}).exit_code, 0);
  std::vector<std::string> argv{LIT_BINARY,         "--root",    root_.string(), "--run-root",
                                run_root_.string(), "container", "start",        "cs"};
  std::vector<std::thread> starts;
  std::vector<Result> results(4);
  for (auto& res : results) starts.emplace_back([&] { res = run_process(argv); });
  for (auto& t : starts) t.join();
  for (const auto& res : results) EXPECT_EQ(res.exit_code, 0) << res;
  EXPECT_EQ(supervisors(), 1);
  remove("cs");
}

TEST_F(DetachedTest, DetachedRmRemovesItselfAfterExit) {
  std::string id = detach("exit 0", {"--rm", "--name", "gone"});
  EXPECT_TRUE(eventually([&] { return !fs::exists(root_ / "containers" / id); }));
  // The supervisor exits right after removing it.
  EXPECT_TRUE(eventually([&] { return supervisors() == 0; }));
}

TEST_F(DetachedTest, FailedStartReportsTheCommandsExitCode) {
  Result r = run({"-d", "--name", "nope", kTestImage, "/no/such/command"});
  EXPECT_EQ(r.exit_code, 127) << r;
  ASSERT_FALSE(r.err_lines().empty());
  EXPECT_NE(r.err.find("/no/such/command"), std::string::npos) << r;
  auto j = inspect("nope");
  EXPECT_EQ(j["state"]["status"], "exited");
  EXPECT_EQ(j["state"]["exit_code"], 127);
  remove("nope");

  r = run({"-d", "--rm", kTestImage, "/no/such/command"});
  EXPECT_EQ(r.exit_code, 127) << r;
  EXPECT_TRUE(container_ids().empty()) << "--rm left the failed container behind";
}

TEST_F(DetachedTest, KilledSupervisorIsReportedAndRmCleansUp) {
  detach("sleep 100", {"--name", "victim"});
  auto j = inspect("victim");
  pid_t shim = j["state"]["shim_pid"], init = j["state"]["pid"];
  ASSERT_EQ(kill(shim, SIGKILL), 0);
  // The container dies with its supervisor: nothing runs unsupervised.
  EXPECT_TRUE(eventually([&] { return !process_running(init); }));
  j = inspect("victim");
  EXPECT_EQ(j["state"]["status"], "exited") << j.dump(2);
  EXPECT_NE(j["state"]["error"].get<std::string>().find("supervisor"), std::string::npos)
      << j.dump(2);
  EXPECT_TRUE(status_line("victim").starts_with("Exited (255)")) << status_line("victim");
  EXPECT_FALSE(new_lit_cgroups().empty())
      << "expected the dead container's cgroup to remain until rm";
  remove("victim");
  EXPECT_TRUE(new_lit_cgroups().empty());
}

TEST_F(DetachedTest, BadInputGivesClearErrors) {
  expect_lit_error(lit({"container", "stop", "ghost"}), "no such container: ghost");
  expect_lit_error(lit({"container", "start", "ghost"}), "no such container: ghost");
  expect_lit_error(lit({"container", "wait", "ghost"}), "no such container: ghost");
  expect_lit_error(run({"-d", "--restart", "sometimes", kTestImage, "true"}), "--restart");
  expect_lit_error(run({"-d", "--rm", "--restart", "always", kTestImage, "true"}), "--restart");
  expect_lit_error(
      run({"-d", "--health-interval", "often", "--health-cmd", "true", kTestImage, "true"}),
      "--health-interval");
  expect_lit_error(run({"-d", "--log-opt", "max-size=lots", kTestImage, "true"}), "max-size");
  expect_lit_error(run({"-d", "--stop-signal", "SIGNOPE", kTestImage, "true"}), "--stop-signal");
  expect_lit_error(lit({"container", "kill", "-s", "BOGUS", "x"}), "--signal");
  EXPECT_TRUE(container_ids().empty());

  // Two ids sharing a first character make that character ambiguous.
  char shared = 0;
  for (int i = 0; i < 17 && !shared; ++i) {
    Result r = run({kTestImage, "true"});
    ASSERT_EQ(r.exit_code, 0) << r;
    std::map<char, int> first;
    for (const auto& id : container_ids())
      if (++first[id[0]] == 2) shared = id[0];
  }
  ASSERT_NE(shared, 0);
  Result r = lit({"container", "stop", std::string(1, shared)});
  EXPECT_EQ(r.exit_code, 125) << r;
  EXPECT_NE(r.err.find(std::string(1, shared)), std::string::npos) << r;
  for (const auto& id : container_ids()) remove(id);
}

}  // namespace
}  // namespace lit::test
