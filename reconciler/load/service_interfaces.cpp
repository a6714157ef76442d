// mac_address (the service's and per network) and interface_name: each value
// read with the runtime's rules, then checked across the service's networks.
#include <algorithm>
#include <cctype>
#include <map>

#include "reconciler/load/normalize.hpp"
#include "reconciler/load/values.hpp"
#include "runtime/spec/options.hpp"

namespace lit::reconciler::load {

namespace {

std::string lower(std::string s) {
  std::ranges::transform(s, s.begin(), [](unsigned char c) { return std::tolower(c); });
  return s;
}

// compose-go's NetworksByPriority: highest priority first, then by name.
std::string primary_network(const Service& s) {
  std::string best;
  int best_priority = 0;
  for (const auto& [name, sn] : s.networks)  // sorted by name: the first of a priority wins
    if (best.empty() || sn.priority > best_priority) {
      best = name;
      best_priority = sn.priority;
    }
  return best;
}

// The node of services.NAME.networks.NET.KEY, else the service's.
const Node& network_key(const Node& service, const std::string& network, const char* key) {
  const Node* nets = service.find("networks");
  const Node* net = nets && nets->is_map() ? nets->find(network) : nullptr;
  const Node* value = net && net->is_map() ? net->find(key) : nullptr;
  return value ? *value : service;
}

}  // namespace

std::string as_mac_address(const Node& n, const std::string& path) {
  std::string text = as_string(n, path);
  runtime_parse(n, path, [&] { return runtime::parse_mac_address(text); });
  return text;
}

std::string as_interface_name(const Node& n, const std::string& path) {
  std::string text = as_string(n, path);
  return runtime_parse(n, path, [&] { return runtime::parse_interface_name(text); });
}

void check_interfaces(const Node& service, const std::string& path, const Service& s) {
  if (!s.mac_address.empty() && !s.networks.empty()) {
    // docker compose: the service's MAC is the primary network's; both given must agree.
    std::string primary = primary_network(s);
    const std::string& own = s.networks.at(primary).mac_address;
    if (!own.empty() && lower(own) != lower(s.mac_address))
      fail(*service.find("mac_address"), sub(path, "mac_address"),
           "the service-level mac_address should have the same value as network " + primary + " (" +
               own + "); remove one of them");
  }
  std::map<std::string, std::string> named;  // interface -> network
  for (const auto& [network, sn] : s.networks) {
    if (sn.interface_name.empty()) continue;
    auto [it, fresh] = named.emplace(sn.interface_name, network);
    if (!fresh)
      fail(network_key(service, network, "interface_name"),
           sub(sub(sub(path, "networks"), network), "interface_name"),
           "interface " + sn.interface_name + " is also network " + it->second +
               "'s: give each network its own interface_name");
  }
}

}  // namespace lit::reconciler::load
