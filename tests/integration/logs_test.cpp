// `lit container logs` on real detached containers: both streams routed to lit's
// stdout and stderr in the order written, --tail, -t, --since, -f following new
// lines until the container exits, and the errors a user can run into.
#include <chrono>
#include <regex>

#include "tests/integration/run_fixture.hpp"

namespace lit::test {
namespace {

class LogsTest : public RunTest {
 protected:
  // `lit container run -d --name NAME FLAGS... IMAGE sh -c SCRIPT`.
  void detach(const std::string& name, const std::string& script,
              std::vector<std::string> flags = {}) {
    flags.insert(flags.begin(), {"--name", name});
    ASSERT_FALSE(detach_sh(script, flags).empty());
  }
  // Runs a script to its end (logs are complete once wait returns).
  void run_to_end(const std::string& name, const std::string& script) {
    detach(name, script);
    Result w = lit({"container", "wait", name});
    ASSERT_EQ(w.exit_code, 0) << w;
  }
  Result logs(std::vector<std::string> args, const RunOptions& opts = {}) {
    args.insert(args.begin(), {"container", "logs"});
    return lit(args, opts);
  }
  void remove(const std::string& name) {
    Result r = lit({"container", "rm", "-f", name});
    EXPECT_EQ(r.exit_code, 0) << r;
  }
};

// Two pipes, as in docker: lines from different streams keep their order when
// some time passes between them.
constexpr const char* kInterleaved =
    "echo out1; sleep 0.2; echo err1 >&2; sleep 0.2; echo out2; sleep 0.2; echo err2 >&2";

TEST_F(LogsTest, StreamsGoToStdoutAndStderr) {
  run_to_end("both", kInterleaved);
  Result r = logs({"both"});
  EXPECT_EQ(r.exit_code, 0) << r;
  EXPECT_EQ(r.out, "out1\nout2\n") << r;
  EXPECT_EQ(r.err, "err1\nerr2\n") << r;
  remove("both");
}

TEST_F(LogsTest, BothStreamsKeepTheirOrderOnOneTerminal) {
  run_to_end("order", kInterleaved);
  // What a user sees with `lit container logs order 2>&1`.
  std::string cmd = std::string(LIT_BINARY) + " --root '" + root_.string() + "' --run-root '" +
                    run_root_.string() + "' container logs order 2>&1";
  Result r = run_process({"/bin/sh", "-c", cmd});
  EXPECT_EQ(r.exit_code, 0) << r;
  EXPECT_EQ(r.out, "out1\nerr1\nout2\nerr2\n") << r;
  remove("order");
}

TEST_F(LogsTest, TailShowsTheLastLines) {
  run_to_end("tail", "for i in $(seq 1 10); do echo line$i; done");
  Result r = logs({"--tail", "3", "tail"});
  EXPECT_EQ(r.exit_code, 0) << r;
  EXPECT_EQ(r.out, "line8\nline9\nline10\n") << r;
  EXPECT_EQ(logs({"--tail", "0", "tail"}).out, "");
  EXPECT_EQ(logs({"-n", "all", "tail"}).out_lines().size(), 10u);
  expect_lit_error(logs({"--tail", "many", "tail"}), "--tail");
  remove("tail");
}

TEST_F(LogsTest, TimestampsPrefixEachLine) {
  auto before = std::chrono::system_clock::now() - 1s;  // the log's clock is the real one
  run_to_end("stamped", "echo hello; echo oops >&2");
  Result r = logs({"-t", "stamped"});
  ASSERT_EQ(r.exit_code, 0) << r;
  std::regex line(R"((\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d)\.\d{9}Z (hello|oops))");
  std::smatch m;
  const auto out = r.out_lines();  // m points into it
  ASSERT_EQ(out.size(), 1u) << r;
  ASSERT_TRUE(std::regex_match(out[0], m, line)) << r;
  EXPECT_EQ(m[2], "hello");
  ASSERT_EQ(r.err_lines().size(), 1u) << r;
  EXPECT_TRUE(std::regex_match(r.err_lines()[0], line)) << r;
  // The stamp is the time it was written: after the test began.
  std::tm tm{};
  strptime(m[1].str().c_str(), "%Y-%m-%dT%H:%M:%S", &tm);
  auto stamped = std::chrono::system_clock::from_time_t(timegm(&tm));
  EXPECT_GE(stamped, std::chrono::floor<std::chrono::seconds>(before)) << r;
  EXPECT_LE(stamped, std::chrono::system_clock::now()) << r;
  remove("stamped");
}

TEST_F(LogsTest, SinceLeavesOutOlderLines) {
  run_to_end("since", "echo old");
  EXPECT_EQ(logs({"--since", "10m", "since"}).out, "old\n");
  auto future = std::chrono::duration_cast<std::chrono::seconds>(
                    std::chrono::system_clock::now().time_since_epoch())
                    .count() +
                3600;
  EXPECT_EQ(logs({"--since", std::to_string(future), "since"}).out, "");
  expect_lit_error(logs({"--since", "yesterday", "since"}), "--since");
  remove("since");
}

TEST_F(LogsTest, FollowShowsNewLinesAndEndsWhenTheContainerExits) {
  // The container writes "second" only once the test saw "first" through -f.
  detach("follow",
         "echo first; while [ ! -e /tmp/go ]; do sleep 0.05; done; echo second >&2; sleep 0.3;"
         " echo third");
  bool triggered = false;
  RunOptions opts;
  opts.timeout = 30s;
  opts.on_stdout = [&](pid_t, const std::string& out) {
    if (!triggered && out == "first\n") {
      Result e = lit({"container", "exec", "follow", "touch", "/tmp/go"});
      EXPECT_EQ(e.exit_code, 0) << e;
      triggered = true;
    }
  };
  Result r = logs({"-f", "follow"}, opts);
  EXPECT_TRUE(triggered) << r;
  EXPECT_FALSE(r.timed_out) << "-f did not end after the container exited\n" << r;
  EXPECT_EQ(r.exit_code, 0) << r;
  EXPECT_EQ(r.out, "first\nthird\n") << r;
  EXPECT_EQ(r.err, "second\n") << r;
  remove("follow");
}

TEST_F(LogsTest, FollowContinuesAcrossRotation) {
  // 1 KiB files: the lines below rotate the log several times while -f reads.
  detach(
      "rotate",
      "echo start; while [ ! -e /tmp/go ]; do sleep 0.05; done;"
      " for i in $(seq 1 200); do echo line-$i-xxxxxxxxxxxxxxxxxxxxxxxxxxxxxx; sleep 0.005; done",
      {"--log-opt", "max-size=1k", "--log-opt", "max-file=3"});
  bool triggered = false;
  RunOptions opts;
  opts.timeout = 60s;
  opts.on_stdout = [&](pid_t, const std::string& out) {
    if (!triggered && out == "start\n") {
      EXPECT_EQ(lit({"container", "exec", "rotate", "touch", "/tmp/go"}).exit_code, 0);
      triggered = true;
    }
  };
  Result r = logs({"-f", "rotate"}, opts);
  EXPECT_FALSE(r.timed_out) << r;
  auto lines = r.out_lines();
  ASSERT_EQ(lines.size(), 201u) << r;
  for (int i = 1; i <= 200; ++i)
    EXPECT_EQ(lines[i], "line-" + std::to_string(i) + "-xxxxxxxxxxxxxxxxxxxxxxxxxxxxxx");
  remove("rotate");
}

TEST_F(LogsTest, ContainerWithoutLogPrintsNothing) {
  Result created = lit({"container", "run", "--name", "fg", kTestImage, "echo", "to-terminal"});
  ASSERT_EQ(created.exit_code, 0) << created;
  EXPECT_EQ(created.out, "to-terminal\n");
  for (auto args : {std::vector<std::string>{"fg"}, {"-f", "fg"}}) {
    Result r = logs(args);
    EXPECT_EQ(r.exit_code, 0) << r;
    EXPECT_EQ(r.out, "") << r;
    EXPECT_EQ(r.err, "") << r;
  }
  remove("fg");
}

TEST_F(LogsTest, UnknownContainerIsOneLineError) {
  expect_lit_error(logs({"ghost"}), "no such container: ghost");
}

}  // namespace
}  // namespace lit::test
