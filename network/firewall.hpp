#pragma once
// lit's firewall: one nftables table (inet "lit") and nothing else. Networks
// get isolation and masquerade (or no egress when internal); containers get
// their published ports. Each rule is tagged with its owner, so removing a
// network or container deletes exactly its rules.
#include <cstddef>
#include <filesystem>
#include <functional>
#include <nlohmann/json.hpp>
#include <optional>
#include <string_view>
#include <vector>

#include "network/nft.hpp"
#include "network/nft_rules.hpp"
#include "network/ports.hpp"

namespace lit::network {

using nft::ContainerPorts;
using nft::NetworkRules;
using nft::Published;

class Firewall {
 public:
  // lock_file serializes lit processes changing the table (e.g.
  // <run_root>/network/firewall.lock), so "remove if empty" cannot race an add.
  explicit Firewall(std::filesystem::path lock_file);

  // Adds the table if needed and (re)places the network's rules, in one batch.
  void apply_network(const NetworkRules& net);
  // Same for a container's published ports, returned as published: a host
  // port 0 is chosen first (as choose_host_ports). A host port published by
  // another lit container, or bound by a host process, is refused before any
  // change. Owners for which `gone` is true (containers whose process is gone)
  // lose their rules in the same batch, and their ports are free to take. One
  // read of the table and one transaction, under the lock.
  ContainerPorts publish(ContainerPorts ctr,
                         const std::function<bool(const std::string& owner)>& gone = {});
  // The refusal publish() would give, without changing anything (host ports
  // already chosen): to refuse a container before it is created.
  void check_available(const ContainerPorts& ctr,
                       const std::function<bool(const std::string& owner)>& gone = {});
  // Fills in host_port where it is 0 with a port free on the host and not
  // published by lit.
  void choose_host_ports(std::vector<PortMapping>& ports);

  // Deletes every rule tagged `owner` ("net:<id>", "ctr:<id>"); returns how many.
  size_t remove_owner(std::string_view owner);
  // Deletes the table when no rule is left in it; true when it is gone.
  bool remove_table_if_empty();
  void delete_table();

  std::vector<Published> published();
  // The table as libnftables JSON (with handles), nullopt when absent.
  std::optional<nlohmann::json> table();

 private:
  // libnftables, opened on first use: a container start on an existing
  // network needs no firewall change, and the library and its context cost
  // ~2.5 ms to set up.
  nft::Context& nft();

  std::filesystem::path lock_file_;
  std::optional<nft::Context> nft_;
};

// Lets DNAT send 127.0.0.1-sourced packets out of loopback, so published ports
// answer on 127.0.0.1 (net.ipv4.conf.all.route_localnet=1, this namespace only).
void enable_route_localnet();
// net.ipv4.ip_forward=1 for the namespace lit manages.
void enable_ip_forward();

}  // namespace lit::network
