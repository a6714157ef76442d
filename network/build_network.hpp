#pragma once
// The network of one `lit build`'s RUN steps (`--network default`): a lit
// network of its own named lit-build-<pid of the build>, made when a RUN first
// needs it and removed when the build ends. A RUN dies with its build
// (RunHooks::die_with_caller), so a build network whose build no longer runs
// is abandoned, with whatever endpoints it still lists: the next build removes
// it, and so does `lit system check --fix`.
#include <sys/types.h>

#include <optional>
#include <string>
#include <string_view>

#include "runtime/util/paths.hpp"

namespace lit::network {

inline constexpr std::string_view kBuildNetworkPrefix = "lit-build-";

std::string build_network_name(pid_t build);

// The build that named `network`; nullopt when it is not a build network's name.
std::optional<pid_t> build_network_owner(std::string_view network);

// A build network whose build is gone (not this process; a reused pid counts
// as alive, so a network is never taken from a build that runs).
bool build_network_abandoned(std::string_view network);

// Removes an abandoned build network with the endpoints its RUNs left (their
// addresses, then the network's rules, bridge and DNS, then its record).
void remove_build_network(const Paths& paths, const std::string& network);

}  // namespace lit::network
