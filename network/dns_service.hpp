#pragma once
// lit-dns as lit runs it: one server per host (per run root), started on
// demand when a container on a lit network starts, given a new config file
// whenever a container or network comes or goes, and stopped when no lit
// network is left. Files: <run_root>/dns/config (watched by the server; alone
// in its directory), <run_root>/network/dns.pid ("PID START_TIME") and
// <run_root>/network/dns.synced (when the config last read the records).
#include <sys/types.h>

#include <cstdint>
#include <filesystem>
#include <functional>
#include <optional>
#include <vector>

#include "network/dns/config.hpp"
#include "network/store.hpp"
#include "runtime/util/paths.hpp"

namespace lit::network {

// What the server must serve (pure, for tests): every network's gateway as a
// listen address, and each running container's name, aliases and short id,
// plain and as NAME.NETWORK, on the networks it is attached to; a container on
// several networks is scoped to all of them.
dns::Config dns_config(
    const std::vector<NetworkRecord>& networks, const std::vector<uint32_t>& upstreams,
    const std::function<bool(const Endpoint&)>& running = [](const Endpoint& e) {
      return e.running();
    });

class DnsService {
 public:
  explicit DnsService(const Paths& paths);

  // Rewrites the config from the network records. With `start`, launches the
  // server when a network exists and none runs. With no network left, the
  // server is stopped and its files removed.
  // `leaving`: the id of a network whose record is about to go (not served).
  void sync(bool start, const std::string& leaving = {});

  // The server's pid while it runs.
  std::optional<pid_t> running() const;

  std::filesystem::path config_path() const { return dir_ / "config"; }

 private:
  void launch();
  void stop_server();
  Paths paths_;
  std::filesystem::path dir_, pid_file_, lock_file_;
};

}  // namespace lit::network
