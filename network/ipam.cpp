#include "network/ipam.hpp"

#include <algorithm>
#include <cstdlib>

#include "runtime/util/error.hpp"

namespace lit::network {
namespace {

std::string quoted(std::string_view s) { return "\"" + std::string(s) + "\""; }

std::string network_label(std::string_view network, const Cidr& subnet) {
  return "network " + std::string(network) + " (" + subnet.to_string() + ")";
}

}  // namespace

SubnetPool parse_subnet_pool(std::string_view text, std::string_view source) {
  auto bad = [&](std::string_view why) {
    return Error("invalid address pool " + quoted(text) + " in " + std::string(source) + ": " +
                 std::string(why))
        .with_hint("use base=CIDR[,size=N], e.g. base=10.90.0.0/16,size=24");
  };
  std::optional<Cidr> base;
  unsigned size = 24;
  std::string_view rest = text;
  while (!rest.empty()) {
    size_t comma = rest.find(',');
    std::string_view item = rest.substr(0, comma);
    rest = comma == std::string_view::npos ? std::string_view{} : rest.substr(comma + 1);
    if (item.starts_with("base=")) {
      base = Cidr::try_parse(item.substr(5));
      if (!base) throw bad(quoted(item.substr(5)) + " is not a subnet in CIDR notation");
    } else if (item.starts_with("size=")) {
      std::string n(item.substr(5));
      char* end = nullptr;
      unsigned long v = std::strtoul(n.c_str(), &end, 10);
      if (n.empty() || *end != '\0' || v > 30) throw bad("size must be a prefix length up to 30");
      size = static_cast<unsigned>(v);
    } else {
      throw bad("unknown key " + quoted(item));
    }
  }
  if (!base) throw bad("base=CIDR is missing");
  if (size < base->prefix())
    throw bad("size /" + std::to_string(size) + " is larger than the base " + base->to_string());
  return SubnetPool{*base, size};
}

SubnetPool subnet_pool_from_environment() {
  const char* v = std::getenv("LIT_DEFAULT_ADDRESS_POOL");
  if (v == nullptr || *v == '\0') return SubnetPool{};
  return parse_subnet_pool(v, "LIT_DEFAULT_ADDRESS_POOL");
}

Cidr choose_subnet(const SubnetPool& pool, std::span<const Cidr> lit_subnets,
                   std::span<const Cidr> host_routes) {
  auto overlaps_any = [](const Cidr& c, std::span<const Cidr> list, bool skip_default) {
    return std::any_of(list.begin(), list.end(), [&](const Cidr& o) {
      return !(skip_default && o.prefix() == 0) && c.overlaps(o);
    });
  };
  const std::uint64_t step = std::uint64_t{1} << (32 - pool.size);
  const std::uint64_t end = std::uint64_t{pool.base.network().value()} + pool.base.size();
  for (std::uint64_t a = pool.base.network().value(); a < end; a += step) {
    Cidr candidate(Ipv4(static_cast<std::uint32_t>(a)), pool.size);
    if (!overlaps_any(candidate, lit_subnets, false) && !overlaps_any(candidate, host_routes, true))
      return candidate;
  }
  throw Error("no free subnet: all /" + std::to_string(pool.size) + " subnets in the pool " +
              pool.base.to_string() + " are used by lit networks or host routes")
      .with_hint("give one with --subnet, or remove unused networks (lit network rm)");
}

Ipv4 default_gateway(const Cidr& subnet) { return Ipv4(subnet.network().value() + 1); }

void validate_addressing(const Cidr& subnet, Ipv4 gateway) {
  if (subnet.prefix() > 30)
    throw Error("invalid value " + quoted(subnet.to_string()) +
                " for flag --subnet: too small for a gateway and a container (use /30 or larger, "
                "e.g. /24)");
  if (!subnet.contains(gateway))
    throw Error("invalid value " + quoted(gateway.to_string()) +
                " for flag --gateway: not in subnet " + subnet.to_string());
  if (gateway == subnet.network() || gateway == subnet.broadcast())
    throw Error("invalid value " + quoted(gateway.to_string()) + " for flag --gateway: it is the " +
                (gateway == subnet.network() ? "network" : "broadcast") + " address of " +
                subnet.to_string() + "; use a host address such as " +
                default_gateway(subnet).to_string());
}

bool is_reserved(const Cidr& subnet, Ipv4 gateway, Ipv4 address) {
  return address == subnet.network() || address == subnet.broadcast() || address == gateway;
}

Ipv4 allocate_address(std::string_view network, const Cidr& subnet, Ipv4 gateway,
                      const TakenAddresses& taken) {
  for (std::uint32_t a = subnet.network().value() + 1; a < subnet.broadcast().value(); ++a) {
    Ipv4 candidate(a);
    if (candidate != gateway && !taken.contains(candidate)) return candidate;
  }
  throw Error("no free IP address in " + network_label(network, subnet) + ": all " +
              std::to_string(subnet.size() - 3) + " container addresses are in use")
      .with_hint("remove containers from it, or use a network with a larger --subnet");
}

void check_static_address(std::string_view network, const Cidr& subnet, Ipv4 gateway,
                          const TakenAddresses& taken, Ipv4 address) {
  std::string head = "invalid value " + quoted(address.to_string()) + " for flag --ip: ";
  if (!subnet.contains(address))
    throw Error(head + "not in the subnet of " + network_label(network, subnet));
  if (address == gateway)
    throw Error(head + "it is the gateway of " + network_label(network, subnet));
  if (is_reserved(subnet, gateway, address))
    throw Error(head + "it is the " + (address == subnet.network() ? "network" : "broadcast") +
                " address of " + network_label(network, subnet));
  if (auto it = taken.find(address); it != taken.end())
    throw Error(head + "already in use by container " + quoted(it->second) + " on " +
                network_label(network, subnet))
        .with_hint("choose another --ip, or leave it out to get a free one");
}

}  // namespace lit::network
