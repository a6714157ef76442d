#include "network/firewall.hpp"

#include <spdlog/spdlog.h>

#include <set>
#include <string>

#include "runtime/util/error.hpp"
#include "runtime/util/fs.hpp"

namespace lit::network {
namespace {

using nlohmann::json;

std::string port_name(const std::string& ip, uint16_t port, Proto proto) {
  return (ip.empty() ? std::string() : ip + ":") + std::to_string(port) + "/" +
         std::string(proto_name(proto));
}

bool same_port(const std::string& ip_a, uint16_t port_a, Proto proto_a, const std::string& ip_b,
               uint16_t port_b, Proto proto_b) {
  // "" is every address, so it overlaps with any specific one.
  return port_a == port_b && proto_a == proto_b && (ip_a.empty() || ip_b.empty() || ip_a == ip_b);
}

void check_conflicts(const ContainerPorts& ctr, const std::vector<Published>& taken) {
  std::string owner = nft::container_owner(ctr.id);
  for (size_t i = 0; i < ctr.ports.size(); ++i) {
    const PortMapping& p = ctr.ports[i];
    std::string name = port_name(p.host_ip, p.host_port, p.proto);
    for (size_t j = 0; j < i; ++j) {
      const PortMapping& q = ctr.ports[j];
      if (same_port(p.host_ip, p.host_port, p.proto, q.host_ip, q.host_port, q.proto))
        throw Error("publish host port", name, 0, "it is given twice in -p");
    }
    for (const auto& t : taken)
      if (t.owner != owner &&
          same_port(p.host_ip, p.host_port, p.proto, t.host_ip, t.host_port, t.proto))
        throw Error("publish host port",
                    name + ": already published by lit container " + t.owner.substr(4), 0,
                    "choose another host port");
    if (port_in_use(p.host_ip, p.host_port, p.proto))
      throw Error("publish host port", name + ": already in use on this host", 0,
                  "choose another host port");
  }
}

// Fills in host_port where it is 0 with a port free on the host and not in `taken`.
void choose_free(std::vector<PortMapping>& ports, const std::vector<Published>& taken) {
  for (auto& p : ports) {
    if (p.host_port != 0) continue;
    // The kernel's pick is free of sockets; lit's own DNATs bind none, so skip those.
    for (int attempt = 0; p.host_port == 0; ++attempt) {
      uint16_t cand = pick_free_port(p.proto, p.host_ip);
      bool clash = false;
      for (const auto& t : taken)
        clash |= same_port(p.host_ip, cand, p.proto, t.host_ip, t.host_port, t.proto);
      for (const auto& q : ports)
        clash |= &q != &p && same_port(p.host_ip, cand, p.proto, q.host_ip, q.host_port, q.proto);
      if (!clash)
        p.host_port = cand;
      else if (attempt > 100)
        throw Error("choose a free host port", "", 0, "give one with -p HOST:CONTAINER");
    }
  }
}

// The ports published in the listing, but for those of owners `gone` says
// are gone (added to `freed`) and of `own`, which is being replaced.
std::vector<Published> taken_ports(const std::optional<json>& table,
                                   const std::function<bool(const std::string&)>& gone,
                                   std::set<std::string>& freed, const std::string& own = "") {
  std::vector<Published> taken = table ? nft::published_ports(*table) : std::vector<Published>{};
  std::erase_if(taken, [&](const Published& p) {
    bool stale = p.owner != own && gone && gone(p.owner);
    if (stale) freed.insert(p.owner);
    return stale;
  });
  return taken;
}

// The table and its base chains, when the listing lacks them (see ensure_table()).
json setup_for(const std::optional<json>& table) {
  return table && nft::has_base_chains(*table) ? json::array() : nft::ensure_table();
}

}  // namespace

Firewall::Firewall(std::filesystem::path lock_file) : lock_file_(std::move(lock_file)) {
  make_dirs(lock_file_.parent_path());
}

nft::Context& Firewall::nft() {
  if (!nft_) nft_.emplace();
  return *nft_;
}

std::optional<json> Firewall::table() { return nft().list_lit_table(); }

std::vector<Published> Firewall::published() {
  auto t = table();
  return t ? nft::published_ports(*t) : std::vector<Published>{};
}

void Firewall::apply_network(const NetworkRules& net) {
  json add = nft::network_rules(net);  // validates before anything changes
  FileLock lock(lock_file_);
  std::string owner = nft::network_owner(net.id);
  auto t = table();
  json cmds = setup_for(t);
  if (t)
    for (auto& c : nft::delete_rules(nft::rules_owned_by(*t, owner))) cmds.push_back(c);
  for (auto& c : add) cmds.push_back(c);
  nft().run(nft::batch(cmds), "apply rules of " + owner);
}

ContainerPorts Firewall::publish(ContainerPorts ctr,
                                 const std::function<bool(const std::string& owner)>& gone) {
  FileLock lock(lock_file_);
  const std::string owner = nft::container_owner(ctr.id);
  auto t = table();
  std::set<std::string> freed;
  std::vector<Published> taken = taken_ports(t, gone, freed, owner);
  choose_free(ctr.ports, taken);
  check_conflicts(ctr, taken);
  json add = nft::port_rules(ctr);  // validates before anything changes
  json cmds = setup_for(t);
  if (t) {
    for (const auto& o : freed) {
      spdlog::info("free ports of {}: its process is gone", o);
      for (auto& c : nft::delete_rules(nft::rules_owned_by(*t, o))) cmds.push_back(c);
    }
    for (auto& c : nft::delete_rules(nft::rules_owned_by(*t, owner))) cmds.push_back(c);
  }
  for (auto& c : add) cmds.push_back(c);
  nft().run(nft::batch(cmds), "publish ports of " + owner);
  return ctr;
}

void Firewall::check_available(const ContainerPorts& ctr,
                               const std::function<bool(const std::string& owner)>& gone) {
  FileLock lock(lock_file_);
  auto t = table();
  std::set<std::string> freed;  // only at publish
  check_conflicts(ctr, taken_ports(t, gone, freed));
}

void Firewall::choose_host_ports(std::vector<PortMapping>& ports) {
  choose_free(ports, published());
}

size_t Firewall::remove_owner(std::string_view owner) {
  FileLock lock(lock_file_);
  auto t = table();
  if (!t) return 0;
  auto refs = nft::rules_owned_by(*t, owner);
  if (!refs.empty())
    nft().run(nft::batch(nft::delete_rules(refs)), "remove rules of " + std::string(owner));
  return refs.size();
}

bool Firewall::remove_table_if_empty() {
  FileLock lock(lock_file_);
  auto t = table();
  if (!t) return true;
  if (nft::rule_count(*t) != 0) return false;
  nft().run(nft::batch(nft::delete_table()), "delete table inet lit");
  return true;
}

void Firewall::delete_table() {
  FileLock lock(lock_file_);
  if (table()) nft().run(nft::batch(nft::delete_table()), "delete table inet lit");
}

void enable_route_localnet() { write_file("/proc/sys/net/ipv4/conf/all/route_localnet", "1"); }
void enable_ip_forward() { write_file("/proc/sys/net/ipv4/ip_forward", "1"); }

}  // namespace lit::network
