#pragma once
// systemd's notification protocol (sd_notify(3)), for `lit up` as the main
// process of a Type=notify unit (`lit systemd install`): one datagram per
// message to the AF_UNIX socket named by $NOTIFY_SOCKET ("@name" for the
// abstract namespace), with newline-separated VAR=VALUE lines: STATUS=...,
// READY=1, STOPPING=1, WATCHDOG=1.
#include <chrono>
#include <optional>
#include <set>
#include <string>
#include <string_view>
#include <thread>
#include <vector>

#include "reconciler/apply/actions.hpp"
#include "reconciler/model.hpp"
#include "runtime/util/fs.hpp"
#include "runtime/util/paths.hpp"

namespace lit::app {

class SystemdNotifier {
 public:
  // From $NOTIFY_SOCKET, $WATCHDOG_USEC and $WATCHDOG_PID, which it then
  // unsets (lit's supervisors and hooks are not the unit's main process).
  // nullopt when lit was not started by systemd as a notify service.
  // Throws on a malformed $NOTIFY_SOCKET.
  static std::optional<SystemdNotifier> from_environment();

  // socket: a path, or "@name" for the abstract namespace. watchdog: how
  // often systemd wants WATCHDOG=1 at the least (zero: no watchdog).
  SystemdNotifier(const std::string& socket, std::chrono::microseconds watchdog);

  // Sends the lines as one datagram; false (and a debug line) when it could
  // not be sent: systemd going away must not fail what lit is doing.
  bool send(std::string_view message) const;

  // Half of WATCHDOG_USEC, as sd_watchdog_enabled(3) advises; zero for none.
  std::chrono::microseconds watchdog_interval() const { return watchdog_ / 2; }

 private:
  std::string socket_;
  std::chrono::microseconds watchdog_;
  UniqueFd fd_;
};

// For up's wait: a STATUS= line each time what readiness_status says changes.
reconciler::ReadinessObserver status_to(const SystemdNotifier& systemd);

// While attached `lit up` runs under systemd: every watchdog interval (5 s
// without a watchdog) a look at the services' containers; STATUS= when it
// changed, and WATCHDOG=1 only while none of them has failed or is waiting
// (stopped, restarting, unhealthy), so systemd restarts a unit whose
// containers are down for longer than its WatchdogSec.
class SystemdSupervision {
 public:
  SystemdSupervision(const SystemdNotifier& systemd, const Paths& paths,
                     const reconciler::Project& project, std::set<std::string> services);

 private:
  std::jthread thread_;
};

// STATUS= for systemctl status while `lit up` waits: "2/3 ready: waiting for
// shop-db-1 (is not healthy yet)", "3/3 ready", or the first failure.
std::string readiness_status(const std::vector<reconciler::ContainerReadiness>& containers);

}  // namespace lit::app
