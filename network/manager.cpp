#include "network/manager.hpp"

#include <arpa/inet.h>
#include <spdlog/spdlog.h>

#include <algorithm>
#include <charconv>
#include <set>

#include "network/dns_service.hpp"
#include "network/firewall.hpp"
#include "network/links.hpp"
#include "network/netlink.hpp"
#include "network/ports.hpp"
#include "runtime/state/liveness.hpp"
#include "runtime/state/record_store.hpp"
#include "runtime/util/error.hpp"

namespace lit::network {

using runtime::ContainerRecord;
using runtime::NetworkAttachment;
using runtime::PublishedPort;

namespace {

NetworkStore store(const Paths& paths) { return NetworkStore(networks_dir(paths.root)); }
Firewall firewall(const Paths& paths) {
  return Firewall(paths.run_root / "network" / "firewall.lock");
}

Ipv4Interface interface_of(Ipv4 address, unsigned prefix_len) {
  Ipv4Interface i;
  i.addr.s_addr = htonl(address.value());
  i.prefix_len = prefix_len;
  return i;
}

NetworkRules rules_of(const NetworkRecord& r) {
  return NetworkRules{r.id, bridge_name(r.id), r.subnet.to_string(), r.internal};
}

// The bridge with its gateway and the network's rules, (re)made: idempotent,
// so a start after a reboot (or after someone deleted the bridge) repairs them.
void ensure_network(Firewall& fw, const NetworkRecord& r) {
  ensure_bridge(bridge_name(r.id), interface_of(r.gateway, r.subnet.prefix()), r.mtu);
  fw.apply_network(rules_of(r));
  if (!r.internal) enable_ip_forward();
}

// At a container's start: the bridge and the rules are made together and die
// together (a reboot), so an existing bridge means both are there. This spares
// each start an nftables round trip (~9 ms here).
void ensure_network_for_start(Firewall& fw, const NetworkRecord& r) {
  if (nl::get_link(nl::Socket::connect(), bridge_name(r.id))) {
    if (!r.internal) enable_ip_forward();
    return;
  }
  ensure_network(fw, r);
}

// "eth3" -> 3.
unsigned interface_index(const std::string& name) {
  unsigned n = 0;
  if (name.size() <= 3 ||
      std::from_chars(name.data() + 3, name.data() + name.size(), n).ec != std::errc())
    throw Error("bad interface name in container record: " + name);
  return n;
}

std::string next_interface(const std::vector<NetworkAttachment>& networks) {
  std::set<unsigned> used;
  for (const auto& a : networks) used.insert(interface_index(a.interface));
  unsigned i = 0;
  while (used.contains(i)) ++i;
  return "eth" + std::to_string(i);
}

// Gives the container an address on the network and fills the attachment.
void attach_record(NetworkStore& networks, const ContainerRecord& rec, NetworkAttachment& a) {
  AttachRequest req{rec.id, rec.name, a.ip.empty() ? std::nullopt : std::optional(a.ip), a.aliases};
  NetworkRecord net = networks.lookup(a.network);
  Endpoint e = networks.attach(net.id, req);
  a.network = net.name;
  a.network_id = net.id;
  a.ip = e.address.to_string();
  a.static_ip = e.static_address;
  a.gateway = net.gateway.to_string();
  a.prefix_len = net.subnet.prefix();
}

// Links one attachment into the container's namespace.
void link_into(int netns_fd, const ContainerRecord& rec, const NetworkAttachment& a,
               const NetworkRecord& net, bool primary) {
  ContainerLink link;
  link.mtu = net.mtu;
  link.netns_fd = netns_fd;
  link.bridge = bridge_name(a.network_id);
  link.host_name = veth_name(rec.id, interface_index(a.interface));
  link.inside_name = a.interface;
  auto ip = Ipv4::try_parse(a.ip);
  auto gw = Ipv4::try_parse(a.gateway);
  if (!ip || !gw) throw Error("bad address of container " + rec.name + " on network " + a.network);
  link.address = interface_of(*ip, a.prefix_len);
  if (primary) link.gateway = interface_of(*gw, 32).addr;
  attach_container(link);
}

// A container's published ports on its primary network, host ports chosen.
ContainerPorts container_ports(const ContainerRecord& rec, const NetworkRecord& primary,
                               Firewall& fw) {
  ContainerPorts ports{rec.id, rec.networks.at(0).ip, primary.subnet.to_string(), rec.publish};
  fw.choose_host_ports(ports.ports);
  return ports;
}

// The spec's /etc/hosts address and nameserver follow the primary network.
void follow_primary(ContainerRecord& r) {
  r.spec.address = r.networks.empty() ? "" : r.networks[0].ip;
  r.spec.dns_servers.clear();
  if (!r.networks.empty()) r.spec.dns_servers.push_back(r.networks[0].gateway);
}

// Ports published for a container whose process is gone (killed with its
// supervisor, or before a reboot, so its exit was never recorded) are freed.
void release_stale_ports(const NetworkStore& networks, Firewall& fw) {
  std::set<std::string> live;
  for (const auto& net : networks.list())
    for (const auto& [id, e] : net.endpoints)
      if (e.running()) live.insert(nft::container_owner(id));
  std::set<std::string> stale;
  for (const auto& p : fw.published())
    if (p.owner.starts_with("ctr:") && !live.contains(p.owner)) stale.insert(p.owner);
  for (const auto& owner : stale) {
    spdlog::info("free ports of {}: its process is gone", owner);
    fw.remove_owner(owner);
  }
}

template <typename F>
void best_effort(const char* what, const std::string& name, F&& f) noexcept {
  try {
    f();
  } catch (const std::exception& e) {
    spdlog::warn("{} of container {}: {}", what, name, e.what());
  }
}

}  // namespace

NetworkRecord Manager::create_network(const Paths& paths, const NetworkCreate& request) {
  NetworkStore networks = store(paths);
  NetworkRecord r = networks.create(request);
  Firewall fw = firewall(paths);
  try {
    ensure_network(fw, r);
    DnsService(paths).sync(false);  // a running server starts listening on the new gateway
  } catch (Error& e) {
    best_effort("undo", r.name, [&] { fw.remove_owner(nft::network_owner(r.id)); });
    best_effort("undo", r.name, [&] { delete_link(bridge_name(r.id)); });
    best_effort("undo", r.name, [&] { networks.remove(r.id); });
    throw e.context("create network " + r.name);
  }
  return r;
}

NetworkRecord Manager::remove_network(const Paths& paths, const std::string& name_or_id) {
  NetworkRecord r = store(paths).remove(name_or_id);
  Firewall fw = firewall(paths);
  fw.remove_owner(nft::network_owner(r.id));
  fw.remove_table_if_empty();
  delete_link(bridge_name(r.id));
  DnsService(paths).sync(false);  // stops the server with the last network
  return r;
}

void Manager::create(const Paths& paths, ContainerRecord& rec) {
  std::vector<PortMapping> ports = rec.publish;
  NetworkStore networks = store(paths);
  std::vector<std::string> attached;
  try {
    for (auto& a : rec.networks) {
      attach_record(networks, rec, a);
      attached.push_back(a.network_id);
    }
    std::erase_if(ports, [](const PortMapping& p) { return p.host_port == 0; });
    if (!ports.empty()) {
      Firewall fw = firewall(paths);
      release_stale_ports(networks, fw);
      fw.check_available(ContainerPorts{rec.id, "", "", ports});
    }
  } catch (...) {
    for (const auto& id : attached)
      best_effort("release address", rec.name, [&] { networks.detach(id, rec.id); });
    throw;
  }
  follow_primary(rec);
}

std::vector<PublishedPort> Manager::start(const Paths& paths, const ContainerRecord& rec,
                                          pid_t pid) {
  NetworkStore networks = store(paths);
  Firewall fw = firewall(paths);
  std::vector<PublishedPort> bound;
  try {
    if (rec.networks.empty()) {  // disconnected from all: loopback only, as docker
      if (!rec.publish.empty())
        throw Error("publish ports of container " + rec.name + ": it is connected to no network")
            .with_hint("connect it to one: lit network connect NETWORK " + rec.name);
      return bound;
    }
    UniqueFd netns = open_netns(pid);
    std::vector<NetworkRecord> joined;
    for (size_t i = 0; i < rec.networks.size(); ++i) {
      const NetworkAttachment& a = rec.networks[i];
      joined.push_back(networks.lookup(a.network_id));
      ensure_network_for_start(fw, joined.back());
      link_into(netns.get(), rec, a, joined.back(), i == 0);
    }
    networks.set_running(rec.id, pid, runtime::process_start_time(pid));
    if (!rec.publish.empty()) {
      release_stale_ports(networks, fw);
      ContainerPorts ports = container_ports(rec, joined.front(), fw);
      enable_route_localnet();  // published ports answer on 127.0.0.1 too
      fw.publish(ports);
      for (const auto& p : ports.ports) bound.push_back(p);
    }
    DnsService(paths).sync(true);
  } catch (Error& e) {
    stop(paths, rec);
    throw e.context("connect container " + rec.name + " to its networks");
  }
  return bound;
}

void Manager::stop(const Paths& paths, const ContainerRecord& rec) noexcept {
  // Only a container on lit networks has ports, names or links (connect refuses the others).
  if (rec.spec.network != runtime::NetworkMode::Bridge) return;
  if (!rec.publish.empty())
    best_effort("unpublish ports", rec.name,
                [&] { firewall(paths).remove_owner(nft::container_owner(rec.id)); });
  best_effort("remove DNS names", rec.name, [&] {
    if (store(paths).set_running(rec.id, 0, 0) > 0) DnsService(paths).sync(false);
  });
  // The veths die with the container's namespace, but not at once: deleting
  // them now lets a restart reuse their names and `ip link` show none.
  for (const auto& a : rec.networks)
    best_effort("delete link", rec.name,
                [&] { delete_link(veth_name(rec.id, interface_index(a.interface))); });
}

void Manager::remove(const Paths& paths, const ContainerRecord& rec) noexcept {
  if (rec.spec.network != runtime::NetworkMode::Bridge) return;  // holds no addresses
  stop(paths, rec);
  best_effort("release addresses", rec.name, [&] {
    NetworkStore networks = store(paths);
    for (const auto& net : networks.networks_of(rec.id)) networks.detach(net.id, rec.id);
  });
}

ContainerRecord Manager::connect(const Paths& paths, const ContainerRecord& rec,
                                 const std::string& network, const std::string& ip,
                                 const std::vector<std::string>& aliases) {
  if (rec.spec.network != runtime::NetworkMode::Bridge)
    throw Error("connect container " + rec.name + " to network " + network +
                ": it runs with --network " +
                std::string(runtime::network_mode_name(rec.spec.network)))
        .with_hint("only containers started on a lit network can join more");
  NetworkStore networks = store(paths);
  NetworkAttachment a{network, "", ip, !ip.empty(), aliases, "", 0, next_interface(rec.networks)};
  attach_record(networks, rec, a);
  runtime::RecordStore records(paths);
  ContainerRecord updated = rec;
  try {
    auto st = runtime::observed_state(rec);
    if (st.status == runtime::ContainerStatus::Running) {
      Firewall fw = firewall(paths);
      NetworkRecord net = networks.lookup(a.network_id);
      ensure_network(fw, net);
      UniqueFd netns = open_netns(st.pid);
      link_into(netns.get(), rec, a, net, false);
      networks.set_running(rec.id, st.pid, rec.state.pid_start_time);
      DnsService(paths).sync(true);
    }
    records.update(rec.id, [&](ContainerRecord& r) {
      r.networks.push_back(a);
      follow_primary(r);
      updated = r;
    });
  } catch (...) {
    best_effort("undo connect", rec.name,
                [&] { delete_link(veth_name(rec.id, interface_index(a.interface))); });
    best_effort("undo connect", rec.name, [&] { networks.detach(a.network_id, rec.id); });
    best_effort("undo connect", rec.name, [&] { DnsService(paths).sync(false); });
    throw;
  }
  return updated;
}

ContainerRecord Manager::disconnect(const Paths& paths, const ContainerRecord& rec,
                                    const std::string& network) {
  NetworkStore networks = store(paths);
  NetworkRecord net = networks.lookup(network);
  auto it = std::find_if(rec.networks.begin(), rec.networks.end(),
                         [&](const NetworkAttachment& a) { return a.network_id == net.id; });
  if (it == rec.networks.end())
    throw Error("container " + rec.name + " is not connected to network " + net.name);
  auto st = runtime::observed_state(rec);
  bool running = st.status == runtime::ContainerStatus::Running ||
                 st.status == runtime::ContainerStatus::Restarting;
  if (running && it == rec.networks.begin())
    throw Error("disconnect container " + rec.name + " from network " + net.name +
                ": it is the container's primary network (its default route and published ports)")
        .with_hint("stop the container first");
  if (running) delete_link(veth_name(rec.id, interface_index(it->interface)));
  networks.detach(net.id, rec.id);
  DnsService(paths).sync(false);
  ContainerRecord updated = rec;
  runtime::RecordStore(paths).update(rec.id, [&](ContainerRecord& r) {
    std::erase_if(r.networks, [&](const NetworkAttachment& a) { return a.network_id == net.id; });
    follow_primary(r);
    updated = r;
  });
  return updated;
}

void install_manager() { runtime::install_network_hooks(std::make_unique<Manager>()); }

}  // namespace lit::network
