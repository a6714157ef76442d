#pragma once
// lit-shim's watch on lit's DNS server, for a container on a lit network.
// There is no daemon to restart a DNS server that was killed or crashed, and
// the containers' names must resolve again at once: every supervisor of a
// container on a lit network holds a pidfd of the server, and the first to
// see it exit starts another, as lit itself does (network/dns_service.cpp):
// under the DNS lock, unless one runs again already or no lit network is
// left (the config is gone: lit stopped it on purpose). Files, under the run
// root: network/dns.lock, network/dns.pid ("PID START_TIME"), dns/config.
#include <string>

#include "runtime/util/fs.hpp"

namespace lit::shim {

class DnsKeeper {
 public:
  // `lit_dns`: the server's executable (next to lit's).
  DnsKeeper(const std::string& run_root, std::string lit_dns);

  // A pidfd of the server on record, readable once it exits; -1 when none runs.
  int fd() const { return server_.get(); }
  // Watches the server on record (after a start: it started it).
  void watch();
  // The server exited: starts another unless one runs or no network is left,
  // and watches whichever runs. Never throws: a server that cannot be started
  // now is started by lit's next container start.
  void on_exit() noexcept;

 private:
  void start_server();

  std::string lock_file_, pid_file_, config_, lit_dns_;
  UniqueFd server_;
};

}  // namespace lit::shim
