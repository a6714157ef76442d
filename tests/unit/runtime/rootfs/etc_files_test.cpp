// The container's /etc/hosts and /etc/resolv.conf as generated for each network mode.
#include "runtime/rootfs/etc_files.hpp"

#include <gtest/gtest.h>

#include "runtime/spec/spec.hpp"
#include "runtime/util/error.hpp"

namespace lit::runtime {
namespace {

TEST(EtcFiles, HostsForNoNetworkMapHostnameToLoopback) {
  ContainerSpec s;
  s.hostname = "web";
  std::string h = hosts_content(s, "10.0.0.1 hosthost\n");
  EXPECT_NE(h.find("127.0.0.1\tlocalhost"), std::string::npos);
  EXPECT_NE(h.find("127.0.0.1\tweb"), std::string::npos);
  EXPECT_EQ(h.find("hosthost"), std::string::npos);
  s.network = NetworkMode::Host;
  EXPECT_EQ(hosts_content(s, "10.0.0.1 hosthost\n"), "10.0.0.1 hosthost\n");
}

TEST(EtcFiles, ResolvDropsHostLocalNameserversOnlyInOwnNetns) {
  ContainerSpec s;
  std::string host = "nameserver 127.0.0.53\nnameserver 1.1.1.1\nsearch example\n";
  EXPECT_EQ(resolv_content(s, host), "nameserver 1.1.1.1\nsearch example\n");
  s.network = NetworkMode::Host;
  EXPECT_EQ(resolv_content(s, host), host);
}

TEST(EtcFiles, OnALitNetworkLitsDnsReplacesTheHostsResolversAndTheNameIsTheAddress) {
  ContainerSpec s;
  s.network = NetworkMode::Bridge;
  s.hostname = "abc";
  s.address = "10.90.0.5";
  s.dns_servers = {"10.90.0.1"};
  std::string host = "nameserver 127.0.0.53\nnameserver 1.1.1.1\nsearch example\noptions ndots:2\n";
  EXPECT_EQ(resolv_content(s, host), "nameserver 10.90.0.1\nsearch example\noptions ndots:2\n");
  std::string h = hosts_content(s, "");
  EXPECT_NE(h.find("10.90.0.5\tabc\n"), std::string::npos) << h;
  EXPECT_EQ(h.find("127.0.0.1\tabc"), std::string::npos) << h;
}

}  // namespace
}  // namespace lit::runtime
