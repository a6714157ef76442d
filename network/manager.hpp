#pragma once
// The network manager: what `lit network ...` and a container's life on a lit
// network do to records, links, firewall and DNS together. Every operation
// either completes or undoes what it did.
//   network create  record, bridge, isolation + NAT rules, DNS config
//   container create    addresses allocated (runtime::NetworkHooks::create)
//   container start     veths into its namespace, published ports, DNS names
//   container exit      ports and DNS names removed, veths deleted
//   container rm        addresses released
//   network rm      rules, bridge, record; the DNS server stops with the last network
#include <memory>
#include <string>
#include <vector>

#include "network/store.hpp"
#include "runtime/lifecycle/networking.hpp"
#include "runtime/state/record.hpp"
#include "runtime/util/paths.hpp"

namespace lit::network {

class Manager : public runtime::NetworkHooks {
 public:
  NetworkRecord create_network(const Paths& paths, const NetworkCreate& request);
  // Refused while containers are attached. Returns the removed record.
  NetworkRecord remove_network(const Paths& paths, const std::string& name_or_id);

  // `network connect`: records the attachment and, when the container runs,
  // attaches it at once (next free ethN, no default route). Returns the updated record.
  runtime::ContainerRecord connect(const Paths& paths, const runtime::ContainerRecord& rec,
                                   const std::string& network, const std::string& ip,
                                   const std::vector<std::string>& aliases);
  // `network disconnect`: the reverse; its primary network cannot be removed while it runs.
  runtime::ContainerRecord disconnect(const Paths& paths, const runtime::ContainerRecord& rec,
                                      const std::string& network);

  // runtime::NetworkHooks
  void create(const Paths& paths, runtime::ContainerRecord& rec) override;
  std::vector<runtime::PublishedPort> start(const Paths& paths, const runtime::ContainerRecord& rec,
                                            pid_t pid) override;
  void stop(const Paths& paths, const runtime::ContainerRecord& rec) noexcept override;
  void remove(const Paths& paths, const runtime::ContainerRecord& rec) noexcept override;
};

// Installs a Manager as the runtime's network hooks (lit's main does this).
void install_manager();

}  // namespace lit::network
