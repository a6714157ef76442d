#pragma once
// lit's side of the published-port proxy (runtime/shim/port_proxy.hpp). When
// rootless, lit's DNAT rules live in the session's network namespace, out of
// the host's reach; so __spawn binds the host's sockets for a container's
// published ports (in its main thread, which stays in the host's namespace)
// and hands them to the container's supervisor, which forwards what arrives
// to the container's address, making its upstream sockets in the session's
// namespace. A restart's __spawn binds them again; the supervisor drops them
// when the run ends.
//
// Internal, for tests only: with kTestHostNetnsEnv naming a network namespace
// file, lit running as root uses the proxy too, binding the "host" sockets in
// that namespace (where lit made no rules) and making upstream sockets in its
// own, where the bridges are: the path a rootless start takes, mirrored.
#include <vector>

#include "runtime/shim/port_proxy.hpp"
#include "runtime/spec/published_port.hpp"
#include "runtime/state/record.hpp"

namespace lit::runtime {

inline constexpr const char* kTestHostNetnsEnv = "_LIT_TEST_PROXY_HOST_NETNS";

// The container's published ports go through its supervisor's proxy: it is
// on a lit network, publishes ports, and lit runs rootless (or the test hook).
bool ports_need_proxy(const ContainerRecord& record);

// The host's sockets for the ports the network start bound, each targeting
// the container's address on its primary network. Throws lit::Error naming
// the port (e.g. taken by another process) and closes what it bound.
std::vector<shim::ProxyListener> bind_proxy_listeners(const ContainerRecord& record,
                                                      const std::vector<PublishedPort>& bound);

// Sends them over `sock` to the supervisor, with the namespace its upstream
// sockets are made in. Throws lit::Error when they could not be sent.
void hand_over_ports(int sock, const std::vector<shim::ProxyListener>& listeners);

// A foreground run has no supervisor to proxy its ports: refused when
// rootless, with one line saying to use -d. Throws lit::Error.
void check_foreground_publish(const std::vector<PublishedPort>& publish);

}  // namespace lit::runtime
