// `lit logs` and the attached `lit up` on real projects: containers' lines
// merged in time order with compose's "web-1  | " prefixes, --tail per
// container, one service's logs, -f until the containers exit, `up` returning
// when one-shot services exit (with --exit-code-from's code), and Ctrl-C
// stopping the containers (twice: killing them).
#include <signal.h>

#include <atomic>
#include <regex>
#include <thread>

#include "tests/integration/project_fixture.hpp"

namespace lit::test {
namespace {

// web and worker take turns through files in a shared volume, so their lines
// have a known order: a1 b1 a2 b2 a3. The sleep after each echo gives the
// container's supervisor time to read (and timestamp) the line before the
// other container may write its next one: that moment is not visible from
// inside the container to wait on.
constexpr const char* kTurns = R"(name: shop
services:
  web:
    image: localhost/lit-test:latest
    command:
      - sh
      - -c
      - |
        echo a1; sleep 0.2; touch /s/a1
        until [ -e /s/b1 ]; do sleep 0.05; done
        echo a2 >&2; sleep 0.2; touch /s/a2
        until [ -e /s/b2 ]; do sleep 0.05; done
        echo a3
    volumes: ["sync:/s"]
  worker:
    image: localhost/lit-test:latest
    command:
      - sh
      - -c
      - |
        until [ -e /s/a1 ]; do sleep 0.05; done
        echo b1; sleep 0.2; touch /s/b1
        until [ -e /s/a2 ]; do sleep 0.05; done
        echo b2; sleep 0.2; touch /s/b2
    volumes: ["sync:/s"]
volumes:
  sync: {}
)";

constexpr const char* kTurnsMerged =
    "web-1     | a1\n"
    "worker-1  | b1\n"
    "web-1     | a2\n"
    "worker-1  | b2\n"
    "web-1     | a3\n";

class ProjectLogsTest : public ProjectFixture {
 protected:
  // Lines of text that carry a log prefix (" | "), in order.
  static std::string log_lines(const std::string& text) {
    std::string out;
    std::istringstream in(text);
    for (std::string line; std::getline(in, line);)
      if (line.find(" | ") != std::string::npos) out += line + "\n";
    return out;
  }

  // `lit ps -a --format json`: container name -> {State, ExitCode}.
  std::map<std::string, std::pair<std::string, int>> states() {
    std::map<std::string, std::pair<std::string, int>> out;
    for (const auto& line : project({"ps", "-a", "--format", "json"}).out_lines()) {
      auto j = nlohmann::json::parse(line);
      out[j.at("Name")] = {j.at("State"), j.at("ExitCode")};
    }
    return out;
  }

  void up_turns_to_the_end() {
    write(kTurns);
    Result r = project({"up", "-d"});
    ASSERT_EQ(r.exit_code, 0) << r;
    for (const char* name : {"shop-web-1", "shop-worker-1"}) {
      Result w = lit({"container", "wait", name});
      ASSERT_EQ(w.exit_code, 0) << w;
    }
  }
};

TEST_F(ProjectLogsTest, LogsMergesContainersInTimeOrderWithPrefixes) {
  up_turns_to_the_end();
  Result r = project({"logs"});
  EXPECT_EQ(r.exit_code, 0) << r;
  EXPECT_EQ(r.out, kTurnsMerged) << "stderr lines (a2) go to stdout too, as compose\n" << r;
  EXPECT_EQ(r.err, "") << r;

  r = project({"logs", "--tail", "1"});
  EXPECT_EQ(r.out, "worker-1  | b2\nweb-1     | a3\n") << "the last line of each container\n" << r;

  r = project({"logs", "worker"});
  EXPECT_EQ(r.out, "worker-1  | b1\nworker-1  | b2\n") << r;

  r = project({"logs", "--no-log-prefix", "web"});
  EXPECT_EQ(r.out, "a1\na2\na3\n") << r;

  r = project({"logs", "-t", "--tail", "1", "web"});
  EXPECT_TRUE(std::regex_match(
      r.out, std::regex(R"(web-1  \| \d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{9}Z a3\n)")))
      << r;

  EXPECT_EQ(project({"logs", "--since", "1h"}).out, kTurnsMerged);
  EXPECT_EQ(project({"logs", "--since", "2200-01-01T00:00:00Z"}).out, "");
  // --until: lines before that time only.
  EXPECT_EQ(project({"logs", "--until", "2200-01-01T00:00:00Z"}).out, kTurnsMerged);
  EXPECT_EQ(project({"logs", "--until", "2000-01-01T00:00:00Z"}).out, "");
  expect_lit_error(project({"logs", "--until", "whenever"}), "invalid --until whenever");
  // --index: that replica of each service (here the only one).
  EXPECT_EQ(project({"logs", "--index", "1", "worker"}).out, "worker-1  | b1\nworker-1  | b2\n");
  EXPECT_EQ(project({"logs", "--index", "2"}).out, "");

  expect_lit_error(project({"logs", "nope"}), "nope");
  expect_lit_error(project({"logs", "--tail", "many"}), "--tail");
}

TEST_F(ProjectLogsTest, LogsColorsEachContainersPrefixOnATerminal) {
  up_turns_to_the_end();
  Result r = run_on_pty(project_argv({"logs", "--tail", "1"}), 24, 80, 30s);
  EXPECT_EQ(r.exit_code, 0) << r;
  // compose's palette in the containers' order: web cyan, worker yellow.
  EXPECT_EQ(r.out, "\033[33mworker-1  | \033[0mb2\r\n\033[36mweb-1     | \033[0ma3\r\n") << r;
  r = run_on_pty(project_argv({"logs", "--tail", "1", "--no-color"}), 24, 80, 30s);
  EXPECT_EQ(r.out, "worker-1  | b2\r\nweb-1     | a3\r\n") << r;
}

TEST_F(ProjectLogsTest, LogsFollowShowsNewLinesAndReturnsOnceContainersExit) {
  write(R"(name: shop
services:
  web:
    image: localhost/lit-test:latest
    command: ["sh", "-c", "echo first; until [ -e /tmp/go ]; do sleep 0.05; done; echo second"]
  idle:
    image: localhost/lit-test:latest
    command: ["sh", "-c", "echo resting"]
)");
  ASSERT_EQ(project({"up", "-d"}).exit_code, 0);
  bool triggered = false;
  RunOptions opts;
  opts.timeout = 30s;
  opts.on_stdout = [&](pid_t, const std::string& out) {
    if (!triggered && out.find("web-1   | first\n") != std::string::npos) {
      Result e = lit({"container", "exec", "shop-web-1", "touch", "/tmp/go"});
      EXPECT_EQ(e.exit_code, 0) << e;
      triggered = true;
    }
  };
  Result r = project_with({"logs", "-f", "web", "idle"}, opts);
  EXPECT_TRUE(triggered) << r;
  EXPECT_FALSE(r.timed_out) << "-f did not return after the containers exited\n" << r;
  EXPECT_EQ(r.exit_code, 0) << r;
  std::string out = r.out;
  EXPECT_NE(out.find("idle-1  | resting\n"), std::string::npos) << r;
  const auto first = out.find("web-1   | first\n"), second = out.find("web-1   | second\n");
  ASSERT_NE(second, std::string::npos) << r;
  EXPECT_LT(first, second) << r;
}

TEST_F(ProjectLogsTest, AttachedUpShowsTheOutputAndReturnsWhenServicesExit) {
  write(kTurns);
  RunOptions opts;
  opts.timeout = 60s;
  Result r = project_with({"up"}, opts);
  EXPECT_FALSE(r.timed_out) << r;
  EXPECT_EQ(r.exit_code, 0) << r;
  EXPECT_EQ(log_lines(r.out), kTurnsMerged) << r;
  EXPECT_TRUE(contains_line_with(r.out, {"web-1 exited with code 0"})) << r;
  EXPECT_TRUE(contains_line_with(r.out, {"worker-1 exited with code 0"})) << r;
  EXPECT_TRUE(contains_line_with(r.err, {"Attaching to web-1, worker-1"})) << r;
  auto st = states();
  EXPECT_EQ(st["shop-web-1"], std::make_pair(std::string("exited"), 0));
  EXPECT_EQ(st["shop-worker-1"], std::make_pair(std::string("exited"), 0));
}

TEST_F(ProjectLogsTest, AttachChoosesWhoseOutputIsShown) {
  write(kTurns);
  RunOptions opts;
  opts.timeout = 60s;
  Result r = project_with({"up", "--attach", "worker"}, opts);
  EXPECT_FALSE(r.timed_out) << r;
  EXPECT_EQ(r.exit_code, 0) << r;
  EXPECT_EQ(log_lines(r.out), "worker-1  | b1\nworker-1  | b2\n") << r;
  EXPECT_TRUE(contains_line_with(r.err, {"Attaching to worker-1"})) << r;
  expect_lit_error(project({"up", "--no-attach", "nope"}), "nope");
}

TEST_F(ProjectLogsTest, ExitCodeFromReturnsThatServicesCodeAndStopsTheOthers) {
  write(R"(name: shop
services:
  api:
    image: localhost/lit-test:latest
    command: ["sh", "-c", "echo serving; exec sleep 600"]
  check:
    image: localhost/lit-test:latest
    command: ["sh", "-c", "echo failing; exit 3"]
)");
  RunOptions opts;
  opts.timeout = 60s;
  Result r = project_with({"up", "--exit-code-from", "check", "-t", "1"}, opts);
  EXPECT_FALSE(r.timed_out) << r;
  EXPECT_EQ(r.exit_code, 3) << r;
  EXPECT_TRUE(contains_line_with(r.out, {"check-1  | failing"})) << r;
  EXPECT_TRUE(contains_line_with(r.out, {"check-1 exited with code 3"})) << r;
  EXPECT_TRUE(contains_line_with(r.out, {"Aborting on container exit..."})) << r;
  EXPECT_EQ(states()["shop-api-1"].first, "exited") << "the others are stopped\n" << r;

  expect_lit_error(project({"up", "--exit-code-from", "nope"}), "nope");
  r = project({"up", "--abort-on-container-exit", "-d"});
  EXPECT_EQ(r.exit_code, 1) << r;
  EXPECT_TRUE(contains_line_with(r.err, {"--detach", "--abort-on-container-exit"})) << r;
}

// A service that says "ready" and exits 0 on SIGTERM.
constexpr const char* kPolite = R"(name: shop
services:
  web:
    image: localhost/lit-test:latest
    command: ["sh", "-c", "trap 'exit 0' TERM; echo ready; while true; do sleep 0.1; done"]
  worker:
    image: localhost/lit-test:latest
    command: ["sh", "-c", "trap 'exit 0' TERM; echo ready; while true; do sleep 0.1; done"]
)";

TEST_F(ProjectLogsTest, CtrlCStopsTheContainersAndExits130) {
  write(kPolite);
  bool sent = false;
  RunOptions opts;
  opts.timeout = 60s;
  opts.on_stdout = [&](pid_t pid, const std::string& out) {
    if (!sent && out.find("web-1     | ready\n") != std::string::npos &&
        out.find("worker-1  | ready\n") != std::string::npos) {
      kill(pid, SIGINT);
      sent = true;
    }
  };
  Result r = project_with({"up"}, opts);
  EXPECT_TRUE(sent) << r;
  EXPECT_FALSE(r.timed_out) << r;
  EXPECT_EQ(r.exit_code, 130) << r;
  EXPECT_TRUE(contains_line_with(r.err, {"Gracefully stopping... (press Ctrl+C again to force)"}))
      << r;
  EXPECT_TRUE(contains_line_with(r.err, {"Container shop-web-1", "Stopped"})) << r;
  auto st = states();
  EXPECT_EQ(st["shop-web-1"], std::make_pair(std::string("exited"), 0)) << r;
  EXPECT_EQ(st["shop-worker-1"], std::make_pair(std::string("exited"), 0)) << r;
}

TEST_F(ProjectLogsTest, ASecondCtrlCKillsWhatDoesNotStop) {
  // Ignores SIGTERM (saying so) and would be given two minutes: only a kill ends it in time.
  write(R"(name: shop
services:
  web:
    image: localhost/lit-test:latest
    command: ["sh", "-c", "trap 'echo got-term' TERM; echo ready; while true; do sleep 0.1; done"]
    stop_grace_period: 2m
)");
  std::atomic<pid_t> up_pid{0};
  RunOptions opts;
  opts.timeout = 60s;
  opts.on_stdout = [&](pid_t pid, const std::string& out) {
    if (up_pid == 0 && out.find("web-1  | ready\n") != std::string::npos) {
      up_pid = pid;
      kill(pid, SIGINT);
    }
  };
  bool second = false;
  std::thread force([&] {
    // Once the stop signal arrived (the first Ctrl-C was handled), Ctrl-C again.
    if (!eventually([&] { return up_pid != 0; }, 30s)) return;
    second = eventually([&] {
      return project({"logs", "web"}).out.find("got-term") != std::string::npos;
    });
    kill(up_pid, SIGINT);
  });
  Result r = project_with({"up"}, opts);
  force.join();
  EXPECT_TRUE(second) << "the container never got the stop signal\n" << r;
  EXPECT_FALSE(r.timed_out) << "the second Ctrl-C did not kill the container\n" << r;
  EXPECT_EQ(r.exit_code, 130) << r;
  EXPECT_EQ(states()["shop-web-1"], std::make_pair(std::string("exited"), 137)) << r;
}

}  // namespace
}  // namespace lit::test
