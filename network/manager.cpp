#include "network/manager.hpp"

#include <arpa/inet.h>
#include <spdlog/spdlog.h>

#include <algorithm>
#include <charconv>
#include <functional>
#include <map>
#include <memory>
#include <set>

#include "network/dns_service.hpp"
#include "network/firewall.hpp"
#include "network/home_netns.hpp"
#include "network/links.hpp"
#include "network/ports.hpp"
#include "runtime/events/journal.hpp"
#include "runtime/util/error.hpp"

namespace lit::network {

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
// The bridge comes up last, so an up bridge means the rest is there, even
// after a lit killed half-way through (tests/reliability/kill-points.sh).
void ensure_network(Firewall& fw, const NetworkRecord& r) {
  const std::string bridge = bridge_name(r.id);
  ensure_bridge(bridge, interface_of(r.gateway, r.subnet.prefix()), r.mtu, false);
  fw.apply_network(rules_of(r));
  if (!r.internal) enable_ip_forward();
  bring_up_link(bridge);
}

// At a container's start: the bridge and the rules are made together and die
// together (a reboot), and the bridge comes up last, so an up bridge means
// both are there. This spares each start an nftables round trip (~9 ms here).
void ensure_network_for_start(Firewall& fw, const NetworkRecord& r) {
  if (link_up(bridge_name(r.id))) {
    if (!r.internal) enable_ip_forward();
    return;
  }
  ensure_network(fw, r);
}

// The slot naming the host end of an attachment's veth: recorded, or in a
// record older than named interfaces, the N of its "ethN".
unsigned slot_of(const NetworkAttachment& a) {
  if (a.slot) return *a.slot;
  const std::string& name = a.interface;
  unsigned n = 0;
  if (name.size() <= 3 || !name.starts_with("eth") ||
      std::from_chars(name.data() + 3, name.data() + name.size(), n).ec != std::errc())
    throw Error("bad interface name in container record: " + name);
  return n;
}

std::string host_end(const runtime::Endpoint& ep, const NetworkAttachment& a) {
  return veth_name(ep.id, slot_of(a));
}

// A new attachment's slot and interface: the first free slot; the name asked
// (unless another attachment has it), else the first free ethN.
void place_attachment(const std::vector<NetworkAttachment>& networks, NetworkAttachment& a) {
  std::set<unsigned> slots;
  std::set<std::string> names;
  for (const auto& n : networks) {
    slots.insert(slot_of(n));
    names.insert(n.interface);
  }
  unsigned slot = 0;
  while (slots.contains(slot)) ++slot;
  a.slot = slot;
  if (!a.interface.empty()) {
    if (names.contains(a.interface))
      throw Error("connect to network " + a.network + ": interface " + a.interface +
                  " is already used by another network of the container")
          .with_hint("give this network another interface name");
    return;
  }
  unsigned i = 0;
  while (names.contains("eth" + std::to_string(i))) ++i;
  a.interface = "eth" + std::to_string(i);
}

// Gives the container an address on the network and fills the attachment.
void attach_record(NetworkStore& networks, const runtime::Endpoint& ep, NetworkAttachment& a) {
  AttachRequest req{ep.id, ep.name, a.ip.empty() ? std::nullopt : std::optional(a.ip), a.aliases};
  NetworkRecord net = networks.lookup(a.network, Endpoints::Skip);
  Endpoint e = networks.attach(net.id, req);
  a.network = net.name;
  a.network_id = net.id;
  a.ip = e.address.to_string();
  a.static_ip = e.static_address;
  a.gateway = net.gateway.to_string();
  a.prefix_len = net.subnet.prefix();
}

// Links one attachment into the container's namespace.
void link_into(int netns_fd, const runtime::Endpoint& ep, const NetworkAttachment& a,
               const NetworkRecord& net, bool primary) {
  ContainerLink link;
  link.mtu = net.mtu;
  link.netns_fd = netns_fd;
  link.bridge = bridge_name(a.network_id);
  link.host_name = host_end(ep, a);
  link.inside_name = a.interface;
  link.mac = a.mac;
  auto ip = Ipv4::try_parse(a.ip);
  auto gw = Ipv4::try_parse(a.gateway);
  if (!ip || !gw) throw Error("bad address of container " + ep.name + " on network " + a.network);
  link.address = interface_of(*ip, a.prefix_len);
  if (primary) link.gateway = interface_of(*gw, 32).addr;
  attach_container(link);
}

// Whether published ports belong to a container whose process is gone
// (killed with its supervisor, or before a reboot, so its exit was never
// recorded): those are freed. Only the owners of published ports are looked
// up, each once, by their own endpoints.
std::function<bool(const std::string&)> stale_port_owner(const NetworkStore& networks) {
  auto gone = std::make_shared<std::map<std::string, bool>>();
  return [networks, gone](const std::string& owner) {
    if (!owner.starts_with("ctr:")) return false;
    auto [it, fresh] = gone->emplace(owner, true);
    if (!fresh) return it->second;
    const std::string id = owner.substr(4);
    for (const auto& net : networks.networks_of(id))
      if (net.endpoints.at(id).running()) it->second = false;
    return it->second;
  };
}

template <typename F>
void best_effort(const char* what, const std::string& name, F&& f) noexcept {
  try {
    f();
  } catch (const std::exception& e) {
    spdlog::warn("{} of container {}: {}", what, name, e.what());
  }
}

// The names of a container that runs (its init recorded on its endpoints),
// from its own endpoints only.
void publish_dns_names(const Paths& paths, const NetworkStore& networks,
                       const runtime::Endpoint& ep) {
  DnsService(paths).publish(ep.id, ep.pid, ep.pid_start_time, networks.networks_of(ep.id));
}

// After a change to a container's networks or name: its names again if it
// runs (as its endpoints say), none if it does not or is on no network.
void republish_names(const Paths& paths, const NetworkStore& networks,
                     const runtime::Endpoint& ep) {
  auto joined = networks.networks_of(ep.id);
  for (const auto& net : joined) {
    const Endpoint& e = net.endpoints.at(ep.id);
    if (e.running()) {
      DnsService(paths).publish(ep.id, e.pid, e.pid_start, joined);
      return;
    }
  }
  DnsService(paths).withdraw(ep.id);
}

// Marked as not running on its endpoints, its names go.
void withdraw_names_now(const Paths& paths, const runtime::Endpoint& ep) {
  if (store(paths).set_running(ep.id, 0, 0) > 0) DnsService(paths).withdraw(ep.id);
}

// docker's network events: create and destroy, and connect and disconnect of a
// container (also as it starts and stops).
void network_event(const Paths& paths, std::string action, const std::string& id,
                   const std::string& name, const std::string& container = "") noexcept {
  try {
    runtime::Event e;
    e.type = "network";
    e.action = std::move(action);
    e.id = id;
    e.attributes = {{"name", name}, {"type", "bridge"}};
    if (!container.empty()) e.attributes["container"] = container;
    runtime::record_event(paths, std::move(e));
  } catch (const std::exception&) {  // allocation: the network matters more
  }
}

}  // namespace

NetworkRecord Manager::create_network(const Paths& paths, const NetworkCreate& request) {
  return in_home_netns([&] {
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
    network_event(paths, "create", r.id, r.name);
    return r;
  });
}

NetworkRecord Manager::remove_network(const Paths& paths, const std::string& name_or_id) {
  return in_home_netns([&] {
    // The rules, bridge and DNS go before the record (store.hpp): a `network
    // rm` killed half-way is finished by the next one.
    NetworkRecord r = store(paths).remove(name_or_id, [&](const NetworkRecord& doomed) {
      Firewall fw = firewall(paths);
      fw.remove_owner(nft::network_owner(doomed.id));
      fw.remove_table_if_empty();
      delete_link(bridge_name(doomed.id));
      DnsService(paths).sync(false, doomed.id);  // stops the server with the last network
    });
    network_event(paths, "destroy", r.id, r.name);
    return r;
  });
}

void Manager::create(const Paths& paths, runtime::Endpoint& ep) {
  return in_home_netns([&] {
    std::vector<PortMapping> ports = ep.publish;
    NetworkStore networks = store(paths);
    std::vector<std::string> attached;
    try {
      for (auto& a : ep.networks) {
        attach_record(networks, ep, a);
        attached.push_back(a.network_id);
      }
      std::erase_if(ports, [](const PortMapping& p) { return p.host_port == 0; });
      if (!ports.empty())
        firewall(paths).check_available(ContainerPorts{ep.id, "", "", ports},
                                        stale_port_owner(networks));
    } catch (...) {
      for (const auto& id : attached)
        best_effort("release address", ep.name, [&] { networks.detach(id, ep.id); });
      throw;
    }
  });
}

std::vector<PublishedPort> Manager::start(const Paths& paths, const runtime::Endpoint& ep,
                                          runtime::Names names) {
  return in_home_netns([&] {
    NetworkStore networks = store(paths);
    Firewall fw = firewall(paths);
    std::vector<PublishedPort> bound;
    try {
      if (ep.networks.empty()) {  // disconnected from all: loopback only, as docker
        if (!ep.publish.empty())
          throw Error("publish ports of container " + ep.name + ": it is connected to no network")
              .with_hint("connect it to one: lit network connect NETWORK " + ep.name);
        return bound;
      }
      UniqueFd netns = open_netns(ep.pid);
      std::vector<NetworkRecord> joined;
      for (size_t i = 0; i < ep.networks.size(); ++i) {
        const NetworkAttachment& a = ep.networks[i];
        joined.push_back(networks.lookup(a.network_id, Endpoints::Skip));
        ensure_network_for_start(fw, joined.back());
        link_into(netns.get(), ep, a, joined.back(), i == 0);
      }
      networks.set_running(ep.id, ep.pid, ep.pid_start_time);
      if (!ep.publish.empty()) {
        enable_route_localnet();  // published ports answer on 127.0.0.1 too
        ContainerPorts ports =
            fw.publish({ep.id, ep.networks.at(0).ip, joined.front().subnet.to_string(), ep.publish},
                       stale_port_owner(networks));
        for (const auto& p : ports.ports) bound.push_back(p);
      }
      if (names == runtime::Names::WithStart) publish_dns_names(paths, networks, ep);
      for (const auto& net : joined) network_event(paths, "connect", net.id, net.name, ep.id);
    } catch (Error& e) {
      stop(paths, ep);
      throw e.context("connect container " + ep.name + " to its networks");
    }
    return bound;
  });
}

void Manager::publish_names(const Paths& paths, const runtime::Endpoint& ep) {
  in_home_netns([&] { publish_dns_names(paths, store(paths), ep); });
}

void Manager::stop(const Paths& paths, const runtime::Endpoint& ep) noexcept {
  best_effort("network namespace", ep.name, [&] {
    in_home_netns([&] {
      if (!ep.publish.empty())
        best_effort("unpublish ports", ep.name,
                    [&] { firewall(paths).remove_owner(nft::container_owner(ep.id)); });
      best_effort("remove DNS names", ep.name, [&] { withdraw_names_now(paths, ep); });
      // The veths die with the container's namespace, but not at once: deleting
      // them now lets a restart reuse their names and `ip link` show none.
      for (const auto& a : ep.networks) {
        best_effort("delete link", ep.name, [&] { delete_link(host_end(ep, a)); });
        network_event(paths, "disconnect", a.network_id, a.network, ep.id);
      }
    });
  });
}

void Manager::remove(const Paths& paths, const runtime::Endpoint& ep) noexcept {
  best_effort("network namespace", ep.name, [&] {
    in_home_netns([&] {
      stop(paths, ep);
      best_effort("release addresses", ep.name, [&] {
        NetworkStore networks = store(paths);
        for (const auto& net : networks.networks_of(ep.id)) networks.detach(net.id, ep.id);
      });
    });
  });
}

NetworkAttachment Manager::connect(const Paths& paths, const runtime::Endpoint& ep,
                                   const runtime::ConnectRequest& request,
                                   const std::function<void(const NetworkAttachment&)>& record) {
  return in_home_netns([&] {
    NetworkStore networks = store(paths);
    NetworkAttachment a{request.network, "",          request.ip, !request.ip.empty(),
                        request.aliases, "",          0,          request.interface,
                        request.mac,     std::nullopt};
    place_attachment(ep.networks, a);
    attach_record(networks, ep, a);
    try {
      if (ep.status == runtime::ContainerStatus::Running) {
        Firewall fw = firewall(paths);
        NetworkRecord net = networks.lookup(a.network_id, Endpoints::Skip);
        ensure_network(fw, net);
        UniqueFd netns = open_netns(ep.pid);
        link_into(netns.get(), ep, a, net, false);
        networks.set_running(ep.id, ep.pid, ep.pid_start_time);
        publish_dns_names(paths, networks, ep);
      }
      record(a);
      network_event(paths, "connect", a.network_id, a.network, ep.id);
    } catch (...) {
      best_effort("undo connect", ep.name, [&] { delete_link(host_end(ep, a)); });
      best_effort("undo connect", ep.name, [&] { networks.detach(a.network_id, ep.id); });
      best_effort("undo connect", ep.name, [&] { republish_names(paths, networks, ep); });
      throw;
    }
    return a;
  });
}

std::string Manager::disconnect(const Paths& paths, const runtime::Endpoint& ep,
                                const std::string& network) {
  return in_home_netns([&] {
    NetworkStore networks = store(paths);
    NetworkRecord net = networks.lookup(network, Endpoints::Skip);
    auto it = std::find_if(ep.networks.begin(), ep.networks.end(),
                           [&](const NetworkAttachment& a) { return a.network_id == net.id; });
    if (it == ep.networks.end())
      throw Error("container " + ep.name + " is not connected to network " + net.name);
    bool running = ep.status == runtime::ContainerStatus::Running ||
                   ep.status == runtime::ContainerStatus::Restarting;
    if (running && it == ep.networks.begin())
      throw Error("disconnect container " + ep.name + " from network " + net.name +
                  ": it is the container's primary network (its default route and published ports)")
          .with_hint("stop the container first");
    if (running) delete_link(host_end(ep, *it));
    networks.detach(net.id, ep.id);
    republish_names(paths, networks, ep);
    network_event(paths, "disconnect", net.id, net.name, ep.id);
    return net.id;
  });
}

void Manager::rename(const Paths& paths, const runtime::Endpoint& ep) {
  return in_home_netns([&] {
    NetworkStore networks = store(paths);
    if (networks.rename_endpoint(ep.id, ep.name) > 0) republish_names(paths, networks, ep);
  });
}

// DNS answers for running endpoints only: marked as not running, its names
// go while its links stay (stop() marks it so again, harmlessly).
void Manager::withdraw_names(const Paths& paths, const runtime::Endpoint& ep) noexcept {
  best_effort("remove DNS names", ep.name,
              [&] { in_home_netns([&] { withdraw_names_now(paths, ep); }); });
}

void install_manager() { runtime::install_network_hooks(std::make_unique<Manager>()); }

}  // namespace lit::network
