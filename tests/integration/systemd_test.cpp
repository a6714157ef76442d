// `lit systemd install` and `lit up` as the main process of a Type=notify
// unit: a datagram socket the test binds stands in for systemd's. READY=1
// comes only once every service runs and is healthy, STATUS= says what it
// waits for, WATCHDOG=1 goes on only while the containers run, and SIGTERM
// (systemd's stop) stops them and says STOPPING=1.
#include <signal.h>
#include <sys/socket.h>
#include <sys/un.h>

#include <atomic>
#include <chrono>
#include <cstring>
#include <fstream>
#include <mutex>
#include <thread>

#include "tests/integration/project_fixture.hpp"

namespace lit::test {
namespace {

// db turns healthy a second after it starts; web waits for that.
constexpr const char* kHealthyLater = R"(name: shop
services:
  db:
    image: localhost/lit-test:latest
    command: ["sh", "-c", "trap 'exit 0' TERM; sleep 1; touch /tmp/ready; while true; do sleep 0.1; done"]
    healthcheck:
      test: ["CMD", "test", "-f", "/tmp/ready"]
      interval: 300ms
      retries: 100
  web:
    image: localhost/lit-test:latest
    command: ["sh", "-c", "trap 'exit 0' TERM; while true; do sleep 0.1; done"]
    depends_on:
      db:
        condition: service_healthy
)";

struct Message {
  std::string text;
  std::chrono::steady_clock::time_point at;
};

// systemd's notify socket, as far as lit can tell: the datagrams it receives.
class FakeNotifySocket {
 public:
  explicit FakeNotifySocket(const fs::path& path) : path_(path) {
    fd_ = ::socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0);
    sockaddr_un addr{};
    addr.sun_family = AF_UNIX;
    std::strncpy(addr.sun_path, path.c_str(), sizeof addr.sun_path - 1);
    EXPECT_EQ(::bind(fd_, reinterpret_cast<sockaddr*>(&addr), sizeof addr), 0);
    timeval tv{0, 100000};
    ::setsockopt(fd_, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
    reader_ = std::jthread([this](std::stop_token stop) {
      char buf[4096];
      while (!stop.stop_requested()) {
        ssize_t n = ::recv(fd_, buf, sizeof buf, 0);
        if (n <= 0) continue;
        std::lock_guard lock(m_);
        got_.push_back({std::string(buf, n), std::chrono::steady_clock::now()});
      }
    });
  }
  ~FakeNotifySocket() {
    reader_.request_stop();
    reader_.join();
    ::close(fd_);
  }
  std::vector<Message> messages() {
    std::lock_guard lock(m_);
    return got_;
  }
  // Waits (up to `limit`) for a message for which `match` holds; its index or -1.
  int wait_for(const std::function<bool(const std::string&)>& match,
               std::chrono::milliseconds limit, std::size_t from = 0) {
    auto end = std::chrono::steady_clock::now() + limit;
    while (std::chrono::steady_clock::now() < end) {
      auto got = messages();
      for (std::size_t i = from; i < got.size(); ++i)
        if (match(got[i].text)) return static_cast<int>(i);
      std::this_thread::sleep_for(std::chrono::milliseconds(20));
    }
    return -1;
  }

 private:
  fs::path path_;
  int fd_;
  std::mutex m_;
  std::vector<Message> got_;
  std::jthread reader_;
};

auto is(const std::string& text) {
  return [text](const std::string& m) { return m == text; };
}
auto starts(const std::string& text) {
  return [text](const std::string& m) { return m.starts_with(text); };
}

class SystemdTest : public ProjectFixture {
 protected:
  // `lit up` as systemd runs it, in the background; its pid once known.
  void start_up(FakeNotifySocket&, const fs::path& socket) {
    up_ = std::jthread([this, socket] {
      RunOptions o;
      o.timeout = 90s;
      o.extra_env = {"NOTIFY_SOCKET=" + socket.string(), "WATCHDOG_USEC=400000"};
      o.on_stderr = [this](pid_t pid, const std::string&) { pid_ = pid; };
      o.on_stdout = [this](pid_t pid, const std::string&) { pid_ = pid; };
      result_ = project_with({"--progress", "plain", "up", "--no-color"}, o);
      done_ = true;
    });
  }
  void stop_up() {
    if (pid_ > 0 && !done_) ::kill(pid_, SIGTERM);
    up_.join();
  }

  std::jthread up_;
  std::atomic<pid_t> pid_{0};
  std::atomic<bool> done_{false};
  Result result_;
};

TEST_F(SystemdTest, ReadyOnlyWhenEveryServiceIsHealthyThenWatchdogUntilStopped) {
  write(kHealthyLater);
  const fs::path socket = base_ / "notify.sock";
  FakeNotifySocket systemd(socket);
  start_up(systemd, socket);
  const int ready = systemd.wait_for(is("READY=1"), 60s);
  ASSERT_GE(ready, 0) << "no READY=1; got " << systemd.messages().size() << " messages";
  // At READY=1 both run and db is healthy, as `ps` says.
  auto ps = ps_all();
  EXPECT_EQ(ps["shop-db-1"].value("Health", ""), "healthy") << ps["shop-db-1"];
  EXPECT_EQ(ps["shop-web-1"].value("State", ""), "running");
  auto got = systemd.messages();
  ASSERT_GE(ready, 1);
  EXPECT_EQ(got[ready - 1].text, "STATUS=2/2 ready");
  bool waited = false;  // it said what it waited for before
  for (int i = 0; i < ready; ++i)
    waited |= got[i].text.find("waiting for shop-db-1 (is not healthy yet)") != std::string::npos;
  EXPECT_TRUE(waited) << got.front().text;
  // Fed every 200 ms (half of WATCHDOG_USEC) while both run.
  const int first = systemd.wait_for(is("WATCHDOG=1"), 5s, ready);
  ASSERT_GE(first, 0);
  EXPECT_GE(systemd.wait_for(is("WATCHDOG=1"), 5s, first + 1), 0);
  stop_up();
  EXPECT_FALSE(result_.timed_out) << result_;
  EXPECT_EQ(result_.exit_code, 130) << result_;  // the unit's SuccessExitStatus
  EXPECT_GE(systemd.wait_for(is("STOPPING=1"), 5s), 0);
  auto st = states();
  EXPECT_EQ(st["shop-db-1"], "exited");
  EXPECT_EQ(st["shop-web-1"], "exited");
}

TEST_F(SystemdTest, TheWatchdogStarvesWhileAContainerIsDown) {
  write(kHealthyLater);
  const fs::path socket = base_ / "notify.sock";
  FakeNotifySocket systemd(socket);
  start_up(systemd, socket);
  const int ready = systemd.wait_for(is("READY=1"), 60s);
  ASSERT_GE(ready, 0);
  ASSERT_GE(systemd.wait_for(is("WATCHDOG=1"), 5s, ready), 0);
  ASSERT_EQ(project({"kill", "web"}).exit_code, 0);
  const int down =
      systemd.wait_for(starts("STATUS=1/2 ready: shop-web-1 exited with code 137"), 5s);
  ASSERT_GE(down, 0) << systemd.messages().back().text;
  // Nothing fed it for a second after (five watchdog intervals)...
  std::this_thread::sleep_for(1s);  // the window the assertion is about, not a wait for a state
  auto got = systemd.messages();
  for (std::size_t i = down + 1; i < got.size(); ++i) EXPECT_NE(got[i].text, "WATCHDOG=1");
  // ...until web runs again.
  ASSERT_EQ(project({"start", "web"}).exit_code, 0);
  EXPECT_GE(systemd.wait_for(is("WATCHDOG=1"), 5s, got.size()), 0);
  stop_up();
}

TEST_F(SystemdTest, InstallWritesAnEnabledUnitAndUninstallRemovesOnlyItsOwn) {
  write(kHealthyLater);
  const fs::path units = base_ / "units";
  Result in = project({"systemd", "install", "--unit-dir", units.string(), "--watchdog", "20"});
  ASSERT_EQ(in.exit_code, 0) << in;
  const fs::path unit = units / "lit-shop.service";
  EXPECT_TRUE(contains_line_with(in.out, {"Installed", unit.string(), "enabled"})) << in;
  std::ifstream f(unit);
  std::string text((std::istreambuf_iterator<char>(f)), {});
  EXPECT_NE(text.find("\nExecStart=" + std::string(LIT_BINARY) + " --root " + root_.string()),
            std::string::npos)
      << text;
  EXPECT_NE(text.find(" -p shop up --remove-orphans"), std::string::npos) << text;
  EXPECT_NE(text.find("\nWatchdogSec=20\n"), std::string::npos) << text;
  EXPECT_EQ(fs::read_symlink(units / "multi-user.target.wants" / "lit-shop.service"), unit);
  // systemd's own reading of it (scripts/setup.sh installs systemd).
  Result v = run_process({"systemd-analyze", "verify", "--man=no", unit.string()});
  EXPECT_EQ(v.exit_code, 0) << v;
  Result again = project({"systemd", "install", "--unit-dir", units.string()});
  EXPECT_TRUE(contains_line_with(again.out, {"Replaced", unit.string()})) << again;

  Result out = project({"systemd", "uninstall", "--unit-dir", units.string()});
  ASSERT_EQ(out.exit_code, 0) << out;
  EXPECT_FALSE(fs::exists(unit));
  EXPECT_FALSE(fs::exists(fs::symlink_status(units / "multi-user.target.wants/lit-shop.service")));
  Result gone = project({"systemd", "uninstall", "--unit-dir", units.string()});
  EXPECT_EQ(gone.exit_code, 1) << gone;
  EXPECT_TRUE(contains_line_with(gone.err, {"lit: uninstall", unit.string(), "no such unit"}))
      << gone;

  std::ofstream(unit) << "[Unit]\nDescription=someone else's\n";
  Result foreign = project({"systemd", "install", "--unit-dir", units.string()});
  EXPECT_EQ(foreign.exit_code, 1) << foreign;
  EXPECT_TRUE(contains_line_with(foreign.err, {unit.string(), "not one lit wrote"})) << foreign;
  std::ifstream kept(unit);
  EXPECT_EQ(std::string((std::istreambuf_iterator<char>(kept)), {}),
            "[Unit]\nDescription=someone else's\n");
}

}  // namespace
}  // namespace lit::test
