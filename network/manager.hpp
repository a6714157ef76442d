#pragma once
// The network manager: what `lit network ...` and a container's life on a lit
// network do to network records, links, firewall and DNS together. It sees a
// container as a runtime::Endpoint; the runtime keeps the container's record.
// Every operation either completes or undoes what it did.
//   network create  record, bridge, isolation + NAT rules, DNS config
//   container create    addresses allocated (runtime::NetworkHooks::create)
//   container start     veths into its namespace, published ports, DNS names
//   container exit      ports and DNS names removed, veths deleted
//   container rm        addresses released
//   container rename    its endpoints' name, DNS config
//   network connect     an address and, when it runs, a veth at once (disconnect: the reverse)
//   network rm      rules, bridge, record; the DNS server stops with the last network
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "network/store.hpp"
#include "runtime/lifecycle/networking.hpp"
#include "runtime/util/paths.hpp"

namespace lit::network {

class Manager : public runtime::NetworkHooks {
 public:
  NetworkRecord create_network(const Paths& paths, const NetworkCreate& request);
  // Refused while containers are attached. Returns the removed record.
  NetworkRecord remove_network(const Paths& paths, const std::string& name_or_id);

  // runtime::NetworkHooks: a container's side (`network connect` and
  // `disconnect` through runtime::connect_container and disconnect_container,
  // which keep the container's record).
  void create(const Paths& paths, runtime::Endpoint& ep) override;
  std::vector<runtime::PublishedPort> start(const Paths& paths, const runtime::Endpoint& ep,
                                            runtime::Names names) override;
  void publish_names(const Paths& paths, const runtime::Endpoint& ep) override;
  void stop(const Paths& paths, const runtime::Endpoint& ep) noexcept override;
  void remove(const Paths& paths, const runtime::Endpoint& ep) noexcept override;
  runtime::NetworkAttachment connect(
      const Paths& paths, const runtime::Endpoint& ep, const runtime::ConnectRequest& request,
      const std::function<void(const runtime::NetworkAttachment&)>& record) override;
  std::string disconnect(const Paths& paths, const runtime::Endpoint& ep,
                         const std::string& network) override;
  void rename(const Paths& paths, const runtime::Endpoint& ep) override;
  void withdraw_names(const Paths& paths, const runtime::Endpoint& ep) noexcept override;
};

// Installs a Manager as the runtime's network hooks (lit's main does this).
void install_manager();

}  // namespace lit::network
