// IPAM: CIDR values, subnet choice from the pool, gateway checks, address
// allocation, and reading the routes of a network namespace over netlink.
#include "network/ipam.hpp"

#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <sched.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstdlib>
#include <string>

#include "network/cidr.hpp"
#include "tests/unit/error_of.hpp"

namespace lit::network {
namespace {

using lit::testing::error_of;
using ::testing::HasSubstr;

Ipv4 ip(const char* s) { return *Ipv4::try_parse(s); }
Cidr net(const char* s) { return *Cidr::try_parse(s); }

TEST(Cidr, ParsesAndFormatsCanonically) {
  Cidr c = Cidr::parse("10.90.3.0/24", "--subnet");
  EXPECT_EQ(c.to_string(), "10.90.3.0/24");
  EXPECT_EQ(c.network().to_string(), "10.90.3.0");
  EXPECT_EQ(c.broadcast().to_string(), "10.90.3.255");
  EXPECT_EQ(c.size(), 256u);
  EXPECT_EQ(Cidr::parse("0.0.0.0/0", "--subnet").size(), std::uint64_t{1} << 32);
  EXPECT_EQ(Ipv4::parse("255.255.255.255", "--ip").value(), 0xffffffffu);
}

TEST(Cidr, RejectsMalformedAddressesNamingTheFlag) {
  EXPECT_EQ(error_of([] { Ipv4::parse("10.0.0.256", "--ip"); }),
            "invalid value \"10.0.0.256\" for flag --ip: not an IPv4 address (expected a.b.c.d, "
            "e.g. 10.90.0.5)");
  for (const char* bad : {"10.0.0", "10.0.0.1.2", "010.0.0.1", "10..0.1", " 10.0.0.1", "a.b.c.d",
                          "10.0.0.1 ", "", "1e1.0.0.1", "+1.0.0.1"})
    EXPECT_FALSE(Ipv4::try_parse(bad)) << bad;
  EXPECT_EQ(error_of([] { Cidr::parse("10.0.0.0", "--subnet"); }),
            "invalid value \"10.0.0.0\" for flag --subnet: not a subnet in CIDR notation "
            "(expected a.b.c.d/N, e.g. 10.90.0.0/24)");
  EXPECT_EQ(error_of([] { Cidr::parse("10.0.300.0/24", "--subnet"); }),
            "invalid value \"10.0.300.0/24\" for flag --subnet: \"10.0.300.0\" is not an IPv4 "
            "address");
  EXPECT_EQ(error_of([] { Cidr::parse("10.0.0.0/33", "--subnet"); }),
            "invalid value \"10.0.0.0/33\" for flag --subnet: the prefix length must be a number "
            "from 0 to 32");
  EXPECT_FALSE(Cidr::try_parse("10.0.0.0/"));
  EXPECT_FALSE(Cidr::try_parse("10.0.0.0/024"));
}

TEST(Cidr, HostBitsSetSuggestsTheNetwork) {
  EXPECT_EQ(error_of([] { Cidr::parse("10.90.0.7/24", "--subnet"); }),
            "invalid value \"10.90.0.7/24\" for flag --subnet: host bits are set; did you mean "
            "10.90.0.0/24?");
  EXPECT_FALSE(Cidr::try_parse("192.168.1.1/16"));
}

TEST(Cidr, ContainsAndOverlaps) {
  Cidr c = net("10.90.0.0/16");
  EXPECT_TRUE(c.contains(ip("10.90.255.255")));
  EXPECT_FALSE(c.contains(ip("10.91.0.0")));
  EXPECT_TRUE(c.overlaps(net("10.90.7.0/24")));
  EXPECT_TRUE(net("10.90.7.0/24").overlaps(c));
  EXPECT_TRUE(net("10.0.0.0/8").overlaps(c));
  EXPECT_FALSE(net("10.90.0.0/24").overlaps(net("10.90.1.0/24")));
  EXPECT_TRUE(net("0.0.0.0/0").overlaps(net("192.168.0.0/24")));
}

TEST(SubnetPool, DefaultIs10_90_0_0_16In24s) {
  SubnetPool p;
  EXPECT_EQ(p.base.to_string(), "10.90.0.0/16");
  EXPECT_EQ(p.size, 24u);
  // Coexists with podman's and docker's defaults.
  for (const char* other : {"10.88.0.0/16", "10.89.0.0/16", "172.17.0.0/16", "192.168.0.0/16"})
    EXPECT_FALSE(p.base.overlaps(net(other))) << other;
}

TEST(SubnetPool, ParsesDockerSyntax) {
  SubnetPool p = parse_subnet_pool("base=172.30.0.0/16,size=26", "test");
  EXPECT_EQ(p.base.to_string(), "172.30.0.0/16");
  EXPECT_EQ(p.size, 26u);
  EXPECT_EQ(parse_subnet_pool("base=10.1.0.0/20", "test").size, 24u);
  EXPECT_EQ(error_of([] { parse_subnet_pool("base=10.1.0.0/24,size=16", "LIT_X"); }),
            "invalid address pool \"base=10.1.0.0/24,size=16\" in LIT_X: size /16 is larger than "
            "the base 10.1.0.0/24");
  EXPECT_THAT(error_of([] { parse_subnet_pool("size=24", "LIT_X"); }),
              HasSubstr("base=CIDR is missing"));
  EXPECT_THAT(error_of([] { parse_subnet_pool("base=10.1.0.1/16", "LIT_X"); }),
              HasSubstr("\"10.1.0.1/16\" is not a subnet in CIDR notation"));
  EXPECT_THAT(error_of([] { parse_subnet_pool("base=10.1.0.0/16,mtu=9000", "LIT_X"); }),
              HasSubstr("unknown key \"mtu=9000\""));
}

TEST(SubnetPool, FromEnvironment) {
  ::setenv("LIT_DEFAULT_ADDRESS_POOL", "base=10.200.0.0/16,size=28", 1);
  SubnetPool p = subnet_pool_from_environment();
  ::unsetenv("LIT_DEFAULT_ADDRESS_POOL");
  EXPECT_EQ(p.base.to_string(), "10.200.0.0/16");
  EXPECT_EQ(p.size, 28u);
  EXPECT_EQ(subnet_pool_from_environment().base.to_string(), "10.90.0.0/16");
}

TEST(ChooseSubnet, FirstBlockOfThePool) {
  EXPECT_EQ(choose_subnet(SubnetPool{}, {}, {}).to_string(), "10.90.0.0/24");
}

TEST(ChooseSubnet, SkipsLitNetworksAndHostRoutes) {
  std::vector<Cidr> lit = {net("10.90.0.0/24"), net("10.90.2.0/24")};
  std::vector<Cidr> routes = {net("0.0.0.0/0"), net("10.90.1.128/25"), net("10.90.3.0/24"),
                              net("10.90.4.7/32")};
  // The default route is ignored; a /25 or /32 inside a block rules the block out.
  EXPECT_EQ(choose_subnet(SubnetPool{}, lit, routes).to_string(), "10.90.5.0/24");
  // A route covering the whole pool leaves nothing.
  std::vector<Cidr> covering = {net("10.0.0.0/8")};
  EXPECT_EQ(error_of([&] { choose_subnet(SubnetPool{}, {}, covering); }),
            "no free subnet: all /24 subnets in the pool 10.90.0.0/16 are used by lit networks "
            "or host routes");
}

TEST(ChooseSubnet, ExhaustsASmallPool) {
  SubnetPool p = parse_subnet_pool("base=10.90.0.0/23,size=24", "test");
  std::vector<Cidr> lit = {choose_subnet(p, {}, {})};
  lit.push_back(choose_subnet(p, lit, {}));
  EXPECT_EQ(lit[1].to_string(), "10.90.1.0/24");
  EXPECT_THAT(error_of([&] { choose_subnet(p, lit, {}); }), HasSubstr("no free subnet"));
}

TEST(Gateway, DefaultIsTheFirstHost) {
  EXPECT_EQ(default_gateway(net("10.90.7.0/24")).to_string(), "10.90.7.1");
}

TEST(Gateway, ValidatedAgainstTheSubnet) {
  EXPECT_EQ(error_of([] { validate_addressing(net("10.90.0.0/24"), ip("10.90.1.1")); }),
            "invalid value \"10.90.1.1\" for flag --gateway: not in subnet 10.90.0.0/24");
  EXPECT_EQ(error_of([] { validate_addressing(net("10.90.0.0/24"), ip("10.90.0.255")); }),
            "invalid value \"10.90.0.255\" for flag --gateway: it is the broadcast address of "
            "10.90.0.0/24; use a host address such as 10.90.0.1");
  EXPECT_THAT(error_of([] { validate_addressing(net("10.90.0.0/24"), ip("10.90.0.0")); }),
              HasSubstr("it is the network address"));
  EXPECT_THAT(error_of([] { validate_addressing(net("10.90.0.4/31"), ip("10.90.0.5")); }),
              HasSubstr("too small for a gateway and a container"));
  EXPECT_EQ(error_of([] { validate_addressing(net("10.90.0.0/24"), ip("10.90.0.254")); }), "");
  EXPECT_EQ(error_of([] { validate_addressing(net("10.90.0.4/30"), ip("10.90.0.5")); }), "");
}

TEST(Allocate, LowestFreeSkippingReservedAndTaken) {
  Cidr s = net("10.90.0.0/24");
  EXPECT_EQ(allocate_address("n", s, ip("10.90.0.1"), {}).to_string(), "10.90.0.2");
  TakenAddresses taken = {{ip("10.90.0.2"), "a"}, {ip("10.90.0.4"), "b"}};
  EXPECT_EQ(allocate_address("n", s, ip("10.90.0.1"), taken).to_string(), "10.90.0.3");
  // A gateway elsewhere frees .1 for containers.
  EXPECT_EQ(allocate_address("n", s, ip("10.90.0.254"), {}).to_string(), "10.90.0.1");
}

TEST(Allocate, ExhaustionNamesTheNetwork) {
  Cidr s = net("10.90.0.0/29");  // .1 gateway, .2-.6 for containers
  TakenAddresses taken;
  for (int i = 0; i < 5; ++i) {
    Ipv4 a = allocate_address("small", s, ip("10.90.0.1"), taken);
    EXPECT_EQ(a.value(), ip("10.90.0.2").value() + static_cast<unsigned>(i));
    taken.emplace(a, "c" + std::to_string(i));
  }
  EXPECT_EQ(error_of([&] { allocate_address("small", s, ip("10.90.0.1"), taken); }),
            "no free IP address in network small (10.90.0.0/29): all 5 container addresses are "
            "in use");
  // Releasing one makes exactly it available again.
  taken.erase(ip("10.90.0.4"));
  EXPECT_EQ(allocate_address("small", s, ip("10.90.0.1"), taken).to_string(), "10.90.0.4");
}

TEST(StaticAddress, HonouredWhenInsideAndFree) {
  Cidr s = net("10.90.0.0/24");
  TakenAddresses taken = {{ip("10.90.0.2"), "web"}};
  EXPECT_EQ(
      error_of([&] { check_static_address("n", s, ip("10.90.0.1"), taken, ip("10.90.0.9")); }), "");
  EXPECT_EQ(
      error_of([&] { check_static_address("n", s, ip("10.90.0.1"), taken, ip("10.90.0.2")); }),
      "invalid value \"10.90.0.2\" for flag --ip: already in use by container \"web\" on "
      "network n (10.90.0.0/24)");
  EXPECT_EQ(
      error_of([&] { check_static_address("n", s, ip("10.90.0.1"), taken, ip("10.91.0.2")); }),
      "invalid value \"10.91.0.2\" for flag --ip: not in the subnet of network n "
      "(10.90.0.0/24)");
  EXPECT_EQ(
      error_of([&] { check_static_address("n", s, ip("10.90.0.1"), taken, ip("10.90.0.1")); }),
      "invalid value \"10.90.0.1\" for flag --ip: it is the gateway of network n "
      "(10.90.0.0/24)");
  EXPECT_THAT(
      error_of([&] { check_static_address("n", s, ip("10.90.0.1"), taken, ip("10.90.0.255")); }),
      HasSubstr("it is the broadcast address of network n"));
  EXPECT_THAT(
      error_of([&] { check_static_address("n", s, ip("10.90.0.1"), taken, ip("10.90.0.0")); }),
      HasSubstr("it is the network address of network n"));
}

}  // namespace
}  // namespace lit::network
