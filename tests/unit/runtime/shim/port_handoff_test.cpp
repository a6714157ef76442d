// The published ports' hand-over from __spawn to the supervisor: sockets,
// targets and the upstream namespace arrive as sent, over several messages
// when there are many, and the receiver stops at the sender's shutdown.
#include "runtime/shim/port_handoff.hpp"

#include <fcntl.h>
#include <gtest/gtest.h>

#include "tests/unit/runtime/shim/proxy_peers.hpp"

namespace lit::test::proxy {
namespace {

using runtime::Proto;

struct Pair {
  UniqueFd spawn, shim;
  Pair() {
    int sv[2];
    if (::socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, sv) == 0) {
      spawn.reset(sv[0]);
      shim.reset(sv[1]);
    }
  }
};

TEST(PortHandoff, SocketsTargetsAndTheNamespaceArriveAsSent) {
  Pair p;
  ASSERT_TRUE(p.spawn);
  std::vector<shim::ProxyListener> sent;
  sent.push_back(listener(Proto::Tcp, 80));
  sent.push_back(listener(Proto::Udp, 5300));
  sent[1].target.sin_addr.s_addr = htonl(0x0a5a0007);  // 10.90.0.7
  UniqueFd netns(::open("/proc/self/ns/net", O_RDONLY | O_CLOEXEC));
  ASSERT_TRUE(netns);
  ASSERT_TRUE(shim::send_proxy_ports(p.spawn.get(), netns.get(), sent));
  ::shutdown(p.spawn.get(), SHUT_WR);

  shim::ProxyPorts got = shim::receive_proxy_ports(p.shim.get());
  ASSERT_EQ(got.listeners.size(), 2u);
  EXPECT_TRUE(got.netns);
  for (size_t i = 0; i < 2; ++i) {
    EXPECT_EQ(got.listeners[i].proto, sent[i].proto);
    EXPECT_EQ(got.listeners[i].target.sin_addr.s_addr, sent[i].target.sin_addr.s_addr);
    EXPECT_EQ(got.listeners[i].target.sin_port, sent[i].target.sin_port);
    // The very socket: bound where the sender bound it.
    EXPECT_EQ(port_of(got.listeners[i].fd.get()), port_of(sent[i].fd.get()));
    EXPECT_NE(got.listeners[i].fd.get(), sent[i].fd.get());
  }
  EXPECT_EQ(ntohs(got.listeners[1].target.sin_port), 5300);
}

TEST(PortHandoff, ManyPortsGoOverSeveralMessages) {
  Pair p;
  std::vector<shim::ProxyListener> sent;
  for (uint16_t i = 0; i < shim::kPerMessage + 5; ++i)
    sent.push_back(listener(Proto::Udp, static_cast<uint16_t>(1000 + i)));
  ASSERT_TRUE(shim::send_proxy_ports(p.spawn.get(), -1, sent));
  p.spawn.reset();  // closed rather than shut down: the end all the same
  shim::ProxyPorts got = shim::receive_proxy_ports(p.shim.get());
  ASSERT_EQ(got.listeners.size(), sent.size());
  EXPECT_FALSE(got.netns) << "none was sent: upstream sockets are made in the receiver's";
  EXPECT_EQ(ntohs(got.listeners.back().target.sin_port), 1000 + shim::kPerMessage + 4);
}

TEST(PortHandoff, NothingSentIsNothingReceived) {
  Pair p;
  ASSERT_TRUE(shim::send_proxy_ports(p.spawn.get(), -1, {}));
  ::shutdown(p.spawn.get(), SHUT_WR);
  shim::ProxyPorts got = shim::receive_proxy_ports(p.shim.get());
  EXPECT_TRUE(got.listeners.empty());
  EXPECT_FALSE(got.netns);
}

}  // namespace
}  // namespace lit::test::proxy
