// Bridges, veth pairs, addresses and routes of lit networks. See links.hpp.
#include "network/links.hpp"

#include <arpa/inet.h>
#include <fcntl.h>
#include <linux/rtnetlink.h>
#include <net/if.h>
#include <netlink/cache.h>
#include <netlink/route/addr.h>
#include <netlink/route/link.h>
#include <netlink/route/link/bridge.h>
#include <netlink/route/link/veth.h>
#include <netlink/route/route.h>
#include <spdlog/spdlog.h>
#include <sys/random.h>

#include <array>
#include <cerrno>
#include <cstring>

#include "network/netlink.hpp"
#include "runtime/spec/options.hpp"
#include "runtime/util/error.hpp"

namespace lit::network {

namespace {

// The kernel's dev_valid_name rules, plus lit's prefix for host links.
void check_name(const std::string& name, bool lit_owned, const char* what) {
  bool valid = !name.empty() && name.size() < IFNAMSIZ && name != "." && name != "..";
  for (char c : name) valid = valid && c != '/' && c != ':' && c > ' ' && c < 0x7f;
  if (!valid)
    throw Error("invalid " + std::string(what) + " name", "'" + name + "'", 0,
                "use 1-15 printable characters without '/', ':' or spaces");
  if (lit_owned && !name.starts_with(kLinkPrefix))
    throw Error("refusing to manage " + std::string(what), name, 0,
                "lit only creates and removes links whose names start with 'lit'");
}

std::string id_part(std::string_view id, const char* what) {
  if (id.empty()) throw Error(std::string("empty ") + what + " id");
  return std::string(id.substr(0, 11));
}

in_addr_t broadcast_of(const Ipv4Interface& a) {
  uint32_t host_mask = a.prefix_len == 0 ? 0 : ~uint32_t{0} << (32 - a.prefix_len);
  return a.addr.s_addr | htonl(~host_mask);
}

std::string to_string(const Ipv4Interface& a) {
  char buf[INET_ADDRSTRLEN] = {};
  inet_ntop(AF_INET, &a.addr, buf, sizeof buf);
  return std::string(buf) + "/" + std::to_string(a.prefix_len);
}

// A random locally administered unicast MAC. A bridge whose MAC was set keeps
// it when ports come and go, so containers' ARP caches stay valid.
nl::Address random_mac() {
  std::array<unsigned char, 6> mac{};
  check_sys(getrandom(mac.data(), mac.size(), 0), "getrandom", "bridge MAC");
  mac[0] = static_cast<unsigned char>((mac[0] & 0xfe) | 0x02);
  nl::Address a(nl_addr_build(AF_LLC, mac.data(), mac.size()));
  if (!a) throw Error("build MAC address", {}, ENOMEM);
  return a;
}

void add_address(const nl::Socket& sock, int ifindex, const Ipv4Interface& want,
                 const std::string& link) {
  nl::IfAddr addr(rtnl_addr_alloc());
  if (!addr) throw Error("add address", link, ENOMEM);
  rtnl_addr_set_ifindex(addr.get(), ifindex);
  rtnl_addr_set_family(addr.get(), AF_INET);
  nl::Address local = nl::ipv4(want.addr.s_addr, want.prefix_len);
  rtnl_addr_set_local(addr.get(), local.get());
  rtnl_addr_set_prefixlen(addr.get(), static_cast<int>(want.prefix_len));
  if (want.prefix_len < 31) {
    nl::Address brd = nl::ipv4(broadcast_of(want), 32);
    rtnl_addr_set_broadcast(addr.get(), brd.get());
  }
  sock.check(rtnl_addr_add(sock.get(), addr.get(), 0), "add address " + to_string(want) + " to",
             link);
}

// Makes `want` the only IPv4 address of the link (a stale one from an older
// subnet is removed); adds nothing when it is already there.
void set_only_address(const nl::Socket& sock, int ifindex, const Ipv4Interface& want,
                      const std::string& link) {
  nl_cache* raw = nullptr;
  sock.check(rtnl_addr_alloc_cache(sock.get(), &raw), "list addresses of", link);
  nl::Cache cache(raw);
  bool present = false;
  for (nl_object* o = nl_cache_get_first(raw); o; o = nl_cache_get_next(o)) {
    auto* a = reinterpret_cast<rtnl_addr*>(o);
    if (rtnl_addr_get_ifindex(a) != ifindex || rtnl_addr_get_family(a) != AF_INET) continue;
    nl_addr* local = rtnl_addr_get_local(a);
    bool same = local && nl_addr_get_len(local) == 4 &&
                std::memcmp(nl_addr_get_binary_addr(local), &want.addr, 4) == 0 &&
                rtnl_addr_get_prefixlen(a) == static_cast<int>(want.prefix_len);
    if (same)
      present = true;
    else
      sock.check(rtnl_addr_delete(sock.get(), a, 0), "remove stale address from", link);
  }
  if (!present) add_address(sock, ifindex, want, link);
}

// Creates the bridge; returns false when it already existed (made concurrently).
bool create_bridge(const nl::Socket& sock, const std::string& name, int mtu) {
  nl::Link br(rtnl_link_bridge_alloc());
  if (!br) throw Error("create bridge", name, ENOMEM);
  rtnl_link_set_name(br.get(), name.c_str());
  if (mtu > 0) rtnl_link_set_mtu(br.get(), static_cast<unsigned>(mtu));
  nl::Address mac = random_mac();
  rtnl_link_set_addr(br.get(), mac.get());
  int rc = rtnl_link_add(sock.get(), br.get(), NLM_F_CREATE | NLM_F_EXCL);
  if (rc == -NLE_EXIST) {
    sock.check(0, {}, {});
    return false;
  }
  sock.check(rc, "create bridge", name);
  return true;
}

void check_existing_bridge(const nl::Socket& sock, const std::string& name, int mtu) {
  nl::Link link = nl::get_link(sock, name);
  if (!link) throw Error("look up bridge", name, ENODEV);
  const char* type = rtnl_link_get_type(link.get());
  if (!type || std::strcmp(type, "bridge") != 0)
    throw Error("use link as a bridge", name, 0,
                "a link of that name exists and is not a bridge: delete it first");
  if (mtu > 0 && rtnl_link_get_mtu(link.get()) != static_cast<unsigned>(mtu)) {
    nl::Link change(rtnl_link_alloc());
    if (!change) throw Error("set MTU of", name, ENOMEM);
    rtnl_link_set_mtu(change.get(), static_cast<unsigned>(mtu));
    sock.check(rtnl_link_change(sock.get(), link.get(), change.get(), 0),
               "set MTU " + std::to_string(mtu) + " of", name);
  }
}

// Deletes a link on scope exit unless disarmed: undoes a half-made attachment.
class LinkGuard {
 public:
  LinkGuard(const nl::Socket& sock, std::string name) : sock_(sock), name_(std::move(name)) {}
  LinkGuard(const LinkGuard&) = delete;
  LinkGuard& operator=(const LinkGuard&) = delete;
  ~LinkGuard() {
    if (armed_) try {
        nl::delete_link(sock_, name_);
      } catch (...) {  // the original error is the one to report
      }
  }
  void disarm() { armed_ = false; }

 private:
  const nl::Socket& sock_;
  std::string name_;
  bool armed_ = true;
};

// The container's MAC: the one asked (mac_address), else it follows from its
// address (02:6c + the IPv4 bytes, as docker does with 02:42): a container
// restarted with the same address keeps its MAC, so neighbours' ARP caches
// stay right and no packet goes astray.
nl::Address mac_for(const ContainerLink& c) {
  const auto* ip = reinterpret_cast<const unsigned char*>(&c.address.addr.s_addr);
  std::array<unsigned char, 6> mac{0x02, 0x6c, ip[0], ip[1], ip[2], ip[3]};
  if (!c.mac.empty()) mac = runtime::mac_bytes(runtime::parse_mac_address(c.mac));
  nl::Address a(nl_addr_build(AF_LLC, mac.data(), mac.size()));
  if (!a) throw Error("build MAC address", {}, ENOMEM);
  return a;
}

void create_veth(const nl::Socket& sock, const ContainerLink& c, int bridge_index) {
  nl::Link veth(rtnl_link_veth_alloc());
  if (!veth) throw Error("create veth", c.host_name, ENOMEM);
  nl::Link peer(rtnl_link_veth_get_peer(veth.get()));  // takes a reference
  rtnl_link_set_name(veth.get(), c.host_name.c_str());
  rtnl_link_set_master(veth.get(), bridge_index);
  rtnl_link_set_flags(veth.get(), IFF_UP);
  // The peer is born inside the container's namespace under its final name:
  // no temporary name in the host namespace, no rename. It is brought up from
  // inside: IFF_UP on a peer created in another namespace fails with ENOTCONN.
  rtnl_link_set_name(peer.get(), c.inside_name.c_str());
  rtnl_link_set_ns_fd(peer.get(), c.netns_fd);
  nl::Address mac = mac_for(c);
  rtnl_link_set_addr(peer.get(), mac.get());
  if (c.mtu > 0) {
    rtnl_link_set_mtu(veth.get(), static_cast<unsigned>(c.mtu));
    rtnl_link_set_mtu(peer.get(), static_cast<unsigned>(c.mtu));
  }
  int rc = rtnl_link_add(sock.get(), veth.get(), NLM_F_CREATE | NLM_F_EXCL);
  try {
    sock.check(rc, "create veth", c.host_name + " (" + c.inside_name + " in the container)");
  } catch (Error& e) {
    if (e.err() == EEXIST)
      e.with_hint("the host link or the container's " + c.inside_name +
                  " already exists: detach the container first");
    throw;
  }
}

void add_default_route(const nl::Socket& sock, int ifindex, in_addr gateway,
                       const std::string& link) {
  nl::Route route(rtnl_route_alloc());
  rtnl_nexthop* nh = rtnl_route_nh_alloc();
  if (!route || !nh) throw Error("add default route via", link, ENOMEM);
  rtnl_route_add_nexthop(route.get(), nh);  // the route owns it from here
  rtnl_route_set_family(route.get(), AF_INET);
  rtnl_route_set_table(route.get(), RT_TABLE_MAIN);
  rtnl_route_set_scope(route.get(), RT_SCOPE_UNIVERSE);
  rtnl_route_set_protocol(route.get(), RTPROT_BOOT);
  rtnl_route_set_type(route.get(), RTN_UNICAST);
  nl::Address dst = nl::ipv4(0, 0);
  rtnl_route_set_dst(route.get(), dst.get());
  nl::Address gw = nl::ipv4(gateway.s_addr, 32);
  rtnl_route_nh_set_ifindex(nh, ifindex);
  rtnl_route_nh_set_gateway(nh, gw.get());
  char buf[INET_ADDRSTRLEN] = {};
  inet_ntop(AF_INET, &gateway, buf, sizeof buf);
  sock.check(rtnl_route_add(sock.get(), route.get(), NLM_F_CREATE | NLM_F_EXCL),
             "add default route via " + std::string(buf) + " on", link);
}

// Inside the container's namespace: address, loopback up, default route.
void configure_inside(const ContainerLink& c) {
  nl::Socket ns = nl::Socket::connect_in(c.netns_fd);
  int index = nl::ifindex(ns, c.inside_name);
  add_address(ns, index, c.address, c.inside_name);
  nl::set_up(ns, c.inside_name);
  nl::set_up(ns, "lo");
  if (c.gateway) add_default_route(ns, index, *c.gateway, c.inside_name);
}

}  // namespace

std::string bridge_name(std::string_view network_id) {
  return std::string(kLinkPrefix) + "-" + id_part(network_id, "network");
}

std::string veth_name(std::string_view container_id, unsigned index) {
  static constexpr char kDigits[] = "0123456789abcdefghijklmnopqrstuvwxyz";
  if (index >= 36)
    throw Error("attach network " + std::to_string(index + 1), std::string(container_id), 0,
                "a container can join at most 36 networks");
  return std::string(kLinkPrefix) + id_part(container_id, "container") + kDigits[index];
}

void ensure_bridge(const std::string& name, const Ipv4Interface& gateway, int mtu, bool bring_up) {
  check_name(name, true, "bridge");
  try {
    nl::Socket sock = nl::Socket::connect();
    bool created = create_bridge(sock, name, mtu);
    LinkGuard guard(sock, name);
    if (!created) {
      guard.disarm();  // not ours to delete on failure
      check_existing_bridge(sock, name, mtu);
    }
    set_only_address(sock, nl::ifindex(sock, name), gateway, name);
    if (bring_up) nl::set_up(sock, name);
    guard.disarm();
  } catch (Error& e) {
    throw e.context("set up bridge " + name);
  }
}

void bring_up_link(const std::string& name) {
  check_name(name, true, "link");
  try {
    nl::set_up(nl::Socket::connect(), name);
  } catch (Error& e) {
    throw e.context("bring up " + name);
  }
}

bool link_up(const std::string& name) {
  nl::Link link = nl::get_link(nl::Socket::connect(), name);
  return link && (rtnl_link_get_flags(link.get()) & IFF_UP) != 0;
}

void delete_link(const std::string& name) {
  check_name(name, true, "link");
  try {
    nl::delete_link(nl::Socket::connect(), name);
  } catch (Error& e) {
    throw e.context("delete link " + name);
  }
}

UniqueFd open_netns(pid_t pid) {
  std::string path = "/proc/" + std::to_string(pid) + "/ns/net";
  int fd = open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0)
    throw Error::sys("open network namespace", path, errno).with_hint("is the process running?");
  return UniqueFd(fd);
}

void attach_container(const ContainerLink& c) {
  check_name(c.host_name, true, "veth");
  check_name(c.inside_name, false, "container interface");
  if (c.netns_fd < 0) throw Error("attach container", c.host_name, EBADF);
  if (c.address.prefix_len > 32 || c.address.prefix_len == 0)
    throw Error("invalid prefix length", to_string(c.address), 0, "use 1-32");
  try {
    nl::Socket host = nl::Socket::connect();
    int bridge_index = nl::ifindex(host, c.bridge);
    // The name is derived from this container's ID and slot, so a link of that
    // name is a leftover of this very attachment: the kernel frees a veth
    // only when its namespace is torn down, asynchronously, after the last
    // process died (a start killed half-way leaves one for a while).
    if (nl::delete_link(host, c.host_name))
      spdlog::info("removed stale veth {} of an earlier start", c.host_name);
    create_veth(host, c, bridge_index);
    LinkGuard guard(host, c.host_name);  // deleting the host end deletes its peer too
    nl::set_hairpin(host, nl::ifindex(host, c.host_name), c.host_name);
    configure_inside(c);
    guard.disarm();
  } catch (Error& e) {
    throw e.context("attach " + c.host_name + " to bridge " + c.bridge);
  }
}

void detach_container(const std::string& host_name) { delete_link(host_name); }

std::vector<std::string> lit_links() {
  nl::Socket sock = nl::Socket::connect();
  nl_cache* raw = nullptr;
  sock.check(rtnl_link_alloc_cache(sock.get(), AF_UNSPEC, &raw), "list links", {});
  nl::Cache cache(raw);
  std::vector<std::string> names;
  for (nl_object* o = nl_cache_get_first(raw); o; o = nl_cache_get_next(o)) {
    const char* name = rtnl_link_get_name(reinterpret_cast<rtnl_link*>(o));
    if (name && std::string_view(name).starts_with(kLinkPrefix)) names.emplace_back(name);
  }
  return names;
}

}  // namespace lit::network
