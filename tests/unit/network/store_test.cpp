// The network store: records on disk, names and subnets unique, lookup,
// removal refused while in use, attach/detach with address allocation, one
// file per endpoint (a container's changes read no other's), records of the
// earlier one-file form, and concurrent lit commands serialized by the store's lock.
#include "network/store.hpp"

#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <sys/stat.h>
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
  EXPECT_FALSE(j.contains("containers")) << "endpoints have files of their own";
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
  // One file per endpoint, named by its address, and a link to it named by its container.
  const fs::path endpoints = s.dir() / "app.endpoints";
  auto j = nlohmann::json::parse(read_file(endpoints / "10.90.0.3.json"));
  EXPECT_EQ(j["container"], "c4");
  EXPECT_EQ(j["address"], "10.90.0.3");
  EXPECT_EQ(j["name"], "cache");
  EXPECT_EQ(fs::read_symlink(endpoints / "c4"), "10.90.0.3.json");
  EXPECT_FALSE(fs::exists(fs::symlink_status(endpoints / "c2"))) << "detached: its link goes too";
  EXPECT_FALSE(nlohmann::json::parse(read_file(s.dir() / "app.json")).contains("containers"));
  EXPECT_TRUE(s.lookup("app", Endpoints::Skip).endpoints.empty()) << "not read when not asked";
  EXPECT_TRUE(s.list(Endpoints::Skip).at(0).endpoints.empty());
  EXPECT_EQ(s.list().at(0).endpoints.size(), 3u);
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
  EXPECT_FALSE(fs::exists(store().dir() / "app.endpoints"));
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
  store().attach("a", req("c3", "z"));
  auto nets = store().networks_of("c1");
  ASSERT_EQ(nets.size(), 2u);
  EXPECT_EQ(nets[0].name, "a");
  EXPECT_EQ(nets[1].name, "c");
  ASSERT_EQ(nets[0].endpoints.size(), 1u) << "the container's own endpoint only";
  EXPECT_EQ(nets[0].endpoints.at("c1").address.to_string(), "10.90.0.2");
  EXPECT_EQ(nets[1].endpoints.at("c1").container_name, "x");
  EXPECT_EQ(nets[1].gateway.to_string(), "10.90.2.1");
  EXPECT_TRUE(store().networks_of("c9").empty());
}

// set_running, rename, networks_of, detach and attach touch the container's
// own files: on a network of many, another endpoint's damaged file (or one
// that cannot be read) changes nothing for them, while reading the network
// with its endpoints reports it.
TEST_F(NetworkStoreTest, AContainersChangesReadNoOtherEndpoint) {
  make("big", "10.60.0.0/22");
  auto s = store();
  for (int i = 0; i < 300; ++i)
    s.attach("big", req("c" + std::to_string(i), "n" + std::to_string(i)));
  const fs::path endpoints = s.endpoints_dir("big");
  const fs::path damaged = endpoints / fs::read_symlink(endpoints / "c5");
  write_file_atomic(damaged, "{not json");
  const fs::path unreadable = endpoints / fs::read_symlink(endpoints / "c6");
  fs::remove(unreadable);
  fs::create_directory(unreadable);  // read() fails: EISDIR, even for root

  EXPECT_EQ(s.set_running("c7", 1234, 99), 1u);
  auto nets = s.networks_of("c7");
  ASSERT_EQ(nets.size(), 1u);
  EXPECT_EQ(nets[0].endpoints.at("c7").pid, 1234);
  EXPECT_EQ(nets[0].endpoints.at("c7").pid_start, 99u);
  EXPECT_EQ(s.rename_endpoint("c7", "seven"), 1u);
  EXPECT_EQ(s.networks_of("c7").at(0).endpoints.at("c7").container_name, "seven");
  EXPECT_EQ(s.set_running("c7", 0, 0), 1u);
  EXPECT_EQ(s.attach("big", req("new", "new")).address.to_string(), "10.60.1.46");
  EXPECT_TRUE(s.detach("big", "c8"));
  EXPECT_EQ(s.lookup("big", Endpoints::Skip).subnet.to_string(), "10.60.0.0/22");
  EXPECT_EQ(s.list(Endpoints::Skip).size(), 1u);

  EXPECT_THAT(error_of([&] { s.list(); }), HasSubstr("read network endpoint " + damaged.string()));
  EXPECT_THAT(error_of([&] { s.lookup("big"); }), HasSubstr(damaged.string()));
  EXPECT_THAT(error_of([&] { s.set_running("c5", 1, 1); }), HasSubstr(damaged.string()))
      << "its own damaged file is an error";
}

// A record written before endpoints had files of their own holds them inside
// ("containers"): read as it is, and moved to files by the first change.
TEST_F(NetworkStoreTest, LegacyRecordIsReadAndMovedToEndpointFilesByItsFirstChange) {
  make("other");
  fs::create_directories(store().dir());
  const std::string legacy = R"({
  "name": "old", "id": ")" + std::string(64, 'a') +
                             R"(",
  "subnet": "10.80.0.0/24", "gateway": "10.80.0.1", "internal": false, "mtu": 1500,
  "created": "2025-01-01T00:00:00Z", "labels": {"k": "v"},
  "containers": {
    "c1": {"name": "web", "address": "10.80.0.2", "aliases": ["www"], "static": false,
           "pid": 0, "pid_start": 0},
    "c2": {"name": "db", "address": "10.80.0.7", "aliases": [], "static": true,
           "pid": 0, "pid_start": 0}
  }
})";
  write_file_atomic(store().dir() / "old.json", legacy);
  // A stray of an earlier network "old" (removed by an older lit): not an endpoint.
  fs::create_directories(store().endpoints_dir("old"));
  write_file_atomic(store().endpoints_dir("old") / "10.80.0.3.json",
                    R"({"container": "ghost", "name": "g", "address": "10.80.0.3"})");

  // Read as it is.
  auto r = store().lookup("old");
  ASSERT_EQ(r.endpoints.size(), 2u);
  EXPECT_EQ(r.endpoints.at("c1").aliases, std::vector<std::string>{"www"});
  EXPECT_TRUE(r.endpoints.at("c2").static_address);
  EXPECT_EQ(r.labels.at("k"), "v");
  EXPECT_EQ(r.mtu, 1500);
  EXPECT_TRUE(store().lookup("old", Endpoints::Skip).endpoints.empty());
  EXPECT_EQ(store().networks_of("c2").at(0).endpoints.at("c2").address.to_string(), "10.80.0.7");
  EXPECT_EQ(error_of([&] { store().remove("old"); }),
            "network old is in use by container(s) web, db");
  EXPECT_EQ(read_file(store().dir() / "old.json"), legacy) << "reads change nothing";

  // The first change moves them, then makes its own.
  EXPECT_EQ(store().set_running("c1", 77, 88), 1u);
  auto j = nlohmann::json::parse(read_file(store().dir() / "old.json"));
  EXPECT_FALSE(j.contains("containers"));
  EXPECT_EQ(j["id"], std::string(64, 'a'));
  EXPECT_EQ(j["labels"]["k"], "v");
  EXPECT_FALSE(fs::exists(store().endpoints_dir("old") / "10.80.0.3.json")) << "the stray went";
  EXPECT_EQ(store().attach("old", req("c3", "api")).address.to_string(), "10.80.0.3");
  r = store().lookup("old");
  ASSERT_EQ(r.endpoints.size(), 3u);
  EXPECT_EQ(r.endpoints.at("c1").pid, 77);
  EXPECT_EQ(r.endpoints.at("c1").pid_start, 88u);
  EXPECT_EQ(r.endpoints.at("c1").aliases, std::vector<std::string>{"www"});
  EXPECT_EQ(r.endpoints.at("c2").address.to_string(), "10.80.0.7");
  EXPECT_TRUE(r.endpoints.at("c2").static_address);
  EXPECT_EQ(r.endpoints.at("c2").container_name, "db");
  EXPECT_EQ(store().lookup("other").endpoints.size(), 0u);

  // Each change migrates: detach and attach too.
  write_file_atomic(store().dir() / "old2.json",
                    R"({"name": "old2", "id": ")" + std::string(64, 'b') +
                        R"(", "subnet": "10.81.0.0/24", "gateway": "10.81.0.1",
                        "containers": {"c1": {"name": "web", "address": "10.81.0.2"}}})");
  EXPECT_EQ(store().attach("old2", req("c4", "x")).address.to_string(), "10.81.0.3");
  EXPECT_TRUE(store().detach("old2", "c1"));
  EXPECT_EQ(store().lookup("old2").endpoints.size(), 1u);
  EXPECT_EQ(store().lookup("old2").mtu, kLegacyMtu);
  EXPECT_TRUE(store().detach("old2", "c4"));
  EXPECT_EQ(store().remove("old2").name, "old2");
}

// A link to no file (an attach cut short after it) or to another
// container's file (the address given out again) is no endpoint.
TEST_F(NetworkStoreTest, AStaleLinkIsNoEndpoint) {
  make("app");
  auto s = store();
  s.attach("app", req("c1", "web"));
  const fs::path endpoints = s.endpoints_dir("app");
  fs::create_symlink("10.90.0.9.json", endpoints / "cut");
  EXPECT_TRUE(s.networks_of("cut").empty());
  EXPECT_EQ(s.set_running("cut", 1, 1), 0u);
  EXPECT_FALSE(s.detach("app", "cut"));
  EXPECT_FALSE(fs::exists(fs::symlink_status(endpoints / "cut"))) << "detach removes it";
  fs::create_symlink("10.90.0.2.json", endpoints / "gone");  // c1's address
  EXPECT_TRUE(s.networks_of("gone").empty());
  EXPECT_EQ(s.attach("app", req("gone", "back")).address.to_string(), "10.90.0.3");
  EXPECT_EQ(s.networks_of("gone").at(0).endpoints.at("gone").address.to_string(), "10.90.0.3");
  EXPECT_EQ(s.lookup("app").endpoints.size(), 2u);
}

// `network rm` removes the endpoints directory before the record, so one cut
// short is finished by the next; a directory whose record is gone anyway
// (deleted by hand) is found by system check, and a new network of that name
// does not inherit it.
TEST_F(NetworkStoreTest, StrayEndpointsDirectories) {
  make("app");
  auto s = store();
  s.attach("app", req("c1", "web"));
  EXPECT_TRUE(s.stray_endpoint_dirs().empty());
  fs::remove(s.dir() / "app.json");
  EXPECT_EQ(s.stray_endpoint_dirs(), std::vector<std::string>{"app"});
  EXPECT_TRUE(s.networks_of("c1").empty());
  make("app");
  EXPECT_TRUE(s.lookup("app").endpoints.empty()) << "not inherited";
  EXPECT_EQ(s.attach("app", req("c2", "api")).address.to_string(), "10.90.0.2");
  EXPECT_TRUE(s.stray_endpoint_dirs().empty());
  EXPECT_FALSE(s.remove_stray_endpoint_dir("app")) << "it has a record again";
  EXPECT_EQ(s.lookup("app").endpoints.size(), 1u);
  fs::remove(s.dir() / "app.json");
  EXPECT_TRUE(s.remove_stray_endpoint_dir("app"));
  EXPECT_FALSE(fs::exists(s.endpoints_dir("app")));
  EXPECT_TRUE(s.stray_endpoint_dirs().empty());
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
  for (const auto& [id, e] : r.endpoints) {
    addresses.insert(e.address);
    EXPECT_EQ(store().networks_of(id).at(0).endpoints.at(id).address, e.address);
  }
  EXPECT_EQ(addresses.size(), static_cast<size_t>(kProcs * kEach));
  std::set<Cidr> subnets;
  for (const auto& n : store().list()) subnets.insert(n.subnet);
  EXPECT_EQ(subnets.size(), static_cast<size_t>(kProcs + 1));
}

}  // namespace
}  // namespace lit::network
