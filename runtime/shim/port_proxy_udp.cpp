// PortProxy's UDP side: a flow per client address (see port_proxy.hpp).
#include <sys/socket.h>

#include <cerrno>

#include "runtime/shim/port_proxy.hpp"

namespace lit::shim {
namespace {

constexpr int kBatch = 64;          // datagrams per wake-up: the other sockets get their turn
constexpr size_t kMaxFlows = 4096;  // clients at once; more are dropped, as a full conntrack does

}  // namespace

void PortProxy::receive_udp(size_t listener) {
  const ProxyListener& l = listeners_[listener];
  for (int i = 0; i < kBatch; ++i) {
    sockaddr_in from{};
    socklen_t len = sizeof from;
    ssize_t n = ::recvfrom(l.fd.get(), datagram_.get(), kDatagramMax, 0,
                           reinterpret_cast<sockaddr*>(&from), &len);
    if (n < 0) return;  // drained (or an error the next datagram does not have)
    if (from.sin_family != AF_INET) continue;
    FlowKey key{listener, from.sin_addr.s_addr, from.sin_port};
    auto it = flows_.find(key);
    if (it == flows_.end()) {
      if (flows_.size() >= kMaxFlows) continue;
      UniqueFd upstream = socket_in_netns(netns_.get(), AF_INET, SOCK_DGRAM);
      const auto* to = reinterpret_cast<const sockaddr*>(&l.target);
      if (!upstream || ::connect(upstream.get(), to, sizeof l.target) != 0) continue;
      it = flows_.emplace(key, Flow{std::move(upstream), 0}).first;
    }
    it->second.last_ms = now_ms();
    // Lost when the upstream's buffer is full or it refused the last one: UDP's way.
    [[maybe_unused]] ssize_t sent =
        ::send(it->second.upstream.get(), datagram_.get(), static_cast<size_t>(n), MSG_NOSIGNAL);
  }
}

void PortProxy::reply_udp(const FlowKey& key, Flow& f) {
  sockaddr_in client{};
  client.sin_family = AF_INET;
  client.sin_addr.s_addr = key.addr;
  client.sin_port = key.port;
  for (int i = 0; i < kBatch; ++i) {
    ssize_t n = ::recv(f.upstream.get(), datagram_.get(), kDatagramMax, 0);
    if (n < 0) {
      // Nobody listens there (yet): the ICMP error is reported once, the flow stays.
      if (errno != EAGAIN && errno != EINTR && errno != ECONNREFUSED) f.upstream.reset();
      return;
    }
    f.last_ms = now_ms();
    [[maybe_unused]] ssize_t sent =
        ::sendto(listeners_[key.listener].fd.get(), datagram_.get(), static_cast<size_t>(n),
                 MSG_NOSIGNAL, reinterpret_cast<const sockaddr*>(&client), sizeof client);
  }
}

void PortProxy::expire_udp() {
  const int64_t now = now_ms();
  std::erase_if(flows_, [&](const auto& kv) {
    return !kv.second.upstream || now - kv.second.last_ms >= udp_idle_ms_;
  });
}

}  // namespace lit::shim
