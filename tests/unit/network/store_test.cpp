// The network store: records on disk, names and subnets unique, lookup,
// removal refused while in use, attach/detach with address allocation, and
// concurrent lit commands serialized by the store's lock.
#include "network/store.hpp"

#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <sys/wait.h>
#include <unistd.h>

#include <set>

#include "runtime/util/fs.hpp"
#include "tests/unit/error_of.hpp"

namespace lit::network {
namespace {

using lit::testing::error_of;
using ::testing::HasSubstr;
namespace fs = std::filesystem;

NetworkCreate named(const std::string& name) {
  NetworkCreate c;
  c.name = name;
  return c;
}

class NetworkStoreTest : public ::testing::Test {
 protected:
  NetworkStoreTest() : tmp_(fs::temp_directory_path(), "lit-netstore-") {}

  NetworkStore store(std::vector<Cidr> routes = {}) {
    return NetworkStore(networks_dir(tmp_.path()), SubnetPool{}, [routes] { return routes; });
  }
  NetworkRecord make(const std::string& name, std::optional<std::string> subnet = {},
                     std::optional<std::string> gateway = {}) {
    return store().create(NetworkCreate{name, subnet, gateway, false, {}});
  }
  AttachRequest req(const std::string& id, const std::string& name,
                    std::optional<std::string> ip = {}) {
    return AttachRequest{id, name, ip, {}};
  }

  TempDir tmp_;
};

TEST_F(NetworkStoreTest, CreateWritesOneJsonFilePerNetwork) {
  NetworkRecord r = store().create(
      NetworkCreate{"front", std::nullopt, std::nullopt, true, {{"com.example", "x"}}});
  EXPECT_EQ(r.id.size(), 64u);
  EXPECT_EQ(r.id.find_first_not_of("0123456789abcdef"), std::string::npos);
  EXPECT_EQ(r.subnet.to_string(), "10.90.0.0/24");
  EXPECT_EQ(r.gateway.to_string(), "10.90.0.1");
  auto j = nlohmann::json::parse(read_file(tmp_.path() / "networks" / "front.json"));
  EXPECT_EQ(j["name"], "front");
  EXPECT_EQ(j["id"], r.id);
  EXPECT_EQ(j["subnet"], "10.90.0.0/24");
  EXPECT_EQ(j["gateway"], "10.90.0.1");
  EXPECT_EQ(j["internal"], true);
  EXPECT_EQ(j["labels"]["com.example"], "x");
  EXPECT_FALSE(j["created"].get<std::string>().empty());
  EXPECT_TRUE(j["containers"].empty());
}

TEST_F(NetworkStoreTest, AutomaticSubnetsSkipOtherNetworksAndHostRoutes) {
  EXPECT_EQ(make("a").subnet.to_string(), "10.90.0.0/24");
  EXPECT_EQ(make("b", "10.90.1.0/24").subnet.to_string(), "10.90.1.0/24");
  auto s = store({*Cidr::try_parse("0.0.0.0/0"), *Cidr::try_parse("10.90.2.0/23")});
  EXPECT_EQ(s.create(named("c")).subnet.to_string(), "10.90.4.0/24");
}

TEST_F(NetworkStoreTest, GivenSubnetAndGateway) {
  NetworkRecord r = make("g", "172.30.5.0/24", "172.30.5.254");
  EXPECT_EQ(r.gateway.to_string(), "172.30.5.254");
  EXPECT_EQ(store().lookup("g").gateway.to_string(), "172.30.5.254");
}

TEST_F(NetworkStoreTest, BadInputIsRefusedAndNothingIsWritten) {
  EXPECT_EQ(error_of([&] { make("n", "10.1.0.5/16"); }),
            "invalid value \"10.1.0.5/16\" for flag --subnet: host bits are set; did you mean "
            "10.1.0.0/16?");
  EXPECT_EQ(error_of([&] { make("n", "10.1.0.0/16", "10.2.0.1"); }),
            "invalid value \"10.2.0.1\" for flag --gateway: not in subnet 10.1.0.0/16");
  EXPECT_EQ(error_of([&] { make("n", "10.1.0.0/16", "10.1.0"); }),
            "invalid value \"10.1.0\" for flag --gateway: not an IPv4 address (expected a.b.c.d, "
            "e.g. 10.90.0.5)");
  EXPECT_EQ(error_of([&] { make("n", std::nullopt, "10.1.0.1"); }),
            "flag --gateway needs --subnet: a gateway is an address in a given subnet");
  EXPECT_EQ(error_of([&] { make("-bad"); }),
            "invalid network name \"-bad\": only [a-zA-Z0-9][a-zA-Z0-9_.-] are allowed");
  EXPECT_EQ(error_of([&] { make("a/b"); }),
            "invalid network name \"a/b\": only [a-zA-Z0-9][a-zA-Z0-9_.-] are allowed");
  EXPECT_EQ(error_of([&] { make("host"); }),
            "network name \"host\" is reserved: --network host is built in");
  EXPECT_TRUE(store().list().empty());
}

TEST_F(NetworkStoreTest, NamesAreUnique) {
  NetworkRecord a = make("dup");
  EXPECT_EQ(error_of([&] { make("dup"); }),
            "network \"dup\" already exists (id " + a.id.substr(0, 12) + ")");
  EXPECT_EQ(store().list().size(), 1u);
}

TEST_F(NetworkStoreTest, OverlappingSubnetsAreRefused) {
  make("wide", "10.50.0.0/16");
  EXPECT_EQ(error_of([&] { make("narrow", "10.50.3.0/24"); }),
            "invalid value \"10.50.3.0/24\" for flag --subnet: it overlaps subnet 10.50.0.0/16 "
            "of network wide");
  EXPECT_THAT(error_of([&] { make("wider", "10.0.0.0/8"); }), HasSubstr("overlaps"));
  EXPECT_EQ(error_of([&] { make("beside", "10.51.0.0/16"); }), "");
}

TEST_F(NetworkStoreTest, ListAndLookupByNameIdAndPrefix) {
  NetworkRecord b = make("beta");
  NetworkRecord a = make("alpha");
  auto all = store().list();
  ASSERT_EQ(all.size(), 2u);
  EXPECT_EQ(all[0].name, "alpha");
  EXPECT_EQ(all[1].name, "beta");
  EXPECT_EQ(store().lookup("beta").id, b.id);
  EXPECT_EQ(store().lookup(a.id).name, "alpha");
  // The shortest unambiguous prefix of a's id.
  size_t n = 1;
  while (b.id.starts_with(a.id.substr(0, n))) ++n;
  EXPECT_EQ(store().lookup(a.id.substr(0, n)).name, "alpha");
  EXPECT_FALSE(store().find("gamma"));
  EXPECT_EQ(error_of([&] { store().lookup("gamma"); }), "no such network: gamma");
}

TEST_F(NetworkStoreTest, AmbiguousIdPrefixIsAnError) {
  // Make two networks whose ids share a first character (16 candidates, so soon).
  std::map<char, std::string> by_first;
  std::string prefix;
  for (int i = 0; prefix.empty(); ++i) {
    NetworkRecord r = make("n" + std::to_string(i));
    auto [it, fresh] = by_first.emplace(r.id[0], r.name);
    if (!fresh) prefix = std::string(1, r.id[0]);
  }
  EXPECT_THAT(error_of([&] { store().lookup(prefix); }),
              HasSubstr("network id prefix \"" + prefix + "\" is ambiguous: it matches"));
}

TEST_F(NetworkStoreTest, AttachAllocatesLowestFreeAndDetachReleases) {
  make("app");
  auto s = store();
  EXPECT_EQ(s.attach("app", req("c1", "web")).address.to_string(), "10.90.0.2");
  EXPECT_EQ(s.attach("app", req("c2", "api")).address.to_string(), "10.90.0.3");
  EXPECT_EQ(s.attach("app", req("c3", "db")).address.to_string(), "10.90.0.4");
  EXPECT_TRUE(s.detach("app", "c2"));
  EXPECT_FALSE(s.detach("app", "c2"));
  EXPECT_EQ(s.attach("app", req("c4", "cache")).address.to_string(), "10.90.0.3");
  auto r = s.lookup("app");
  ASSERT_EQ(r.endpoints.size(), 3u);
  EXPECT_EQ(r.endpoints.at("c4").container_name, "cache");
  EXPECT_EQ(r.endpoints.at("c1").address.to_string(), "10.90.0.2");
  auto j = nlohmann::json::parse(read_file(s.dir() / "app.json"));
  EXPECT_EQ(j["containers"]["c4"]["address"], "10.90.0.3");
  EXPECT_EQ(j["containers"]["c4"]["name"], "cache");
}

TEST_F(NetworkStoreTest, AttachTwiceIsRefused) {
  make("app");
  store().attach("app", req("c1", "web"));
  EXPECT_EQ(error_of([&] { store().attach("app", req("c1", "web")); }),
            "container web is already attached to network app");
}

TEST_F(NetworkStoreTest, StaticAddressesAndAliases) {
  make("app", "10.7.0.0/24");
  Endpoint e = store().attach("app", AttachRequest{"c1", "web", "10.7.0.50", {"www", "front"}});
  EXPECT_EQ(e.address.to_string(), "10.7.0.50");
  EXPECT_TRUE(e.static_address);
  auto back = store().lookup("app").endpoints.at("c1");
  EXPECT_EQ(back.aliases, (std::vector<std::string>{"www", "front"}));
  EXPECT_TRUE(back.static_address);
  EXPECT_EQ(error_of([&] { store().attach("app", req("c2", "api", "10.7.0.50")); }),
            "invalid value \"10.7.0.50\" for flag --ip: already in use by container \"web\" on "
            "network app (10.7.0.0/24)");
  EXPECT_EQ(error_of([&] { store().attach("app", req("c2", "api", "10.8.0.5")); }),
            "invalid value \"10.8.0.5\" for flag --ip: not in the subnet of network app "
            "(10.7.0.0/24)");
  EXPECT_EQ(error_of([&] { store().attach("app", req("c2", "api", "10.7.0.x")); }),
            "invalid value \"10.7.0.x\" for flag --ip: not an IPv4 address (expected a.b.c.d, "
            "e.g. 10.90.0.5)");
  EXPECT_EQ(error_of([&] {
              store().attach("app", AttachRequest{"c2", "api", {}, {"-x"}});
            }),
            "invalid value \"-x\" for flag --network-alias: only [a-zA-Z0-9][a-zA-Z0-9_.-] are "
            "allowed");
  EXPECT_EQ(store().lookup("app").endpoints.size(), 1u);  // nothing half-made
  // Dynamic allocation steps around the static one.
  make("small", "10.9.0.0/29");
  store().attach("small", req("s1", "one", "10.9.0.2"));
  EXPECT_EQ(store().attach("small", req("s2", "two")).address.to_string(), "10.9.0.3");
}

TEST_F(NetworkStoreTest, ExhaustionIsAClearError) {
  make("tiny", "10.9.0.0/30");  // .1 gateway, .2 the only container address
  store().attach("tiny", req("c1", "one"));
  EXPECT_EQ(error_of([&] { store().attach("tiny", req("c2", "two")); }),
            "no free IP address in network tiny (10.9.0.0/30): all 1 container addresses are in "
            "use");
}

TEST_F(NetworkStoreTest, RemoveRefusedWhileInUse) {
  make("app");
  store().attach("app", req("c1", "web"));
  store().attach("app", req("0123456789abcdef", ""));
  EXPECT_EQ(error_of([&] { store().remove("app"); }),
            "network app is in use by container(s) 0123456789ab, web");
  EXPECT_TRUE(store().find("app"));
  store().detach("app", "c1");
  store().detach("app", "0123456789abcdef");
  EXPECT_EQ(store().remove("app").name, "app");
  EXPECT_FALSE(store().find("app"));
  EXPECT_FALSE(fs::exists(store().dir() / "app.json"));
  EXPECT_EQ(error_of([&] { store().remove("app"); }), "no such network: app");
}

// `network rm` removes the bridge and rules first, the record last: one cut
// short (killed, or an error) leaves the record, and the next rm finishes.
TEST_F(NetworkStoreTest, RemoveRunsItsStepBeforeTheRecordGoesAndKeepsItWhenTheStepFails) {
  make("app");
  EXPECT_THROW(
      store().remove("app", [](const NetworkRecord&) { throw lit::Error("delete bridge failed"); }),
      lit::Error);
  EXPECT_TRUE(store().find("app")) << "the record stays for the next rm";
  bool record_there = false;
  NetworkRecord gone = store().remove("app", [&](const NetworkRecord& r) {
    record_there = fs::exists(store().dir() / (r.name + ".json"));
  });
  EXPECT_TRUE(record_there);
  EXPECT_EQ(gone.name, "app");
  EXPECT_FALSE(store().find("app"));
  store().attach(make("busy").name, req("c1", "web"));
  bool ran = false;
  EXPECT_THROW(store().remove("busy", [&](const NetworkRecord&) { ran = true; }), lit::Error);
  EXPECT_FALSE(ran) << "nothing is removed from a network in use";
}

TEST_F(NetworkStoreTest, NetworksOfAContainer) {
  make("a");
  make("b");
  make("c");
  store().attach("a", req("c1", "x"));
  store().attach("c", req("c1", "x"));
  store().attach("b", req("c2", "y"));
  auto nets = store().networks_of("c1");
  ASSERT_EQ(nets.size(), 2u);
  EXPECT_EQ(nets[0].name, "a");
  EXPECT_EQ(nets[1].name, "c");
}

TEST_F(NetworkStoreTest, DamagedRecordIsReportedWithItsPath) {
  make("ok");
  write_file_atomic(store().dir() / "bad.json", "{not json");
  EXPECT_THAT(error_of([&] { store().list(); }),
              HasSubstr("read network record " + (store().dir() / "bad.json").string()));
}

TEST_F(NetworkStoreTest, ConcurrentProcessesGetDistinctAddressesAndSubnets) {
  make("shared");
  constexpr int kProcs = 8, kEach = 10;
  std::vector<pid_t> pids;
  for (int p = 0; p < kProcs; ++p) {
    pid_t pid = ::fork();
    if (pid == 0) {
      int rc = 0;
      try {
        auto s = store();
        for (int i = 0; i < kEach; ++i) {
          std::string id = "p" + std::to_string(p) + "c" + std::to_string(i);
          s.attach("shared", req(id, id));
        }
        s.create(named("own" + std::to_string(p)));
      } catch (...) {
        rc = 1;
      }
      ::_exit(rc);
    }
    pids.push_back(pid);
  }
  for (pid_t pid : pids) {
    int status = 0;
    ::waitpid(pid, &status, 0);
    EXPECT_TRUE(WIFEXITED(status) && WEXITSTATUS(status) == 0);
  }
  auto r = store().lookup("shared");
  ASSERT_EQ(r.endpoints.size(), static_cast<size_t>(kProcs * kEach));
  std::set<Ipv4> addresses;
  for (const auto& [id, e] : r.endpoints) addresses.insert(e.address);
  EXPECT_EQ(addresses.size(), static_cast<size_t>(kProcs * kEach));
  std::set<Cidr> subnets;
  for (const auto& n : store().list()) subnets.insert(n.subnet);
  EXPECT_EQ(subnets.size(), static_cast<size_t>(kProcs + 1));
}

}  // namespace
}  // namespace lit::network
