// PortProxy on the test's loopback: TCP both ways with half-close, much data
// through bounded buffers, many connections at once, a refused upstream; UDP
// replies to each client and idle flows expiring. (Upstream sockets in another
// network namespace: tests/integration/port_proxy_test.cpp.)
#include "runtime/shim/port_proxy.hpp"

#include <gtest/gtest.h>

#include <memory>
#include <thread>

#include "tests/unit/runtime/shim/proxy_peers.hpp"

namespace lit::test::proxy {
namespace {

using runtime::Proto;

std::vector<shim::ProxyListener> one(shim::ProxyListener l) {
  std::vector<shim::ProxyListener> v;
  v.push_back(std::move(l));
  return v;
}

TEST(PortProxy, TcpCarriesBytesBothWaysAndPassesAHalfCloseOn) {
  TcpEcho echo;
  shim::ProxyListener l = listener(Proto::Tcp, echo.port);
  const uint16_t port = port_of(l.fd.get());
  ProxyRunner proxy(one(std::move(l)), {});
  UniqueFd c = client(SOCK_STREAM, port);
  ASSERT_TRUE(c);
  ASSERT_TRUE(send_all(c.get(), "hello"));
  EXPECT_EQ(read_n(c.get(), 5), "hello");
  ASSERT_TRUE(send_all(c.get(), " again"));
  ASSERT_EQ(::shutdown(c.get(), SHUT_WR), 0);
  // The server saw the end of our side, and its answer after it still came back.
  EXPECT_EQ(read_to_eof(c.get()), " again<EOF>");
  EXPECT_TRUE(eventually([&] { return proxy.tcp() == 0; })) << "the finished connection stays";
}

TEST(PortProxy, TcpCarriesMoreThanItsBuffersInBothDirectionsAtOnce) {
  TcpEcho echo;
  shim::ProxyListener l = listener(Proto::Tcp, echo.port);
  const uint16_t port = port_of(l.fd.get());
  ProxyRunner proxy(one(std::move(l)), {});
  UniqueFd c = client(SOCK_STREAM, port);
  ASSERT_TRUE(c);
  std::string data(4U << 20, '\0');
  for (size_t i = 0; i < data.size(); ++i) data[i] = static_cast<char>('a' + i * 7 % 26);
  std::thread writer([&] {
    send_all(c.get(), data);
    ::shutdown(c.get(), SHUT_WR);
  });
  std::string back = read_to_eof(c.get());
  writer.join();
  EXPECT_EQ(back.size(), data.size() + 5);
  EXPECT_TRUE(back == data + "<EOF>") << "bytes changed or reordered on the way";
}

TEST(PortProxy, ManyConnectionsAtOnceEachGetTheirOwnAnswer) {
  TcpEcho echo;
  shim::ProxyListener l = listener(Proto::Tcp, echo.port);
  const uint16_t port = port_of(l.fd.get());
  ProxyRunner proxy(one(std::move(l)), {});
  constexpr int kClients = 100;
  std::vector<UniqueFd> clients;
  for (int i = 0; i < kClients; ++i) {
    clients.push_back(client(SOCK_STREAM, port));
    ASSERT_TRUE(clients.back()) << i;
  }
  for (int i = 0; i < kClients; ++i)
    ASSERT_TRUE(send_all(clients[i].get(), std::to_string(i) + ";"));
  EXPECT_TRUE(eventually([&] { return proxy.tcp() == kClients; })) << proxy.tcp();
  for (int i = 0; i < kClients; ++i) {
    const std::string want = std::to_string(i) + ";";
    EXPECT_EQ(read_n(clients[i].get(), want.size()), want);
  }
  clients.clear();
  EXPECT_TRUE(eventually([&] { return proxy.tcp() == 0; })) << proxy.tcp();
}

TEST(PortProxy, ARefusedUpstreamClosesTheClient) {
  // Bound, not listening: a connection to it is refused.
  UniqueFd nobody(::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0));
  sockaddr_in a = loopback(0);
  ASSERT_EQ(::bind(nobody.get(), reinterpret_cast<sockaddr*>(&a), sizeof a), 0);
  shim::ProxyListener l = listener(Proto::Tcp, port_of(nobody.get()));
  const uint16_t port = port_of(l.fd.get());
  ProxyRunner proxy(one(std::move(l)), {});
  UniqueFd c = client(SOCK_STREAM, port);
  ASSERT_TRUE(c);
  send_all(c.get(), "anyone?");
  std::string got = read_to_eof(c.get());
  EXPECT_TRUE(got.empty() || got == "<error>") << got;  // EOF or reset, never data
  EXPECT_TRUE(eventually([&] { return proxy.tcp() == 0; }));
}

TEST(PortProxy, UdpRepliesGoBackToEachClient) {
  UdpEcho echo;
  shim::ProxyListener l = listener(Proto::Udp, echo.port);
  const uint16_t port = port_of(l.fd.get());
  ProxyRunner proxy(one(std::move(l)), {});
  UniqueFd a = client(SOCK_DGRAM, port), b = client(SOCK_DGRAM, port);
  ASSERT_TRUE(a && b);
  EXPECT_EQ(ask(a.get(), "from a"), "echo:from a");
  EXPECT_EQ(ask(b.get(), "from b"), "echo:from b");
  EXPECT_EQ(ask(a.get(), "a again"), "echo:a again");
  EXPECT_EQ(proxy.udp(), 2u);
}

TEST(PortProxy, UdpRepliesComeFromTheAddressTheClientSentTo) {
  UdpEcho echo;
  // On every address, as -p 5353:53/udp binds; the client asks 127.0.0.2,
  // and a reply from any other source would be dropped by its connected socket.
  shim::ProxyListener l;
  l.proto = Proto::Udp;
  l.fd = shim::socket_in_netns(-1, AF_INET, SOCK_DGRAM);
  sockaddr_in any{};
  any.sin_family = AF_INET;
  ASSERT_EQ(::bind(l.fd.get(), reinterpret_cast<sockaddr*>(&any), sizeof any), 0);
  l.target = loopback(echo.port);
  const uint16_t port = port_of(l.fd.get());
  ProxyRunner proxy(one(std::move(l)), {});
  UniqueFd c(::socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0));
  timeval tv{10, 0};
  ::setsockopt(c.get(), SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
  sockaddr_in to = loopback(port);
  to.sin_addr.s_addr = htonl(0x7f000002);
  ASSERT_EQ(::connect(c.get(), reinterpret_cast<sockaddr*>(&to), sizeof to), 0);
  EXPECT_EQ(ask(c.get(), "who"), "echo:who");
}

TEST(PortProxy, IdleUdpFlowsExpireAndAClientComesBackAsNew) {
  UdpEcho echo;
  shim::ProxyListener l = listener(Proto::Udp, echo.port);
  const uint16_t port = port_of(l.fd.get());
  ProxyRunner proxy(one(std::move(l)), {}, 100);  // idle for 100 ms: gone
  UniqueFd a = client(SOCK_DGRAM, port);
  ASSERT_TRUE(a);
  EXPECT_EQ(ask(a.get(), "one"), "echo:one");
  EXPECT_TRUE(eventually([&] { return proxy.udp() == 0; })) << "the flow never expired";
  EXPECT_EQ(ask(a.get(), "two"), "echo:two");
}

TEST(PortProxy, TcpAndUdpPortsAreServedSideBySide) {
  TcpEcho tcp;
  UdpEcho udp;
  std::vector<shim::ProxyListener> ls;
  ls.push_back(listener(Proto::Tcp, tcp.port));
  ls.push_back(listener(Proto::Udp, udp.port));
  const uint16_t tcp_port = port_of(ls[0].fd.get()), udp_port = port_of(ls[1].fd.get());
  ProxyRunner proxy(std::move(ls), {});
  UniqueFd u = client(SOCK_DGRAM, udp_port), t = client(SOCK_STREAM, tcp_port);
  ASSERT_TRUE(u && t);
  EXPECT_EQ(ask(u.get(), "dgram"), "echo:dgram");
  send_all(t.get(), "stream");
  ::shutdown(t.get(), SHUT_WR);
  EXPECT_EQ(read_to_eof(t.get()), "stream<EOF>");
}

}  // namespace
}  // namespace lit::test::proxy
