#include "app/systemd/notify.hpp"

#include <pthread.h>
#include <signal.h>
#include <spdlog/spdlog.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <charconv>
#include <condition_variable>
#include <cstdlib>
#include <cstring>
#include <mutex>

#include "runtime/util/error.hpp"

namespace lit::app {
namespace {

// A decimal environment value, or nullopt when unset or not a number.
std::optional<unsigned long long> env_number(const char* name) {
  const char* v = std::getenv(name);
  if (!v || !*v) return std::nullopt;
  unsigned long long n = 0;
  const char* end = v + std::strlen(v);
  auto [p, ec] = std::from_chars(v, end, n);
  if (ec != std::errc() || p != end) return std::nullopt;
  return n;
}

}  // namespace

std::optional<SystemdNotifier> SystemdNotifier::from_environment() {
  const char* socket = std::getenv("NOTIFY_SOCKET");
  if (!socket || !*socket) return std::nullopt;
  std::chrono::microseconds watchdog{0};
  auto usec = env_number("WATCHDOG_USEC");
  auto pid = env_number("WATCHDOG_PID");
  if (usec && (!pid || *pid == static_cast<unsigned long long>(::getpid())))
    watchdog = std::chrono::microseconds(*usec);
  std::optional<SystemdNotifier> out(std::in_place, socket, watchdog);
  for (const char* name : {"NOTIFY_SOCKET", "WATCHDOG_USEC", "WATCHDOG_PID"}) ::unsetenv(name);
  return out;
}

SystemdNotifier::SystemdNotifier(const std::string& socket, std::chrono::microseconds watchdog)
    : socket_(socket), watchdog_(watchdog) {
  sockaddr_un addr{};
  if ((socket_.front() != '/' && socket_.front() != '@') || socket_.size() >= sizeof addr.sun_path)
    throw Error("read $NOTIFY_SOCKET " + socket_ +
                ": not an AF_UNIX socket (a path or @name) lit can send to")
        .with_hint("start lit from a Type=notify unit, or unset NOTIFY_SOCKET");
  fd_ = UniqueFd(::socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0));
  if (!fd_) throw Error::sys("open a socket for", "$NOTIFY_SOCKET", errno);
}

bool SystemdNotifier::send(std::string_view message) const {
  sockaddr_un addr{};
  addr.sun_family = AF_UNIX;
  std::memcpy(addr.sun_path, socket_.data(), socket_.size());
  if (addr.sun_path[0] == '@') addr.sun_path[0] = '\0';  // abstract: no terminating NUL
  const auto len = static_cast<socklen_t>(offsetof(sockaddr_un, sun_path) + socket_.size() +
                                          (socket_.front() == '/' ? 1 : 0));
  if (::sendto(fd_.get(), message.data(), message.size(), MSG_NOSIGNAL,
               reinterpret_cast<const sockaddr*>(&addr), len) < 0) {
    spdlog::debug("notify systemd ({}): {}", socket_, std::strerror(errno));
    return false;
  }
  return true;
}

reconciler::ReadinessObserver status_to(const SystemdNotifier& systemd) {
  return [&systemd, last = std::string()](const auto& look) mutable {
    std::string status = readiness_status(look);
    if (status != last) systemd.send("STATUS=" + status);
    last = std::move(status);
  };
}

SystemdSupervision::SystemdSupervision(const SystemdNotifier& systemd, const Paths& paths,
                                       const reconciler::Project& project,
                                       std::set<std::string> services)
    : thread_([&systemd, &paths, &project, services = std::move(services)](std::stop_token stop) {
        // Never this thread's to take SIGINT or SIGTERM: the attached `up` reads them.
        sigset_t all;
        ::sigfillset(&all);
        ::pthread_sigmask(SIG_BLOCK, &all, nullptr);
        using namespace std::chrono;
        auto period = duration_cast<milliseconds>(systemd.watchdog_interval());
        if (period.count() == 0) period = 5s;
        auto status = status_to(systemd);
        std::mutex m;
        std::condition_variable_any wake;
        for (;;) {
          try {
            const auto look = reconciler::assess_readiness(paths, project, services);
            status(look);
            if (systemd.watchdog_interval().count() > 0 &&
                std::ranges::all_of(
                    look, [](const auto& c) { return c.state == reconciler::Readiness::Ready; }))
              systemd.send("WATCHDOG=1");
          } catch (const std::exception& e) {  // a record being rewritten: the next look
            spdlog::debug("systemd supervision: {}", e.what());
          }
          std::unique_lock lock(m);
          wake.wait_for(lock, stop, period, [] { return false; });  // the period, or the stop
          if (stop.stop_requested()) break;
        }
      }) {}

std::string readiness_status(const std::vector<reconciler::ContainerReadiness>& containers) {
  using reconciler::Readiness;
  std::size_t ready = 0;
  const reconciler::ContainerReadiness *waiting = nullptr, *failed = nullptr;
  for (const auto& c : containers) {
    if (c.state == Readiness::Ready) ++ready;
    if (c.state == Readiness::Waiting && !waiting) waiting = &c;
    if (c.state == Readiness::Failed && !failed) failed = &c;
  }
  std::string out = std::to_string(ready) + "/" + std::to_string(containers.size()) + " ready";
  if (failed) return out + ": " + failed->name + " " + failed->detail;
  if (waiting) return out + ": waiting for " + waiting->name + " (" + waiting->detail + ")";
  return out;
}

}  // namespace lit::app
