#pragma once
// What the container lifecycle asks of the network manager. The manager lives
// above the runtime (network/, which links against it), so the runtime only
// knows this interface; the CLI installs the implementation at start-up.
// Without one, only --network none and host are available.
//
// The manager sees a container as an Endpoint, never as its record: the
// runtime builds one from the record (endpoint_of) and writes back what the
// manager returns, so container records are read and written by the runtime
// alone.
#include <sys/types.h>

#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "runtime/spec/published_port.hpp"
#include "runtime/state/status.hpp"
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
  std::string interface;  // inside the container: eth0, eth1... or the name asked
  std::string mac;        // asked ("02:42:ac:11:00:02"); "" = derived from the address
  // The slot that names the host end of its veth (network::veth_name); unset
  // in records written before interfaces could be named: the N of ethN.
  std::optional<unsigned> slot;
};

// A container on lit networks (--network N) as the network manager sees it.
struct Endpoint {
  std::string id;
  std::string name;                         // for DNS and messages
  std::vector<NetworkAttachment> networks;  // the first one primary
  std::vector<PublishedPort> publish;       // as asked (host_port 0: chosen at start)
  // What runs of it, for start, connect and disconnect only: Running with its
  // init (pid as the host sees it, and its start time), Restarting (between
  // two inits), or neither.
  ContainerStatus status = ContainerStatus::Created;
  pid_t pid = 0;
  std::uint64_t pid_start_time = 0;
};

// `network connect NETWORK CONTAINER [--ip IP] [--alias A]`.
struct ConnectRequest {
  std::string network;  // name or id prefix
  std::string ip;       // empty: the next free address
  std::vector<std::string> aliases;
  std::string mac;        // empty: derived from the address
  std::string interface;  // its name in the container; empty: the next free ethN
};

// When a started container's names appear in lit's DNS: with the rest of its
// start, or once a held start is released (NetworkHooks::publish_names).
enum class Names { WithStart, Later };

// The runtime calls these only for containers on lit networks (--network N).
class NetworkHooks {
 public:
  virtual ~NetworkHooks() = default;
  // Before the record exists: checks the networks exist, -p and --ip, and
  // allocates addresses (endpoint.networks filled in). Throws leaving nothing
  // allocated.
  virtual void create(const Paths& paths, Endpoint& endpoint) = 0;
  // Its init (endpoint.pid, Running) is in its namespaces: links into its
  // network namespace, published ports, its names in DNS (Names::Later: not
  // yet). Returns the ports bound. Throws leaving nothing behind.
  virtual std::vector<PublishedPort> start(const Paths& paths, const Endpoint& endpoint,
                                           Names names) = 0;
  // After start(..., Names::Later): its names in DNS, now that it runs.
  virtual void publish_names(const Paths& paths, const Endpoint& endpoint) = 0;
  // The container exited (or is being removed): its ports and DNS names go.
  // Its links died with its network namespace. Never throws; idempotent.
  virtual void stop(const Paths& paths, const Endpoint& endpoint) noexcept = 0;
  // The container is removed: stop(), then its addresses are released.
  virtual void remove(const Paths& paths, const Endpoint& endpoint) noexcept = 0;
  // `network connect`: an address on the network and, when the container runs,
  // a link at once (next free ethN, no default route). `record` is called last
  // with the new attachment, to keep it in the container's record; when
  // anything throws, `record` included, the attachment is undone.
  virtual NetworkAttachment connect(
      const Paths& paths, const Endpoint& endpoint, const ConnectRequest& request,
      const std::function<void(const NetworkAttachment&)>& record) = 0;
  // `network disconnect`: the reverse (its primary network cannot be left
  // while it runs). Returns the id of the network left.
  virtual std::string disconnect(const Paths& paths, const Endpoint& endpoint,
                                 const std::string& network) = 0;
  // `rename`: the endpoint's new name (endpoint.name) answers in DNS on every
  // network, the old one no longer does. Throws leaving the old name.
  virtual void rename(const Paths& paths, const Endpoint& endpoint) = 0;
  // A running container's names no longer answer in DNS (it keeps its links
  // and ports): a start-first replacement takes the traffic before it stops.
  virtual void withdraw_names(const Paths& /*paths*/, const Endpoint& /*endpoint*/) noexcept {}
};

// The installed manager, or nullptr.
NetworkHooks* network_hooks();
void install_network_hooks(std::unique_ptr<NetworkHooks> hooks);

// The container's names leave DNS on its lit networks (it keeps running and
// connected); a no-op without a network manager or on other network modes.
void withdraw_names(const Paths& paths, const ContainerRecord& record) noexcept;

// The record's endpoint: id, name, networks and ports as asked (no observed state).
Endpoint endpoint_of(const ContainerRecord& record);

// False for a container on lit networks whose creation was cut short (a lit
// killed after writing its record, before its networks gave it addresses):
// it cannot start; `up` makes it again, `rm` removes it.
bool created_completely(const ContainerRecord& record);

// The spec's /etc/hosts address and nameserver (lit-dns answers on the
// gateway) follow the primary network.
void follow_primary_network(ContainerRecord& record);

// `network connect` and `network disconnect` of a container: its attachments
// change on the network side, then in its record (under the record's lock).
// Return the record as updated (unchanged when it was removed meanwhile).
ContainerRecord connect_container(const Paths& paths, const ContainerRecord& record,
                                  const ConnectRequest& request);
ContainerRecord disconnect_container(const Paths& paths, const ContainerRecord& record,
                                     const std::string& network);

}  // namespace lit::runtime
