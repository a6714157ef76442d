// A container logging as fast as it can (issue 22): it does not slow `lit logs
// -f` of another container, which sees each of that one's lines soon after it
// is printed, none lost or doubled; and the flooder's own log stays within its
// rotation limit while it rotates dozens of times, the flooder keeps running,
// and `lit logs --tail` of it returns whole lines.
#include <signal.h>

#include <algorithm>
#include <condition_variable>
#include <cstdint>
#include <fstream>
#include <mutex>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include "tests/integration/run_fixture.hpp"

namespace lit::test {
namespace {

using Clock = std::chrono::steady_clock;

constexpr std::uint64_t kMaxSize = 1024 * 1024;  // --log-opt max-size=1m
constexpr std::uint64_t kMaxFile = 2;            // --log-opt max-file=2
const std::string kFloodLine(100, 'x');
// One log entry of the flood line: the line, its JSON envelope
// ({"log":"...\n","stream":"stdout","time":"<30 chars>"}\n, about 70 bytes) and some room.
const std::uint64_t kOneEntry = kFloodLine.size() + 128;

// A counter in /proc/PID/io ("wchar" = bytes the process wrote), 0 when gone.
std::uint64_t proc_io(pid_t pid, const std::string& key) {
  std::ifstream in("/proc/" + std::to_string(pid) + "/io");
  for (std::string k; in >> k;) {
    std::uint64_t v = 0;
    in >> v;
    if (k == key + ":") return v;
  }
  return 0;
}

// `lit container logs -f NAME` in a thread of its own, its stdout lines
// collected as they arrive.
class Follower {
 public:
  explicit Follower(std::vector<std::string> argv) {
    thread_ = std::thread([this, argv = std::move(argv)] {
      RunOptions opts;
      opts.timeout = 60s;
      opts.on_stdout = [this](pid_t pid, const std::string& out) {
        std::lock_guard lock(mu_);
        pid_ = pid;
        for (std::size_t nl; (nl = out.find('\n', consumed_)) != std::string::npos;
             consumed_ = nl + 1)
          lines_.push_back(out.substr(consumed_, nl - consumed_));
        cv_.notify_all();
      };
      Result r = run_process(argv, opts);
      std::lock_guard lock(mu_);
      result_ = std::move(r);
      done_ = true;
      cv_.notify_all();
    });
  }
  Follower(const Follower&) = delete;
  Follower& operator=(const Follower&) = delete;
  // After a failed assertion the follower may still run: it is ended (our own child).
  ~Follower() {
    {
      std::lock_guard lock(mu_);
      if (!done_ && pid_ > 0) ::kill(pid_, SIGKILL);
    }
    thread_.join();
  }

  // Waits up to `timeout` for a line equal to `line`; true when it arrived.
  bool wait_for_line(const std::string& line, std::chrono::milliseconds timeout) {
    std::unique_lock lock(mu_);
    return cv_.wait_for(lock, timeout, [&] {
      return std::find(lines_.begin(), lines_.end(), line) != lines_.end();
    });
  }
  // Waits up to `timeout` for `lit logs -f` to end on its own; its result.
  std::optional<Result> wait_done(std::chrono::milliseconds timeout) {
    std::unique_lock lock(mu_);
    if (!cv_.wait_for(lock, timeout, [&] { return done_; })) return std::nullopt;
    return result_;
  }
  std::vector<std::string> lines() {
    std::lock_guard lock(mu_);
    return lines_;
  }

 private:
  std::mutex mu_;
  std::condition_variable cv_;
  std::vector<std::string> lines_;
  std::size_t consumed_ = 0;
  pid_t pid_ = -1;
  bool done_ = false;
  Result result_;
  std::thread thread_;
};

class LogFloodTest : public RunTest {
 protected:
  void TearDown() override {
    if (!IsSkipped() && HasFailure()) {  // gone already when the test ran to its end
      for (const char* name : {"ticker", "flood"}) lit({"container", "rm", "-f", name});
    }
    RunTest::TearDown();
  }

  nlohmann::json inspect(const std::string& name) {
    Result r = lit({"container", "inspect", name});
    EXPECT_EQ(r.exit_code, 0) << r;
    return r.exit_code == 0 ? nlohmann::json::parse(r.out).at(0) : nlohmann::json::object();
  }

  // Starts `yes` writing as fast as its supervisor takes it, with 2 log files
  // of 1 MiB, and waits until it has filled them (it rotates from then on).
  void start_flooder() {
    const std::string id =
        detach_sh("yes " + kFloodLine, {"--name", "flood", "--log-opt", "max-size=1m", "--log-opt",
                                        "max-file=" + std::to_string(kMaxFile)});
    ASSERT_FALSE(id.empty());
    flood_dir_ = root_ / "containers" / id;
    const auto state = inspect("flood").value("state", nlohmann::json::object());
    flood_shim_ = state.value("shim_pid", 0);
    flood_pid_ = state.value("pid", 0);
    ASSERT_GT(flood_shim_, 0) << state;
    ASSERT_GT(flood_pid_, 0) << state;
    ASSERT_TRUE(eventually([&] { return flood_written() > kMaxSize * kMaxFile; }, 30s))
        << "the flooder did not fill its log: " << flood_written() << " bytes";
  }

  // Bytes the flooder's supervisor wrote, all into its log files (the rotated
  // away ones included): what the flood has logged so far.
  std::uint64_t flood_written() const { return proc_io(flood_shim_, "wchar"); }

  // The flooder runs as it was started: the same process, never restarted.
  void expect_flooder_running() {
    const auto state = inspect("flood").value("state", nlohmann::json::object());
    EXPECT_EQ(state.value("status", ""), "running") << state;
    EXPECT_EQ(state.value("pid", 0), flood_pid_) << state;
    EXPECT_EQ(state.value("restart_count", -1), 0) << state;
  }

  // The total size of the flooder's container.log* files now, failing the
  // test for a file that max-file=2 does not allow. A rotation between two
  // stats can count one file twice or not at all: each file stays within
  // max-size, so a sample stays within the limit either way.
  std::uint64_t flood_log_bytes() {
    std::uint64_t total = 0;
    std::error_code ec;
    for (const auto& e : fs::directory_iterator(flood_dir_, ec)) {
      const std::string name = e.path().filename().string();
      if (!name.starts_with("container.log")) continue;
      EXPECT_TRUE(name == "container.log" || name == "container.log.1") << name;
      std::error_code size_ec;  // a file rotated away meanwhile
      const auto size = fs::file_size(e.path(), size_ec);
      if (!size_ec) total += size;
    }
    EXPECT_FALSE(ec) << flood_dir_ << ": " << ec.message();
    return total;
  }

  fs::path flood_dir_;
  int flood_shim_ = 0;
  int flood_pid_ = 0;
};

TEST_F(LogFloodTest, FloodersLogStaysWithinItsRotationLimit) {
  ASSERT_NO_FATAL_FAILURE(start_flooder());
  // Logged: 32 MiB, 16 times what the files hold (over 30 rotations); sampled
  // at least 300 times meanwhile. Each condition is waited for, within 60 s.
  constexpr std::uint64_t kFlood = 32 * kMaxSize;
  const std::uint64_t start = flood_written();
  const auto deadline = Clock::now() + 60s;
  std::uint64_t largest = 0;
  int samples = 0, tails = 0;
  for (; flood_written() - start < kFlood || samples < 300; ++samples) {
    ASSERT_LT(Clock::now(), deadline)
        << "logged " << flood_written() - start << " bytes in " << samples << " samples";
    const std::uint64_t bytes = flood_log_bytes();
    largest = std::max(largest, bytes);
    ASSERT_LE(bytes, kMaxSize * kMaxFile + kOneEntry) << "sample " << samples;
    if (samples % 30 == 0) {  // whole lines from the files as they rotate
      Result r = lit({"container", "logs", "--tail", "5", "flood"});
      ASSERT_EQ(r.exit_code, 0) << r;
      EXPECT_EQ(r.out_lines(), std::vector<std::string>(5, kFloodLine)) << r;
      EXPECT_EQ(r.out.size(), 5 * (kFloodLine.size() + 1)) << "not whole lines\n" << r;
      ++tails;
    }
    std::this_thread::sleep_for(1ms);  // the interval between samples
  }
  EXPECT_GT(largest, kMaxSize) << "no sample saw a rotated file beside the live one";
  EXPECT_GE(tails, 10);
  expect_flooder_running();
  Result rm = lit({"container", "rm", "-f", "flood"});
  EXPECT_EQ(rm.exit_code, 0) << rm;
}

TEST_F(LogFloodTest, FollowerOfAnotherContainerSeesEveryLineWhileOneFloods) {
  ASSERT_NO_FATAL_FAILURE(start_flooder());
  // The ticker prints tick-1..tick-N, one every 50 ms, once the test creates
  // /tick/go; after each it publishes its number in /tick/n (renamed into
  // place, never half written): when the test reads K there, tick-K is printed.
  constexpr int kTicks = 60;
  const fs::path tick_dir = base_ / "tick";
  fs::create_directories(tick_dir);
  const std::string ticker =
      "echo ready; while [ ! -e /tick/go ]; do sleep 0.05; done; i=0; while [ $i -lt " +
      std::to_string(kTicks) +
      " ]; do i=$((i+1)); echo tick-$i; echo $i > /tick/n.new; mv /tick/n.new /tick/n;"
      " sleep 0.05; done";
  ASSERT_FALSE(detach_sh(ticker, {"--name", "ticker", "-v", tick_dir.string() + ":/tick"}).empty());
  auto printed = [&] {
    std::ifstream in(tick_dir / "n");
    int n = 0;
    in >> n;
    return n;
  };

  Follower follower({LIT_BINARY, "--root", root_.string(), "--run-root", run_root_.string(),
                     "container", "logs", "-f", "ticker"});
  ASSERT_TRUE(follower.wait_for_line("ready", 30s)) << "-f did not print the first line";
  const std::uint64_t flood_before = flood_written();
  std::ofstream(tick_dir / "go").put('\n');

  // Measured by hand on a 2-core VM, a line reaches the follower in 0.5 ms
  // (15 ms at worst) with the flood as without it. 2 s is far above that: a
  // loaded CI runner (the flood takes a core, a build the rest) delays the
  // ticker's supervisor and lit by scheduling alone, and the test judges only
  // that the flood does not hold the follower up, not how fast it is.
  constexpr auto kBound = 2s;
  for (int k = 1; k <= kTicks; ++k) {
    ASSERT_TRUE(eventually([&] { return printed() >= k; }, 30s))
        << "the ticker did not print tick-" << k;
    ASSERT_TRUE(follower.wait_for_line("tick-" + std::to_string(k), kBound))
        << "tick-" << k << " printed but not followed within " << kBound.count() << " s";
  }
  auto r = follower.wait_done(30s);
  ASSERT_TRUE(r) << "-f did not end after the ticker exited";
  EXPECT_FALSE(r->timed_out) << *r;
  EXPECT_EQ(r->exit_code, 0) << *r;
  std::vector<std::string> want{"ready"};
  for (int k = 1; k <= kTicks; ++k) want.push_back("tick-" + std::to_string(k));
  EXPECT_EQ(follower.lines(), want) << "lines lost, doubled or out of order\n" << *r;

  // The flood went on all along: it wrote over its whole log meanwhile.
  EXPECT_GT(flood_written() - flood_before, kMaxSize * kMaxFile);
  expect_flooder_running();
  for (const char* name : {"ticker", "flood"}) {
    Result rm = lit({"container", "rm", "-f", name});
    EXPECT_EQ(rm.exit_code, 0) << rm;
  }
}

}  // namespace
}  // namespace lit::test
