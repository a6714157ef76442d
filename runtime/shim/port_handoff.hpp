#pragma once
// How `lit container __spawn` hands a run's published ports to the supervisor
// that proxies them (port_proxy.hpp): the host's sockets it bound, each with
// its target, and the network namespace upstream sockets are made in, as
// SCM_RIGHTS messages over a SOCK_SEQPACKET unix socket (at most kPerMessage
// ports in each, within the kernel's limit of descriptors per message). The
// sender shuts its end down when done; the receiver reads until then.
#include <vector>

#include "runtime/shim/port_proxy.hpp"
#include "runtime/util/fs.hpp"

namespace lit::shim {

inline constexpr size_t kPerMessage = 200;

// False with errno set when a message could not be sent.
bool send_proxy_ports(int sock, int netns, const std::vector<ProxyListener>& ports);

struct ProxyPorts {
  std::vector<ProxyListener> listeners;
  UniqueFd netns;  // invalid: upstream sockets are made in the receiver's namespace
};
// Every message until the sender's end is shut down (or closed).
ProxyPorts receive_proxy_ports(int sock);

}  // namespace lit::shim
