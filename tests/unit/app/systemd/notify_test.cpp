#include "app/systemd/notify.hpp"

#include <gtest/gtest.h>
#include <stdlib.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include <cstring>
#include <filesystem>
#include <string>

#include "tests/unit/error_of.hpp"

using namespace lit::app;
using lit::reconciler::ContainerReadiness;
using lit::reconciler::Readiness;
using lit::testing::error_of;
using namespace std::chrono_literals;

namespace {

// A datagram socket standing in for systemd's notify socket.
class FakeSystemd {
 public:
  explicit FakeSystemd(const std::string& name) : name_(name) {
    fd_ = ::socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0);
    sockaddr_un addr{};
    addr.sun_family = AF_UNIX;
    std::memcpy(addr.sun_path, name.data(), name.size());
    socklen_t len = offsetof(sockaddr_un, sun_path) + name.size();
    if (name[0] == '@') addr.sun_path[0] = '\0';
    EXPECT_EQ(::bind(fd_, reinterpret_cast<sockaddr*>(&addr), len), 0) << std::strerror(errno);
    timeval tv{5, 0};
    ::setsockopt(fd_, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
  }
  ~FakeSystemd() {
    ::close(fd_);
    if (name_[0] == '/') ::unlink(name_.c_str());
  }
  std::string receive() {
    char buf[4096];
    ssize_t n = ::recv(fd_, buf, sizeof buf, 0);
    return n < 0 ? std::string("(nothing: ") + std::strerror(errno) + ")" : std::string(buf, n);
  }

 private:
  std::string name_;
  int fd_;
};

struct EnvGuard {
  ~EnvGuard() {
    for (const char* n : {"NOTIFY_SOCKET", "WATCHDOG_USEC", "WATCHDOG_PID"}) ::unsetenv(n);
  }
};

}  // namespace

TEST(SystemdNotifier, AbsentWithoutNotifySocket) {
  EnvGuard g;
  ::unsetenv("NOTIFY_SOCKET");
  EXPECT_FALSE(SystemdNotifier::from_environment().has_value());
}

TEST(SystemdNotifier, SendsDatagramsToAPathAndUnsetsTheEnvironment) {
  EnvGuard g;
  const std::string path =
      (std::filesystem::temp_directory_path() / ("lit-notify-" + std::to_string(::getpid())))
          .string();
  FakeSystemd systemd(path);
  ::setenv("NOTIFY_SOCKET", path.c_str(), 1);
  ::setenv("WATCHDOG_USEC", "2000000", 1);
  ::setenv("WATCHDOG_PID", std::to_string(::getpid()).c_str(), 1);
  auto n = SystemdNotifier::from_environment();
  ASSERT_TRUE(n.has_value());
  EXPECT_EQ(::getenv("NOTIFY_SOCKET"), nullptr);  // lit's children are not the main process
  EXPECT_EQ(::getenv("WATCHDOG_USEC"), nullptr);
  EXPECT_EQ(n->watchdog_interval(), 1s);
  EXPECT_TRUE(n->send("STATUS=1/2 ready\nREADY=1"));
  EXPECT_EQ(systemd.receive(), "STATUS=1/2 ready\nREADY=1");
}

TEST(SystemdNotifier, AbstractSocketsAndAWatchdogForAnotherPid) {
  EnvGuard g;
  const std::string name = "@lit-notify-test-" + std::to_string(::getpid());
  FakeSystemd systemd(name);
  ::setenv("NOTIFY_SOCKET", name.c_str(), 1);
  ::setenv("WATCHDOG_USEC", "2000000", 1);
  ::setenv("WATCHDOG_PID", "1", 1);  // the watchdog is someone else's
  auto n = SystemdNotifier::from_environment();
  ASSERT_TRUE(n.has_value());
  EXPECT_EQ(n->watchdog_interval(), 0us);
  EXPECT_TRUE(n->send("WATCHDOG=1"));
  EXPECT_EQ(systemd.receive(), "WATCHDOG=1");
}

TEST(SystemdNotifier, RefusesWhatIsNotAnUnixSocketAndSurvivesAGoneSystemd) {
  EXPECT_EQ(error_of([] { SystemdNotifier("vsock:2:1234", {}); }),
            "read $NOTIFY_SOCKET vsock:2:1234: not an AF_UNIX socket (a path or @name) lit can "
            "send to");
  SystemdNotifier gone("/nonexistent/notify", {});
  EXPECT_FALSE(gone.send("READY=1"));  // a debug line; what lit does goes on
}

TEST(SystemdStatus, CountsReadyAndNamesWhatItWaitsFor) {
  std::vector<ContainerReadiness> look{
      {"shop-web-1", Readiness::Ready, "", "Running"},
      {"shop-db-1", Readiness::Waiting, "is not healthy yet", "Waiting"},
      {"shop-cache-1", Readiness::Waiting, "is created", "Waiting"},
  };
  EXPECT_EQ(readiness_status(look), "1/3 ready: waiting for shop-db-1 (is not healthy yet)");
  look[1].state = Readiness::Ready;
  look[2] = {"shop-cache-1", Readiness::Failed, "exited with code 3", "Error"};
  EXPECT_EQ(readiness_status(look), "2/3 ready: shop-cache-1 exited with code 3");
  look[2].state = Readiness::Ready;
  EXPECT_EQ(readiness_status(look), "3/3 ready");
}
