#pragma once
// The network side of `lit system check` (runtime/lifecycle/leftovers.hpp has
// the container side), in lit's network namespace:
//   links     a bridge (lit-<network id>) of no network on record; a veth
//             (lit<container id><n>) of a container that does not run
//   rules     nftables rules whose owner ("net:<id>", "ctr:<id>") is a network
//             with no record or a container that does not run
//   endpoints a network's address held for a container that has no record
//   networks  a build's network whose build was killed (build_network.hpp)
//   DNS       names the DNS server's config serves that no running container
//             has; a DNS server with no lit network, or a second one
#include <vector>

#include "runtime/lifecycle/leftovers.hpp"
#include "runtime/util/paths.hpp"

namespace lit::network {

std::vector<runtime::Leftover> network_leftovers(const Paths& paths,
                                                 const runtime::ContainerCensus& census);

}  // namespace lit::network
