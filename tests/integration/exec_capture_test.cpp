// exec_capture, the health probes' exec: merged and capped output, exit codes,
// the container's identity, and a deadline that kills the probe and its children.
#include <chrono>
#include <thread>

#include "runtime/exec/exec_in.hpp"
#include "runtime/state/record.hpp"
#include "runtime/state/record_store.hpp"
#include "tests/integration/run_fixture.hpp"

namespace lit::test {
namespace {

using Clock = std::chrono::steady_clock;

class ExecCaptureTest : public RunTest {
 protected:
  runtime::ContainerRecord start(const std::string& name, std::vector<std::string> flags = {}) {
    std::vector<std::string> args{"-d", "--name", name};
    args.insert(args.end(), flags.begin(), flags.end());
    args.insert(args.end(), {kTestImage, "sleep", "100"});
    Result r = run(args);
    EXPECT_EQ(r.exit_code, 0) << r;
    return runtime::RecordStore(root_ / "containers").lookup(name);
  }

  void remove(const std::string& name) {
    Result r = lit({"container", "rm", "-f", name});
    EXPECT_EQ(r.exit_code, 0) << r;
  }

  static runtime::CapturedExec sh(const runtime::ContainerRecord& r, const std::string& script,
                                  std::chrono::nanoseconds timeout = 10s, size_t max = 4096) {
    return runtime::exec_capture(r, {"sh", "-c", script}, timeout, max);
  }
};

TEST_F(ExecCaptureTest, MergedOutputAndExitCode) {
  auto rec = start("probe");
  auto r = sh(rec, "echo out; echo err >&2; exit 3");
  EXPECT_EQ(r.exit_code, 3);
  EXPECT_FALSE(r.timed_out);
  EXPECT_EQ(r.output, "out\nerr\n");
  auto ok = sh(rec, "test -e /proc/1 && echo pid1-visible");
  EXPECT_EQ(ok.exit_code, 0);
  EXPECT_EQ(ok.output, "pid1-visible\n");
  remove("probe");
}

TEST_F(ExecCaptureTest, OutputIsCappedWithoutBlockingTheProbe) {
  auto rec = start("big");
  auto r = sh(rec, "yes 0123456789 | head -c 1000000; echo done >&2", 10s, 10);
  EXPECT_EQ(r.exit_code, 0);
  EXPECT_EQ(r.output, "0123456789");
  remove("big");
}

TEST_F(ExecCaptureTest, RunsAsTheContainersUserEnvAndCwd) {
  auto rec = start("who", {"-u", "1000", "-w", "/tmp", "-e", "X=from-run"});
  auto r = sh(rec, "id -u; pwd; echo $X");
  EXPECT_EQ(r.exit_code, 0) << r.output;
  EXPECT_EQ(r.output, "1000\n/tmp\nfrom-run\n");
  remove("who");
}

TEST_F(ExecCaptureTest, MissingCommandIs127WithTheReason) {
  auto rec = start("missing");
  auto r = runtime::exec_capture(rec, {"no-such-probe"}, 10s, 4096);
  EXPECT_EQ(r.exit_code, 127);
  EXPECT_NE(r.output.find("no-such-probe"), std::string::npos) << r.output;
  remove("missing");
}

TEST_F(ExecCaptureTest, TimeoutKillsTheProbeAndItsChildren) {
  auto rec = start("slow");
  auto t0 = Clock::now();
  auto r = sh(rec, "sleep 51 & echo started; sleep 52", 500ms);
  auto took = Clock::now() - t0;
  EXPECT_TRUE(r.timed_out);
  EXPECT_EQ(r.exit_code, -1);
  EXPECT_EQ(r.output, "started\n");
  EXPECT_LT(took, 5s);
  // Only the container's own sleep is left.
  std::string left;
  for (auto deadline = Clock::now() + 5s; Clock::now() < deadline;) {
    left = sh(rec, "ps -o comm,args | grep 'sleep 5[12]' || true").output;
    if (left.empty()) break;
    std::this_thread::sleep_for(50ms);
  }
  EXPECT_EQ(left, "") << "the probe's children survived its timeout";
  remove("slow");
}

TEST_F(ExecCaptureTest, StoppedContainerThrows) {
  ASSERT_EQ(run({"--name", "gone", kTestImage, "true"}).exit_code, 0);
  auto rec = runtime::RecordStore(root_ / "containers").lookup("gone");
  try {
    runtime::exec_capture(rec, {"true"}, 1s, 100);
    ADD_FAILURE() << "no error for a stopped container";
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find("container gone is not running"), std::string::npos)
        << e.what();
  }
  EXPECT_EQ(lit({"container", "rm", "gone"}).exit_code, 0);
}

}  // namespace
}  // namespace lit::test
