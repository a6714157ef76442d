// read_host_routes (declared in ipam.hpp): the current network namespace's
// IPv4 routes over netlink, the input that lets choose_subnet avoid them.
#include <arpa/inet.h>
#include <linux/rtnetlink.h>
#include <netlink/netlink.h>
#include <netlink/route/route.h>
#include <sys/socket.h>

#include <cstring>
#include <memory>

#include "network/ipam.hpp"
#include "runtime/util/error.hpp"

namespace lit::network {
namespace {

struct SockFree {
  void operator()(nl_sock* s) const { nl_socket_free(s); }
};
struct CacheFree {
  void operator()(nl_cache* c) const { nl_cache_free(c); }
};

std::optional<Cidr> destination_of(rtnl_route* route) {
  nl_addr* dst = rtnl_route_get_dst(route);
  if (dst == nullptr) return std::nullopt;
  unsigned prefix = nl_addr_get_prefixlen(dst);
  if (prefix == 0 || prefix > 32) return std::nullopt;  // default route: overlaps everything
  std::uint32_t be = 0;
  if (nl_addr_get_len(dst) != sizeof be) return std::nullopt;
  std::memcpy(&be, nl_addr_get_binary_addr(dst), sizeof be);
  std::uint32_t mask = ~std::uint32_t{0} << (32 - prefix);
  return Cidr(Ipv4(ntohl(be) & mask), prefix);
}

}  // namespace

std::vector<Cidr> read_host_routes() {
  std::unique_ptr<nl_sock, SockFree> sock(nl_socket_alloc());
  if (!sock) throw Error("read host routes: allocate a netlink socket", {}, ENOMEM);
  if (int rc = nl_connect(sock.get(), NETLINK_ROUTE); rc < 0)
    throw Error("read host routes: connect to rtnetlink: " + std::string(nl_geterror(rc)));
  nl_cache* raw = nullptr;
  if (int rc = rtnl_route_alloc_cache(sock.get(), AF_INET, 0, &raw); rc < 0)
    throw Error("read host routes: dump IPv4 routes: " + std::string(nl_geterror(rc)));
  std::unique_ptr<nl_cache, CacheFree> cache(raw);
  std::vector<Cidr> routes;
  for (nl_object* o = nl_cache_get_first(cache.get()); o != nullptr; o = nl_cache_get_next(o)) {
    auto* route = reinterpret_cast<rtnl_route*>(o);
    // The local table holds the host's own addresses and broadcasts, not networks.
    if (rtnl_route_get_table(route) == RT_TABLE_LOCAL) continue;
    if (auto dst = destination_of(route)) routes.push_back(*dst);
  }
  return routes;
}

}  // namespace lit::network
