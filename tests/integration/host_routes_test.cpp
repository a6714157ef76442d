// The host's routes read over netlink (network/ipam_routes.cpp), in a network
// namespace a forked child makes (root only), and how they steer subnet choice.
#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <sched.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstdlib>
#include <string>
#include <vector>

#include "network/cidr.hpp"
#include "network/ipam.hpp"

namespace lit::network {
namespace {

using ::testing::HasSubstr;

// In a forked child with its own network namespace (never the host's): add a
// veth pair with an address and a route, read the routes over netlink, and
// report them to the parent as text.
std::string routes_in_new_netns() {
  int fds[2];
  if (::pipe(fds) < 0) return "pipe failed";
  pid_t pid = ::fork();
  if (pid == 0) {
    ::close(fds[0]);
    std::string out;
    if (::unshare(CLONE_NEWNET) < 0) {
      out = "unshare failed";
    } else if (std::system(
                   "ip link add lit-t0 type veth peer name lit-t1 && ip link set lit-t1 up && "
                   "ip link set lit-t0 up && "
                   "ip link set lo up && ip addr add 192.168.77.1/24 dev lit-t0 && "
                   "ip route add 10.122.0.0/16 dev lit-t0 && "
                   "ip route add default via 192.168.77.254") != 0) {
      out = "ip setup failed";
    } else {
      try {
        for (const auto& r : read_host_routes()) out += r.to_string() + " ";
      } catch (const std::exception& e) {
        out = std::string("error: ") + e.what();
      }
    }
    (void)!::write(fds[1], out.data(), out.size());
    ::_exit(0);
  }
  ::close(fds[1]);
  std::string text;
  char buf[512];
  for (ssize_t n; (n = ::read(fds[0], buf, sizeof buf)) > 0;)
    text.append(buf, static_cast<size_t>(n));
  ::close(fds[0]);
  ::waitpid(pid, nullptr, 0);
  return text;
}

TEST(HostRoutes, ReadsTheNamespacesRoutesOverNetlink) {
  if (::geteuid() != 0) GTEST_SKIP() << "needs root to create a network namespace";
  std::string routes = routes_in_new_netns();
  EXPECT_THAT(routes, HasSubstr("192.168.77.0/24 "));
  EXPECT_THAT(routes, HasSubstr("10.122.0.0/16 "));
  // Not the default route, nor the local table's host and loopback entries.
  EXPECT_THAT(routes, ::testing::Not(HasSubstr("0.0.0.0/0")));
  EXPECT_THAT(routes, ::testing::Not(HasSubstr("127.")));
  EXPECT_THAT(routes, ::testing::Not(HasSubstr("192.168.77.1/32")));
}

TEST(HostRoutes, FeedChooseSubnet) {
  if (::geteuid() != 0) GTEST_SKIP() << "needs root to create a network namespace";
  // The routes a namespace really has steer the choice away from them.
  std::string routes = routes_in_new_netns();
  ASSERT_THAT(routes, HasSubstr("10.122.0.0/16 "));
  std::vector<Cidr> parsed;
  for (size_t p = 0, e; (e = routes.find(' ', p)) != std::string::npos; p = e + 1)
    parsed.push_back(Cidr::parse(routes.substr(p, e - p), "route"));
  ASSERT_FALSE(parsed.empty()) << routes;
  SubnetPool p = parse_subnet_pool("base=10.122.0.0/15,size=24", "test");
  EXPECT_EQ(choose_subnet(p, {}, parsed).to_string(), "10.123.0.0/24");
}

}  // namespace
}  // namespace lit::network
