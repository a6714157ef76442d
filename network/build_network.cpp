#include "network/build_network.hpp"

#include <signal.h>
#include <unistd.h>

#include <cerrno>
#include <charconv>

#include "network/manager.hpp"
#include "network/store.hpp"

namespace lit::network {

std::string build_network_name(pid_t build) {
  return std::string(kBuildNetworkPrefix) + std::to_string(build);
}

std::optional<pid_t> build_network_owner(std::string_view network) {
  if (!network.starts_with(kBuildNetworkPrefix)) return std::nullopt;
  const std::string_view digits = network.substr(kBuildNetworkPrefix.size());
  pid_t pid = 0;
  auto [end, ec] = std::from_chars(digits.data(), digits.data() + digits.size(), pid);
  if (ec != std::errc() || end != digits.data() + digits.size() || pid <= 0) return std::nullopt;
  return pid;
}

bool build_network_abandoned(std::string_view network) {
  const std::optional<pid_t> pid = build_network_owner(network);
  if (!pid || *pid == ::getpid()) return false;
  return ::kill(*pid, 0) != 0 && errno == ESRCH;
}

void remove_build_network(const Paths& paths, const std::string& network) {
  NetworkStore store(networks_dir(paths.root));
  if (auto r = store.find(network))
    for (const auto& [id, e] : r->endpoints) store.detach(network, id);
  Manager().remove_network(paths, network);
}

}  // namespace lit::network
