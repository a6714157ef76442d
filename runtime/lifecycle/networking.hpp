#pragma once
// What the container lifecycle asks of the network manager. The manager lives
// above the runtime (network/, which links against it), so the runtime only
// knows this interface; the CLI installs the implementation at start-up.
// Without one, only --network none and host are available.
#include <sys/types.h>

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "runtime/spec/published_port.hpp"
#include "runtime/util/paths.hpp"

namespace lit::runtime {

struct ContainerRecord;

// One network a container is attached to (`--network N`, `network connect`).
struct NetworkAttachment {
  std::string network;               // the network's name
  std::string network_id;            // filled at attach
  std::string ip;                    // asked with --ip, else the one allocated
  bool static_ip = false;            // --ip given: kept as asked
  std::vector<std::string> aliases;  // --network-alias
  std::string gateway;               // filled at attach
  unsigned prefix_len = 0;
  std::string interface;  // inside the container: eth0, eth1...
};

class NetworkHooks {
 public:
  virtual ~NetworkHooks() = default;
  // Before the record exists: checks the networks exist, -p and --ip, allocates
  // addresses (rec.networks filled in) and fills the spec's DNS and hosts
  // entries. Throws leaving nothing allocated.
  virtual void create(const Paths& paths, ContainerRecord& rec) = 0;
  // The init is in its namespaces (pid as the host sees it): links into its
  // network namespace, published ports, its names in DNS. Returns the ports
  // bound. Throws leaving nothing behind.
  virtual std::vector<PublishedPort> start(const Paths& paths, const ContainerRecord& rec,
                                           pid_t pid) = 0;
  // The container exited (or is being removed): its ports and DNS names go.
  // Its links died with its network namespace. Never throws; idempotent.
  virtual void stop(const Paths& paths, const ContainerRecord& rec) noexcept = 0;
  // The container is removed: stop(), then its addresses are released.
  virtual void remove(const Paths& paths, const ContainerRecord& rec) noexcept = 0;
};

// The installed manager, or nullptr.
NetworkHooks* network_hooks();
void install_network_hooks(std::unique_ptr<NetworkHooks> hooks);

}  // namespace lit::runtime
