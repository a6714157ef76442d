#include "runtime/shim/port_handoff.hpp"

#include <sys/socket.h>

#include <cerrno>
#include <cstdint>
#include <cstring>
#include <span>
#include <string_view>

#include "runtime/util/io.hpp"

namespace lit::shim {
namespace {

struct WireHeader {
  uint32_t count = 0;      // ports in this message
  uint32_t has_netns = 0;  // the first descriptor is the upstream namespace
};
struct WirePort {
  uint32_t addr = 0;  // network byte order, as in sockaddr_in
  uint16_t port = 0;
  uint8_t proto = 0;  // 0 tcp, 1 udp
  uint8_t reserved = 0;
};

constexpr size_t kMaxFds = kPerMessage + 1;
constexpr size_t kMaxPayload = sizeof(WireHeader) + kPerMessage * sizeof(WirePort);

bool send_message(int sock, const WireHeader& h, const std::vector<WirePort>& ports,
                  const std::vector<int>& fds) {
  char payload[kMaxPayload];
  std::memcpy(payload, &h, sizeof h);
  std::memcpy(payload + sizeof h, ports.data(), ports.size() * sizeof(WirePort));
  return send_with_fds(sock, std::string_view(payload, sizeof h + ports.size() * sizeof(WirePort)),
                       fds);
}

// One message's descriptors, owned; empty when it carried none or was cut.
std::vector<UniqueFd> fds_of(msghdr& msg) {
  std::vector<UniqueFd> fds;
  for (cmsghdr* c = CMSG_FIRSTHDR(&msg); c; c = CMSG_NXTHDR(&msg, c)) {
    if (c->cmsg_level != SOL_SOCKET || c->cmsg_type != SCM_RIGHTS) continue;
    size_t n = (c->cmsg_len - CMSG_LEN(0)) / sizeof(int);
    for (size_t i = 0; i < n; ++i) {
      int fd = -1;
      std::memcpy(&fd, CMSG_DATA(c) + i * sizeof(int), sizeof fd);
      fds.emplace_back(fd);
    }
  }
  if (msg.msg_flags & (MSG_CTRUNC | MSG_TRUNC)) fds.clear();
  return fds;
}

}  // namespace

bool send_proxy_ports(int sock, int netns, const std::vector<ProxyListener>& ports) {
  for (size_t at = 0; at < ports.size(); at += kPerMessage) {
    WireHeader h;
    std::vector<WirePort> wire;
    std::vector<int> fds;
    h.has_netns = at == 0 && netns >= 0 ? 1 : 0;
    if (h.has_netns) fds.push_back(netns);
    for (size_t i = at; i < ports.size() && i < at + kPerMessage; ++i) {
      const ProxyListener& p = ports[i];
      wire.push_back({p.target.sin_addr.s_addr, p.target.sin_port,
                      static_cast<uint8_t>(p.proto == runtime::Proto::Udp ? 1 : 0), 0});
      fds.push_back(p.fd.get());
    }
    h.count = static_cast<uint32_t>(wire.size());
    if (!send_message(sock, h, wire, fds)) return false;
  }
  return true;
}

ProxyPorts receive_proxy_ports(int sock) {
  ProxyPorts out;
  for (;;) {
    char payload[kMaxPayload];
    alignas(cmsghdr) char ctl[CMSG_SPACE(kMaxFds * sizeof(int))];
    iovec iov{payload, sizeof payload};
    msghdr msg{};
    msg.msg_iov = &iov;
    msg.msg_iovlen = 1;
    msg.msg_control = ctl;
    msg.msg_controllen = sizeof ctl;
    ssize_t n = ::recvmsg(sock, &msg, MSG_CMSG_CLOEXEC);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) return out;
    std::vector<UniqueFd> fds = fds_of(msg);
    WireHeader h;
    if (static_cast<size_t>(n) < sizeof h) continue;
    std::memcpy(&h, payload, sizeof h);
    if (h.count > kPerMessage || static_cast<size_t>(n) != sizeof h + h.count * sizeof(WirePort) ||
        fds.size() != h.count + h.has_netns)
      continue;  // not what a sender of ours writes: its descriptors are closed
    size_t next = 0;
    if (h.has_netns) out.netns = std::move(fds[next++]);
    for (uint32_t i = 0; i < h.count; ++i) {
      WirePort w;
      std::memcpy(&w, payload + sizeof h + i * sizeof w, sizeof w);
      ProxyListener l;
      l.fd = std::move(fds[next++]);
      l.proto = w.proto == 1 ? runtime::Proto::Udp : runtime::Proto::Tcp;
      l.target.sin_family = AF_INET;
      l.target.sin_addr.s_addr = w.addr;
      l.target.sin_port = w.port;
      out.listeners.push_back(std::move(l));
    }
  }
}

}  // namespace lit::shim
