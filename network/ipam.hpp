#pragma once
// IP address management for lit's bridge networks, as pure functions over
// values (the store persists the result under its lock):
//  - choosing a subnet from a pool when the user gives none,
//  - validating a user's --subnet / --gateway,
//  - allocating and checking container addresses inside a subnet.
//
// Default pool: 10.90.0.0/16 cut into /24s (256 networks). It coexists with
// podman (10.88.0.0/16 for its default network, 10.89.N.0/24 for the first
// 256 networks it creates) and docker (172.17.0.0/16 and up, 192.168.0.0/16),
// and any subnet already routed on the host (a LAN, a VPN, another runtime's
// live bridge) is skipped when a subnet is chosen.
#include <map>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "network/cidr.hpp"

namespace lit::network {

// Where automatic subnets come from: `base` cut into blocks of /`size`.
struct SubnetPool {
  Cidr base = Cidr(Ipv4(10u << 24 | 90u << 16), 16);
  unsigned size = 24;
};

// docker's --default-address-pool syntax: "base=10.90.0.0/16,size=24" (size
// defaults to 24). `source` names where it came from, for the error message.
SubnetPool parse_subnet_pool(std::string_view text, std::string_view source);

// The pool from LIT_DEFAULT_ADDRESS_POOL when set (parsed as above), else the default.
SubnetPool subnet_pool_from_environment();

// The first /size block of the pool that overlaps neither a lit network's
// subnet nor a host route. Default routes (/0) are ignored: they overlap everything.
// Throws "all subnets in the pool 10.90.0.0/16 are in use" with a --subnet hint.
Cidr choose_subnet(const SubnetPool& pool, std::span<const Cidr> lit_subnets,
                   std::span<const Cidr> host_routes);

// The first host address: the bridge's address unless --gateway says otherwise.
Ipv4 default_gateway(const Cidr& subnet);

// Checks a network's addressing: the subnet has room for a gateway and a
// container (/30 or larger), and the gateway is a host address inside it.
void validate_addressing(const Cidr& subnet, Ipv4 gateway);

// Addresses already given out in one network, each with its holder (a container's name).
using TakenAddresses = std::map<Ipv4, std::string>;

// Addresses a container may never get: network, broadcast, gateway.
bool is_reserved(const Cidr& subnet, Ipv4 gateway, Ipv4 address);

// The lowest free host address of the subnet; throws
// "no free IP address in network X (10.90.0.0/24): all 253 addresses are in use".
Ipv4 allocate_address(std::string_view network, const Cidr& subnet, Ipv4 gateway,
                      const TakenAddresses& taken);

// Checks a static --ip: inside the subnet, not reserved, not taken (the error
// then names the container holding it).
void check_static_address(std::string_view network, const Cidr& subnet, Ipv4 gateway,
                          const TakenAddresses& taken, Ipv4 address);

// The IPv4 routes of the current network namespace (all tables but "local",
// without default routes), read over netlink with libnl-route.
std::vector<Cidr> read_host_routes();

}  // namespace lit::network
