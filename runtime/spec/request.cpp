#include "runtime/spec/request.hpp"

#include <unistd.h>

#include <cctype>
#include <cstdio>

#include "runtime/spec/namespaces.hpp"
#include "runtime/spec/options.hpp"
#include "runtime/spec/sysctl.hpp"
#include "runtime/util/error.hpp"

namespace lit::runtime {

namespace {

Error invalid(const std::string& flag, const std::string& value, const std::string& why) {
  return Error("invalid value \"" + value + "\" for flag " + flag + ": " + why);
}

std::string bytes_text(std::int64_t bytes) { return std::to_string(bytes) + "b"; }

void check_limits(const cgroups::Limits& limits) {
  if (limits.memory_bytes && *limits.memory_bytes < kMinMemoryBytes)
    throw invalid("--memory", bytes_text(*limits.memory_bytes), "the minimum memory limit is 6MB");
  if (limits.cpus) {
    long n = ::sysconf(_SC_NPROCESSORS_ONLN);
    unsigned online = n > 0 ? static_cast<unsigned>(n) : 1;
    if (*limits.cpus < 0.01 || *limits.cpus > online) {
      char value[32], range[96];
      std::snprintf(value, sizeof value, "%g", *limits.cpus);
      std::snprintf(range, sizeof range, "the range of CPUs is from 0.01 to %u.00 on this host",
                    online);
      throw invalid("--cpus", value, range);
    }
  }
}

void check_destination(const std::string& flag, const std::string& destination) {
  if (destination.empty() || destination.front() != '/')
    throw invalid(flag, destination, "the destination must be an absolute path in the container");
  if (destination == "/") throw invalid(flag, destination, "the destination cannot be \"/\"");
}

}  // namespace

std::string network_text(const NetworkRequest& network) {
  switch (network.mode) {
    case NetworkMode::None:
      return "none";
    case NetworkMode::Host:
      return "host";
    case NetworkMode::Container:
      return "container:" + network.name;
    case NetworkMode::Bridge:
      break;
  }
  return network.name;
}

void check_name(const std::string& name) {
  if (!name.empty() && !is_valid_name(name))
    throw Error("invalid container name \"" + name +
                "\": only [a-zA-Z0-9][a-zA-Z0-9_.-] are allowed");
}

void check_hostname(const std::string& h) {
  bool ok = !h.empty() && h.size() <= 253 && h.front() != '-' && h.front() != '.';
  for (char c : h) ok = ok && (std::isalnum(static_cast<unsigned char>(c)) || c == '-' || c == '.');
  if (!ok)
    throw Error("invalid value \"" + h + "\" for flag --hostname: use letters, digits, - and .");
}

void check_network_use(const NetworkRequest& network, bool ports, bool dns, bool extra_hosts) {
  if (network.mode == NetworkMode::Container) {
    // As docker: the namespace and its ports, addresses and names are the target's.
    const char* what = ports         ? "port publishing"
                       : dns         ? "dns"
                       : extra_hosts ? "extra hosts"
                                     : nullptr;
    if (what)
      throw Error(std::string("conflicting options: ") + what +
                  " and the container type network mode")
          .with_hint(
              "publish ports, DNS servers and hosts on the container whose network it joins");
  }
  if (network.mode != NetworkMode::Bridge) {
    // docker ignores -p on these networks silently; a user would wonder why nothing listens.
    const char* flag = ports                      ? "-p/--publish"
                       : !network.ip.empty()      ? "--ip"
                       : !network.aliases.empty() ? "--network-alias"
                       : !network.mac.empty()     ? "--mac-address"
                                                  : nullptr;
    if (flag)
      throw Error(std::string(flag) + " needs a lit network, but --network is " +
                  network_text(network))
          .with_hint("create one (lit network create NAME) and add --network NAME");
  }
}

void check_request(const ContainerRequest& r) {
  check_name(r.name);
  if (!r.hostname.empty()) check_hostname(r.hostname);
  // docker's words; the host's name is the container's (it cannot set its own).
  if (r.uts.mode == NamespaceMode::Host && !r.hostname.empty())
    throw Error("conflicting options: hostname and the UTS mode")
        .with_hint("drop --hostname, or the UTS mode host");
  check_network_use(r.network, !r.ports.empty(), !r.dns.empty(), !r.extra_hosts.empty());
  if (!r.network.mac.empty()) parse_mac_address(r.network.mac);
  if (!r.network.interface.empty()) parse_interface_name(r.network.interface);
  check_limits(r.limits);
  if (r.shm_bytes && *r.shm_bytes <= 0)
    throw invalid("--shm-size", bytes_text(*r.shm_bytes), "use a size such as 64m");
  validate_sysctls(r.sysctls, r.network.mode);
  for (const auto& v : r.volumes) check_destination("--volume", v.destination);
  for (const auto& t : r.tmpfs) check_destination("--tmpfs", t.destination);
  if (!r.workdir.empty() && r.workdir.front() != '/')
    throw Error("invalid value \"" + r.workdir +
                "\" for flag --workdir: it must be an absolute path");
  check_userns_combination(r.userns.mode == UsernsRequest::Mode::Auto, r.network.mode, r.pid, r.ipc,
                           !r.image_mounts.empty());
}

}  // namespace lit::runtime
