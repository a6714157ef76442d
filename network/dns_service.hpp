#pragma once
// lit-dns as lit runs it: one server per host (per run root), started on
// demand when a container on a lit network starts, and stopped when no lit
// network is left. Files, all watched by the server:
//   <run_root>/dns/config       every network's gateway and the upstreams,
//                               rewritten when a network comes or goes;
//   <run_root>/dns/names/<id>   one running container's names ("pid PID
//                               START" and its name and scope lines), written
//                               as it starts and removed as it stops: a start
//                               costs the same with 1 or 250 containers
//                               running, and the server serves the names only
//                               while that init lives (it holds a pidfd);
//   <run_root>/network/dns.pid  ("PID START_TIME"), dns.lock, and dns.synced
//                               (when a full sync last read the records).
#include <sys/types.h>

#include <cstdint>
#include <filesystem>
#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "network/dns/config.hpp"
#include "network/store.hpp"
#include "runtime/util/paths.hpp"

namespace lit::network {

// One container's names (pure): its name, aliases and short id, plain and as
// NAME.NETWORK, on each of `networks` it has an endpoint on; on several
// networks, each of its addresses is scoped to all of them.
dns::Config container_dns(const std::string& container_id,
                          const std::vector<NetworkRecord>& networks);

// The names/<id> file of a container whose init is (pid, start).
std::string container_dns_file(const std::string& container_id, pid_t pid, uint64_t start,
                               const std::vector<NetworkRecord>& networks);

// What the server must serve (pure, for tests): every network's gateway as a
// listen address, and container_dns of each running container.
dns::Config dns_config(
    const std::vector<NetworkRecord>& networks, const std::vector<uint32_t>& upstreams,
    const std::function<bool(const Endpoint&)>& running = [](const Endpoint& e) {
      return e.running();
    });

class DnsService {
 public:
  explicit DnsService(const Paths& paths);

  // Rewrites the config and every container's names from the network
  // records (O(containers): for networks coming and going, a server started
  // again, system check). With `start`, launches the server when a network
  // exists and none runs. With no network left, the server is stopped and
  // its files removed.
  // `leaving`: the id of a network whose record is about to go (not served).
  void sync(bool start, const std::string& leaving = {});

  // A container started (or its networks or name changed): writes its names
  // for its init (pid, start) from its endpoints on `networks` (those it is
  // attached to), and starts the server when none runs. O(1) in the number
  // of other containers, unless no server was ever configured (a full sync).
  void publish(const std::string& container_id, pid_t pid, uint64_t start,
               const std::vector<NetworkRecord>& networks);
  // The container stopped or leaves DNS: its names go.
  void withdraw(const std::string& container_id);

  // What the server is told to serve: the config and every names file, as one.
  dns::Config served() const;

  // The server's pid while it runs.
  std::optional<pid_t> running() const;

  std::filesystem::path config_path() const { return dir_ / "config"; }
  std::filesystem::path names_dir() const { return dir_ / "names"; }

 private:
  void sync_locked(bool start, const std::string& leaving);
  void launch();
  void stop_server();
  Paths paths_;
  std::filesystem::path dir_, pid_file_, lock_file_;
};

}  // namespace lit::network
