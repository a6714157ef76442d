// PortProxy's UDP side: a flow per client address (see port_proxy.hpp).
#include <netinet/in.h>
#include <sys/socket.h>

#include <cerrno>
#include <cstring>

#include "runtime/shim/port_proxy.hpp"

namespace lit::shim {
namespace {

constexpr int kBatch = 64;          // datagrams per wake-up: the other sockets get their turn
constexpr size_t kMaxFlows = 4096;  // clients at once; more are dropped, as a full conntrack does

// The address a datagram was sent to (IP_PKTINFO), 0 when not known.
uint32_t destination_of(msghdr& msg) {
  for (cmsghdr* c = CMSG_FIRSTHDR(&msg); c; c = CMSG_NXTHDR(&msg, c)) {
    if (c->cmsg_level != IPPROTO_IP || c->cmsg_type != IP_PKTINFO) continue;
    in_pktinfo info{};
    std::memcpy(&info, CMSG_DATA(c), sizeof info);
    return info.ipi_addr.s_addr;
  }
  return 0;
}

}  // namespace

void enable_destination_info(const ProxyListener& l) {
  int one = 1;  // a socket on every address answers from the one asked
  if (l.proto == runtime::Proto::Udp)
    ::setsockopt(l.fd.get(), IPPROTO_IP, IP_PKTINFO, &one, sizeof one);
}

void PortProxy::receive_udp(size_t listener) {
  const ProxyListener& l = listeners_[listener];
  for (int i = 0; i < kBatch; ++i) {
    sockaddr_in from{};
    iovec iov{datagram_.get(), kDatagramMax};
    alignas(cmsghdr) char ctl[CMSG_SPACE(sizeof(in_pktinfo))];
    msghdr msg{};
    msg.msg_name = &from;
    msg.msg_namelen = sizeof from;
    msg.msg_iov = &iov;
    msg.msg_iovlen = 1;
    msg.msg_control = ctl;
    msg.msg_controllen = sizeof ctl;
    ssize_t n = ::recvmsg(l.fd.get(), &msg, 0);
    if (n < 0) return;  // drained (or an error the next datagram does not have)
    if (from.sin_family != AF_INET) continue;
    FlowKey key{listener, from.sin_addr.s_addr, from.sin_port};
    auto it = flows_.find(key);
    if (it == flows_.end()) {
      if (flows_.size() >= kMaxFlows) continue;
      UniqueFd upstream = socket_in_netns(netns_.get(), AF_INET, SOCK_DGRAM);
      const auto* to = reinterpret_cast<const sockaddr*>(&l.target);
      if (!upstream || ::connect(upstream.get(), to, sizeof l.target) != 0) continue;
      it = flows_.emplace(key, Flow{std::move(upstream), 0, destination_of(msg)}).first;
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
    iovec iov{datagram_.get(), static_cast<size_t>(n)};
    alignas(cmsghdr) char ctl[CMSG_SPACE(sizeof(in_pktinfo))] = {};
    msghdr msg{};
    msg.msg_name = &client;
    msg.msg_namelen = sizeof client;
    msg.msg_iov = &iov;
    msg.msg_iovlen = 1;
    if (f.local != 0) {  // from the address the client sent to
      msg.msg_control = ctl;
      msg.msg_controllen = sizeof ctl;
      cmsghdr* c = CMSG_FIRSTHDR(&msg);
      c->cmsg_level = IPPROTO_IP;
      c->cmsg_type = IP_PKTINFO;
      c->cmsg_len = CMSG_LEN(sizeof(in_pktinfo));
      in_pktinfo info{};
      info.ipi_spec_dst.s_addr = f.local;
      std::memcpy(CMSG_DATA(c), &info, sizeof info);
    }
    [[maybe_unused]] ssize_t sent =
        ::sendmsg(listeners_[key.listener].fd.get(), &msg, MSG_NOSIGNAL);
  }
}

void PortProxy::expire_udp() {
  const int64_t now = now_ms();
  std::erase_if(flows_, [&](const auto& kv) {
    return !kv.second.upstream || now - kv.second.last_ms >= udp_idle_ms_;
  });
}

}  // namespace lit::shim
