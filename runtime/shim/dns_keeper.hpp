#pragma once
// lit-shim's watch on lit's DNS server, for a container on a lit network.
// There is no daemon to restart a DNS server that was killed or crashed, and
// the containers' names must resolve again at once: every supervisor of a
// container on a lit network holds a pidfd of the server, and the first to
// see it exit has lit start another (`lit container __dns`: the config is
// written again from the records, so a container whose supervisor died with
// the server is no longer served), unless one runs again already or no lit
// network is left (the config is gone: lit stopped it on purpose). When lit
// cannot, it starts the server itself from the config as it is. The
// supervisors take turns under network/dns.keeper.lock: one runs lit, the
// others find the server it started. Files, under the run root:
// network/dns.lock, network/dns.pid ("PID START_TIME"), dns/config.
#include <string>
#include <vector>

#include "runtime/util/fs.hpp"

namespace lit::shim {

class DnsKeeper {
 public:
  // `lit_dns`: the server's executable (next to lit's); `restart`: the lit
  // command line that starts it again from the records.
  DnsKeeper(const std::string& run_root, std::string lit_dns, std::vector<std::string> restart);

  // A pidfd of the server on record, readable once it exits; -1 when none runs.
  int fd() const { return server_.get(); }
  // Watches the server on record (after a start: it started it).
  void watch();
  // The server exited: has one started unless one runs or no network is left,
  // and watches whichever runs. Never throws: a server that cannot be started
  // now is started by lit's next container start.
  void on_exit() noexcept;

 private:
  bool configured() const;
  void run_lit() const;
  void start_server();

  std::string keeper_lock_, lock_file_, pid_file_, config_, lit_dns_;
  std::vector<std::string> restart_;
  UniqueFd server_;
};

}  // namespace lit::shim
