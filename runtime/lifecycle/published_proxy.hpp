#pragma once
// lit's side of the published-port proxy (runtime/shim/port_proxy.hpp). When
// rootless, lit's DNAT rules live in the session's network namespace, out of
// the host's reach; so __spawn binds the host's sockets for a container's
// published ports (in its main thread, which stays in the host's namespace)
// and hands them to the container's supervisor, which forwards what arrives
// to the container's address, making its upstream sockets in the session's
// namespace. A restart's __spawn binds them again; the supervisor drops them
// when the run ends. A foreground run has no supervisor: a thread of the lit
// running it proxies them (ForegroundProxy).
//
// Internal, for tests only: with kTestHostNetnsEnv naming a network namespace
// file, lit running as root uses the proxy too, binding the "host" sockets in
// that namespace (where lit made no rules) and making upstream sockets in its
// own, where the bridges are: the path a rootless start takes, mirrored.
#include <thread>
#include <vector>

#include "runtime/process/run.hpp"
#include "runtime/shim/port_proxy.hpp"
#include "runtime/spec/published_port.hpp"
#include "runtime/state/record.hpp"

namespace lit::runtime {

inline constexpr const char* kTestHostNetnsEnv = "_LIT_TEST_PROXY_HOST_NETNS";

// The container's published ports go through the proxy: it is on a lit
// network, publishes ports, and lit runs rootless (or the test hook).
bool ports_need_proxy(const ContainerRecord& record);

// The host's sockets for the ports the network start bound, each targeting
// the container's address on its primary network. A port asked without a
// host port gets one free on the host, written back to `bound` (what the
// record keeps). Throws lit::Error naming the port (e.g. taken by another
// process) and closes what it bound.
std::vector<shim::ProxyListener> bind_proxy_listeners(const ContainerRecord& record,
                                                      std::vector<PublishedPort>& bound);

// Sends them over `sock` to the supervisor, with the namespace its upstream
// sockets are made in. Throws lit::Error when they could not be sent.
void hand_over_ports(int sock, const std::vector<shim::ProxyListener>& listeners);

// A foreground run's ports, when they need the proxy: bound once the network
// started (hooks.before_start, which fills `ports`; a taken port fails the
// start) and proxied by a thread of the calling lit, whose main thread is in
// the host's namespace, until this is destroyed as the run ends.
class ForegroundProxy {
 public:
  ForegroundProxy() = default;
  ~ForegroundProxy();
  ForegroundProxy(const ForegroundProxy&) = delete;
  ForegroundProxy& operator=(const ForegroundProxy&) = delete;

  // `record` and `ports` must outlive the run.
  void wrap(RunHooks& hooks, const ContainerRecord& record, std::vector<PublishedPort>& ports);

 private:
  void start(std::vector<shim::ProxyListener> listeners);
  UniqueFd stop_;
  std::thread thread_;
};

}  // namespace lit::runtime
