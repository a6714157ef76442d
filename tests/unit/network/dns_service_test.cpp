// What lit's DNS server is told to serve: every network's gateway, and only
// running containers' names, plain and NAME.NETWORK, on their own networks.
#include "network/dns_service.hpp"

#include <gtest/gtest.h>
#include <unistd.h>

#include "network/dns/name_table.hpp"
#include "runtime/process/identity.hpp"

namespace lit::network {
namespace {

uint32_t ip(const char* text) { return *dns::parse_ipv4(text); }

bool pid_set(const Endpoint& e) { return e.pid != 0; }

NetworkRecord net(const std::string& name, const char* subnet, const char* gateway) {
  NetworkRecord r;
  r.name = name;
  r.id = std::string(64, name[0]);
  r.subnet = *Cidr::try_parse(subnet);
  r.gateway = *Ipv4::try_parse(gateway);
  return r;
}

void add(NetworkRecord& r, const std::string& id, const std::string& name, const char* address,
         bool active, std::vector<std::string> aliases = {}) {
  // Pid 1 stands for "running" here: dns_config is given the liveness test below.
  r.endpoints[id] =
      Endpoint{id, name, *Ipv4::try_parse(address), std::move(aliases), false, active ? 1 : 0, 0};
}

TEST(DnsConfig, RunningContainersAreServedOnTheirNetworksOnly) {
  auto front = net("front", "10.90.0.0/24", "10.90.0.1");
  auto back = net("back", "10.90.1.0/24", "10.90.1.1");
  const std::string web(64, '1'), db(64, '2'), stopped(64, '3');
  add(front, web, "web", "10.90.0.2", true, {"www"});
  add(back, db, "db", "10.90.1.2", true);
  add(front, stopped, "old", "10.90.0.3", false);

  dns::Config c = dns_config({front, back}, {ip("192.168.1.1")}, pid_set);
  EXPECT_EQ(c.listen, (std::vector<uint32_t>{ip("10.90.0.1"), ip("10.90.1.1")}));
  EXPECT_EQ(c.upstreams, (std::vector<uint32_t>{ip("192.168.1.1")}));
  auto served = [&](const char* listen, const std::string& name) {
    auto it = c.names.find({ip(listen), name});
    return it == c.names.end() ? std::vector<uint32_t>{} : it->second;
  };
  const std::vector<uint32_t> web_ip{ip("10.90.0.2")};
  EXPECT_EQ(served("10.90.0.1", "web"), web_ip);
  EXPECT_EQ(served("10.90.0.1", "www"), web_ip);
  EXPECT_EQ(served("10.90.0.1", "web.front"), web_ip);
  EXPECT_EQ(served("10.90.0.1", "www.front"), web_ip);
  EXPECT_EQ(served("10.90.0.1", web.substr(0, 12)), web_ip);
  EXPECT_EQ(served("10.90.1.1", "db"), std::vector<uint32_t>{ip("10.90.1.2")});
  EXPECT_TRUE(served("10.90.1.1", "web").empty()) << "a name leaked to another network";
  EXPECT_TRUE(served("10.90.0.1", "db").empty()) << "a name leaked to another network";
  EXPECT_TRUE(served("10.90.0.1", "old").empty()) << "a stopped container is served";
}

TEST(DnsConfig, ReplicasShareAName) {
  auto front = net("front", "10.90.0.0/24", "10.90.0.1");
  add(front, std::string(64, '1'), "app-1", "10.90.0.2", true, {"app"});
  add(front, std::string(64, '2'), "app-2", "10.90.0.3", true, {"app"});
  dns::Config c = dns_config({front}, {}, pid_set);
  auto it = c.names.find({ip("10.90.0.1"), "app"});
  ASSERT_NE(it, c.names.end());
  EXPECT_EQ(it->second.size(), 2u);
}

TEST(DnsConfig, AContainerOnTwoNetworksSeesTheNamesOfBoth) {
  auto front = net("front", "10.90.0.0/24", "10.90.0.1");
  auto back = net("back", "10.90.1.0/24", "10.90.1.1");
  const std::string api(64, '1');
  add(front, api, "api", "10.90.0.2", true);
  add(back, api, "api", "10.90.1.2", true);
  add(back, std::string(64, '2'), "db", "10.90.1.3", true);
  dns::Config c = dns_config({front, back}, {}, pid_set);
  EXPECT_EQ(c.scopes[ip("10.90.0.2")], std::vector<uint32_t>{ip("10.90.1.1")});
  EXPECT_EQ(c.scopes[ip("10.90.1.2")], std::vector<uint32_t>{ip("10.90.0.1")});
  EXPECT_FALSE(c.scopes.contains(ip("10.90.1.3"))) << "db is on one network only";
  // The file lit writes says the same to the server.
  dns::Config back_again = dns::parse_config(dns::render_config(c));
  EXPECT_EQ(back_again.scopes, c.scopes);
  EXPECT_EQ(back_again.names, c.names);
}

TEST(DnsConfig, AContainerWhoseProcessIsGoneIsNotServed) {
  // Killed with its supervisor, or before a reboot: the record says it runs,
  // the process does not exist.
  auto front = net("front", "10.90.0.0/24", "10.90.0.1");
  front.endpoints["x"] =
      Endpoint{"x", "ghost", *Ipv4::try_parse("10.90.0.9"), {}, false, 999999999, 1};
  EXPECT_FALSE(dns_config({front}, {}).names.contains({ip("10.90.0.1"), "ghost"}));
  front.endpoints["x"].pid = getpid();
  front.endpoints["x"].pid_start = runtime::process_start_time(getpid());
  EXPECT_TRUE(dns_config({front}, {}).names.contains({ip("10.90.0.1"), "ghost"}));
}

// What a start writes (names/<id>): that container's lines only, from its own
// endpoints, headed by its init; the server reading every container's file
// with the config gets the tables of the whole config.
TEST(DnsConfig, EachContainersFileHoldsItsOwnNamesAndTogetherTheWhole) {
  auto front = net("front", "10.90.0.0/24", "10.90.0.1");
  auto back = net("back", "10.90.1.0/24", "10.90.1.1");
  const std::string api(64, '1'), db(64, '2');
  add(front, api, "api", "10.90.0.2", true, {"www"});
  add(back, api, "api", "10.90.1.2", true);
  add(back, db, "db", "10.90.1.3", true);

  const std::string file = container_dns_file(api, 4321, 99, {front, back});
  EXPECT_TRUE(file.starts_with("pid 4321 99\n")) << file;
  dns::Config own = dns::parse_config(file);
  EXPECT_TRUE(own.names.contains({ip("10.90.0.1"), "www.front"}));
  EXPECT_TRUE(own.names.contains({ip("10.90.1.1"), "api.back"}));
  EXPECT_FALSE(own.names.contains({ip("10.90.1.1"), "db"})) << "another container's name";
  EXPECT_TRUE(own.listen.empty() && own.upstreams.empty());
  EXPECT_EQ(own.scopes[ip("10.90.0.2")], std::vector<uint32_t>{ip("10.90.1.1")});

  dns::Config whole = dns_config({front, back}, {ip("192.168.1.1")}, pid_set);
  std::string base;
  for (uint32_t l : whole.listen) base += "listen " + dns::format_ipv4(l) + "\n";
  const std::string db_file = container_dns_file(db, 4322, 98, {front, back});
  const std::string_view texts[] = {base, file, db_file};
  const dns::ServerTables tables = dns::parse_server_tables(texts);
  const dns::ServerTables expected = dns::parse_server_tables(dns::render_config(whole));
  EXPECT_EQ(tables.names.size(), expected.names.size());
  for (const auto& [key, addresses] : whole.names) {
    auto [first, last] = tables.names.find(key.first, key.second);
    ASSERT_EQ(last - first, addresses.size()) << key.second;
    for (size_t i = first; i < last; ++i)
      EXPECT_EQ(tables.names.address(i), addresses[i - first]) << key.second;
  }
  EXPECT_EQ(tables.scopes, expected.scopes);
  EXPECT_EQ(tables.listen, expected.listen);
}

TEST(DnsConfig, NoNetworkMeansNothingToListenOn) {
  EXPECT_TRUE(dns_config({}, {ip("1.1.1.1")}).listen.empty());
}

}  // namespace
}  // namespace lit::network
