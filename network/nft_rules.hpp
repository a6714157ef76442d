#pragma once
// Pure builders of the libnftables JSON (libnftables-json(5)) for lit's one
// table, inet "lit", and readers of its listing. No kernel access: unit-tested.
// Every rule carries a comment naming its owner ("net:<id>", "ctr:<id>"), so
// removal deletes exactly that owner's rules, found by handle.
#include <cstdint>
#include <nlohmann/json.hpp>
#include <string>
#include <string_view>
#include <vector>

#include "network/ports.hpp"

namespace lit::network::nft {

using json = nlohmann::json;

inline constexpr std::string_view kFamily = "inet";
inline constexpr std::string_view kTable = "lit";
// Every lit bridge is named lit-...; isolation drops forwarding into any of them.
inline constexpr std::string_view kBridgeGlob = "lit-*";

std::string network_owner(std::string_view network_id);      // "net:<id>"
std::string container_owner(std::string_view container_id);  // "ctr:<id>"

// A lit network as the firewall sees it.
struct NetworkRules {
  std::string id;
  std::string bridge;  // e.g. "lit-1a2b3c"
  std::string subnet;  // IPv4 CIDR, e.g. "10.90.3.0/24"
  bool internal = false;
};

// A container's published ports (host ports already chosen, none 0).
struct ContainerPorts {
  std::string id;
  std::string container_ip;  // IPv4, on the network below
  std::string subnet;        // the container's network (for hairpin masquerade)
  std::vector<PortMapping> ports;
};

// Where one rule sits, for deleting it by handle.
struct RuleRef {
  std::string chain;
  int64_t handle = 0;
  bool operator==(const RuleRef&) const = default;
};

// A port lit's table forwards, read back from the prerouting chain.
struct Published {
  std::string owner;
  std::string host_ip;  // "" for every host address
  uint16_t host_port = 0;
  Proto proto = Proto::Tcp;
};

// {"nftables": [cmds...]}: one batch, applied atomically by the kernel.
json batch(const json& cmds);

// "add table" and "add chain" commands: idempotent (adding what exists is a
// no-op), but not free: the kernel takes an "add chain" of an existing base
// chain as an update, and a batch with one waits ~13 ms (against ~0.5 ms for
// a rule). Sent only when the table lacks them (has_base_chains).
json ensure_table();
// "add rule" commands for a network: isolation, and masquerade or (internal) no egress.
json network_rules(const NetworkRules& net);
// "add rule" commands for a container's published ports: DNAT from other hosts
// (prerouting) and from the host itself (output), masquerade for 127.0.0.1 and hairpin.
json port_rules(const ContainerPorts& ctr);
json delete_rules(const std::vector<RuleRef>& rules);
json delete_table();
json list_table();

// Readers of a `list table inet lit` JSON output.
std::vector<RuleRef> rules_owned_by(const json& listing, std::string_view owner);
// The owners of the rules in the listing ("net:<id>", "ctr:<id>"), sorted.
std::vector<std::string> rule_owners(const json& listing);
size_t rule_count(const json& listing);
// Whether the listing has lit's table with the four base chains ensure_table() makes.
bool has_base_chains(const json& listing);
std::vector<Published> published_ports(const json& listing);

}  // namespace lit::network::nft
