#include "network/leftovers.hpp"

#include <algorithm>
#include <filesystem>
#include <set>
#include <string>

#include "network/build_network.hpp"
#include "network/dns/config.hpp"
#include "network/dns_service.hpp"
#include "network/firewall.hpp"
#include "network/home_netns.hpp"
#include "network/links.hpp"
#include "network/nft_rules.hpp"
#include "network/store.hpp"
#include "runtime/util/error.hpp"
#include "runtime/util/fs.hpp"

namespace lit::network {

namespace fs = std::filesystem;
using runtime::Leftover;
using runtime::LeftoverKind;

namespace {

std::string short_id(std::string_view id) { return std::string(id.substr(0, 12)); }

Firewall firewall_of(const Paths& paths) {
  return Firewall(paths.run_root / "network" / "firewall.lock");
}

// What --fix does, where lit's networks live (the removal runs later, maybe
// on another thread).
template <typename F>
std::function<void()> at_home(F fn) {
  return [fn] { in_home_netns([&] { fn(); }); };
}

void link_leftovers(const std::vector<NetworkRecord>& networks,
                    const runtime::ContainerCensus& census, std::vector<Leftover>& out) {
  const std::string bridge_prefix = std::string(kLinkPrefix) + "-";
  for (const auto& link : lit_links()) {
    std::string why;
    if (link.starts_with(bridge_prefix)) {
      const std::string id = link.substr(bridge_prefix.size());
      bool ours = std::any_of(networks.begin(), networks.end(),
                              [&](const NetworkRecord& n) { return bridge_name(n.id) == link; });
      if (!ours) why = "bridge of network " + id + ", which has no record";
    } else if (link.size() > kLinkPrefix.size() + 11) {
      const std::string prefix = link.substr(kLinkPrefix.size(), 11);
      if (!census.live_prefix(prefix))
        why = "veth of container " + prefix +
              (census.known_prefix(prefix) ? ", which does not run" : ", which has no record");
    }
    if (why.empty()) continue;
    out.push_back({LeftoverKind::Link, link, why, at_home([link] { delete_link(link); })});
  }
}

void rule_leftovers(const Paths& paths, const std::vector<NetworkRecord>& networks,
                    const runtime::ContainerCensus& census, std::vector<Leftover>& out) {
  auto table = firewall_of(paths).table();
  if (!table) return;
  for (const auto& owner : nft::rule_owners(*table)) {
    const auto colon = owner.find(':');
    if (colon == std::string::npos) continue;
    const std::string kind = owner.substr(0, colon), id = owner.substr(colon + 1);
    std::string why;
    if (kind == "net" && std::none_of(networks.begin(), networks.end(),
                                      [&](const NetworkRecord& n) { return n.id == id; }))
      why = "their network " + short_id(id) + " has no record";
    else if (kind == "ctr" && !census.live(id))
      why = "their container " + census.describe(id) + " does not run";
    if (why.empty()) continue;
    const size_t count = nft::rules_owned_by(*table, owner).size();
    out.push_back({LeftoverKind::FirewallRules,
                   std::to_string(count) + " in table inet lit, owner " + owner, why,
                   at_home([paths, owner] { firewall_of(paths).remove_owner(owner); })});
  }
}

// A killed build's network, with the endpoints of its RUNs (they died with it).
void build_network_leftovers(const Paths& paths, const std::vector<NetworkRecord>& networks,
                             std::vector<Leftover>& out) {
  for (const auto& net : networks) {
    if (!build_network_abandoned(net.name)) continue;
    const std::string name = net.name;
    out.push_back({LeftoverKind::Network, name,
                   "the network of build " + std::to_string(*build_network_owner(name)) +
                       ", which no longer runs (killed before it could remove it)",
                   at_home([paths, name] { remove_build_network(paths, name); })});
  }
}

void endpoint_leftovers(const Paths& paths, const std::vector<NetworkRecord>& networks,
                        const runtime::ContainerCensus& census, std::vector<Leftover>& out) {
  for (const auto& net : networks) {
    if (build_network_abandoned(net.name)) continue;  // goes as a whole
    for (const auto& [id, e] : net.endpoints) {
      if (census.known(id)) continue;
      const std::string name = net.name;
      const std::string container = id;
      out.push_back({LeftoverKind::Endpoint,
                     e.address.to_string() + " on network " + name + " (" + e.container_name + ")",
                     "its container " + short_id(id) + " has no record", at_home([=] {
                       NetworkStore(networks_dir(paths.root)).detach(name, container);
                       DnsService(paths).sync(false);
                     })});
    }
  }
}

// The endpoints directory of a network with no record (its record deleted by
// hand, or the network removed by an older lit): a later network of that name
// would otherwise find those addresses taken.
void stray_endpoint_leftovers(const Paths& paths, std::vector<Leftover>& out) {
  NetworkStore store(networks_dir(paths.root));
  for (const auto& name : store.stray_endpoint_dirs()) {
    out.push_back({LeftoverKind::Endpoint, store.endpoints_dir(name).string(),
                   "the endpoints of network " + name + ", which has no record", [paths, name] {
                     NetworkStore(networks_dir(paths.root)).remove_stray_endpoint_dir(name);
                   }});
  }
}

void dns_leftovers(const Paths& paths, const std::vector<NetworkRecord>& networks,
                   std::vector<Leftover>& out) {
  DnsService dns(paths);
  const std::optional<pid_t> serving = dns.running();
  for (const auto& p : runtime::helper_processes("lit-dns")) {
    if (p.args.size() < 2 || fs::path(p.args[1]) != dns.config_path()) continue;
    std::string why;
    if (networks.empty())
      why = "no lit network is left";
    else if (serving && *serving != p.pid)
      why = "a second DNS server: pid " + std::to_string(*serving) + " is the one on record";
    if (why.empty()) continue;
    const std::string what = "pid " + std::to_string(p.pid) + " (lit-dns)";
    out.push_back(
        {LeftoverKind::Process, what, why, [p, what] { runtime::kill_leftover(p, what); }});
  }
  dns::Config served;
  try {
    served = dns.served();
  } catch (const Error&) {
    return;  // no server configured
  }
  const dns::Config wanted = dns_config(networks, served.upstreams);
  std::set<std::string> stale;
  for (const auto& [key, addresses] : served.names)
    if (!wanted.names.contains(key)) stale.insert(key.second);
  if (stale.empty()) return;
  std::string names;
  for (const auto& n : stale) names += (names.empty() ? "" : ", ") + n;
  out.push_back({LeftoverKind::DnsNames, names,
                 "given to the DNS server, but no running container has them",
                 at_home([paths] { DnsService(paths).sync(false); })});
}

}  // namespace

std::vector<Leftover> network_leftovers(const Paths& paths,
                                        const runtime::ContainerCensus& census) {
  return in_home_netns([&] {
    std::vector<Leftover> out;
    const auto networks = NetworkStore(networks_dir(paths.root)).list();
    link_leftovers(networks, census, out);
    rule_leftovers(paths, networks, census, out);
    endpoint_leftovers(paths, networks, census, out);
    stray_endpoint_leftovers(paths, out);
    build_network_leftovers(paths, networks, out);
    dns_leftovers(paths, networks, out);
    return out;
  });
}

}  // namespace lit::network
