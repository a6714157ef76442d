// lit-dns's flat tables answer as the config file says: a name on its own
// network only, replicas in the file's order, names without regard to case,
// and a container on two networks sees both networks' names.
#include <gtest/gtest.h>

#include <algorithm>
#include <map>
#include <string_view>

#include "network/dns/config.hpp"
#include "network/dns/name_table.hpp"

namespace lit::network::dns {
namespace {

uint32_t ip(const char* text) { return *parse_ipv4(text); }

std::vector<uint32_t> addresses(const NameTable& t, const char* listen, const std::string& name) {
  auto [first, last] = t.find(ip(listen), name);
  std::vector<uint32_t> out;
  for (size_t i = first; i < last; ++i) out.push_back(t.address(i));
  return out;
}

TEST(NameTable, ANameIsFoundOnlyOnItsNetworkWithItsReplicasInFileOrder) {
  const ServerTables t = parse_server_tables(
      "listen 10.90.0.1\nlisten 10.90.1.1\nupstream 192.0.2.53\n"
      "name 10.90.0.1 web 10.90.0.3\n"
      "name 10.90.0.1 db 10.90.0.2\n"
      "name 10.90.0.1 web 10.90.0.4\n"
      "name 10.90.0.1 Web 10.90.0.3\n"  // the same address again, another case
      "name 10.90.1.1 cache 10.90.1.2\n"
      "garbage line\nname 10.90.0.1 broken\n");
  EXPECT_EQ(t.listen, (std::vector<uint32_t>{ip("10.90.0.1"), ip("10.90.1.1")}));
  EXPECT_EQ(t.upstreams, std::vector<uint32_t>{ip("192.0.2.53")});
  EXPECT_EQ(addresses(t.names, "10.90.0.1", "web"),
            (std::vector<uint32_t>{ip("10.90.0.3"), ip("10.90.0.4")}));
  EXPECT_EQ(addresses(t.names, "10.90.0.1", "db"), std::vector<uint32_t>{ip("10.90.0.2")});
  EXPECT_TRUE(addresses(t.names, "10.90.1.1", "web").empty()) << "another network's name";
  EXPECT_TRUE(addresses(t.names, "10.90.0.1", "cache").empty());
  EXPECT_TRUE(addresses(t.names, "10.90.0.1", "we").empty()) << "a prefix is not a name";
  EXPECT_TRUE(addresses(t.names, "10.90.0.1", "broken").empty());
  EXPECT_EQ(t.names.size(), 4u);
}

TEST(NameTable, NamesAreStoredLowercased) {
  NameTable t;
  t.add(ip("10.90.0.1"), "MyService", ip("10.90.0.9"));
  t.seal();
  EXPECT_EQ(
      t.find(ip("10.90.0.1"), "myservice").second - t.find(ip("10.90.0.1"), "myservice").first, 1u);
}

TEST(NameTable, ScopesListTheFurtherNetworksOfAClient) {
  const ServerTables t = parse_server_tables(
      "scope 10.90.0.5 10.90.2.1\nscope 10.90.1.7 10.90.0.1\nscope 10.90.0.5 10.90.1.1\n");
  EXPECT_EQ(t.scopes_of(ip("10.90.0.5")),
            (std::vector<uint32_t>{ip("10.90.2.1"), ip("10.90.1.1")}));
  EXPECT_EQ(t.scopes_of(ip("10.90.1.7")), std::vector<uint32_t>{ip("10.90.0.1")});
  EXPECT_TRUE(t.scopes_of(ip("10.90.0.6")).empty());
}

// What lit writes (render_config) the server reads back name for name.
TEST(NameTable, AgreesWithTheConfigLitRenders) {
  Config c;
  c.listen = {ip("10.90.0.1"), ip("10.90.1.1")};
  for (int i = 2; i < 200; ++i) {
    const std::string n = "svc-" + std::to_string(i % 50);
    const uint32_t addr = ip("10.90.0.0") + static_cast<uint32_t>(i);
    c.add_name(ip("10.90.0.1"), n, addr);
    c.add_name(ip("10.90.0.1"), n + ".proj_default", addr);
    c.add_name(ip("10.90.1.1"), "other-" + std::to_string(i), addr + 256);
  }
  const ServerTables t = parse_server_tables(render_config(c));
  size_t entries = 0;
  for (const auto& [key, addrs] : c.names) {
    entries += addrs.size();
    auto [first, last] = t.names.find(key.first, key.second);
    std::vector<uint32_t> got;
    for (size_t i = first; i < last; ++i) got.push_back(t.names.address(i));
    EXPECT_EQ(got, addrs) << key.second;
  }
  EXPECT_EQ(t.names.size(), entries);
}

}  // namespace
}  // namespace lit::network::dns

namespace lit::network::dns {
namespace {

// lit-dns keeps one set of tables and replaces a container's entries when its
// file changes or its init dies: after any mix of updates and removals (and
// the arena's compactions), the tables answer as a fresh parse of the files
// that are left.
TEST(NameTable, UpdatesAndRemovalsAgreeWithAFreshParseOfWhatIsLeft) {
  const std::string config = "listen 10.90.0.1\nlisten 10.90.1.1\nupstream 192.0.2.53\n";
  auto file = [](int owner, int generation) {
    const std::string n = "svc-" + std::to_string(owner);
    const std::string a = "10.90.0." + std::to_string(2 + owner);
    std::string text = "pid 1 1\nname 10.90.0.1 " + n + " " + a + "\n" + "name 10.90.0.1 " + n +
                       ".p" + std::to_string(generation) + " " + a + "\n" +
                       "name 10.90.0.1 shared " + a + "\n";  // every container's alias
    if (owner % 3 == 0) text += "scope " + a + " 10.90.1.1\n";
    return text;
  };
  ServerTables live;
  live.update(0, config);
  std::map<uint32_t, std::string> files;
  unsigned seed = 7;
  for (int step = 0; step < 400; ++step) {
    seed = seed * 1103515245 + 12345;
    const auto owner = static_cast<uint32_t>(1 + (seed >> 8) % 40);
    if ((seed >> 20) % 3 == 0) {
      live.remove(owner);
      files.erase(owner);
    } else {
      files[owner] = file(static_cast<int>(owner), step);
      live.update(owner, files[owner]);
    }
    if (step % 7 == 0) live.seal();
  }
  live.seal();
  std::vector<std::string_view> texts{config};
  for (const auto& [owner, text] : files) texts.emplace_back(text);
  const ServerTables fresh = parse_server_tables(texts);

  EXPECT_EQ(live.listen, fresh.listen);
  EXPECT_EQ(live.upstreams, fresh.upstreams);
  EXPECT_EQ(live.names.size(), fresh.names.size());
  auto sorted = [](const NameTable& t, const std::string& name) {
    auto got = addresses(t, "10.90.0.1", name);
    std::sort(got.begin(), got.end());
    return got;
  };
  EXPECT_EQ(sorted(live.names, "shared"), sorted(fresh.names, "shared"));
  EXPECT_EQ(sorted(live.names, "shared").size(), files.size());
  for (const auto& [owner, text] : files) {
    const std::string n = "svc-" + std::to_string(owner);
    EXPECT_EQ(sorted(live.names, n), sorted(fresh.names, n)) << n;
    EXPECT_EQ(sorted(live.names, n).size(), 1u) << n;
  }
  EXPECT_TRUE(sorted(live.names, "svc-41").empty());
  std::vector<uint32_t> live_clients, fresh_clients;
  for (const auto& s : live.scopes) live_clients.push_back(s.client);
  for (const auto& s : fresh.scopes) fresh_clients.push_back(s.client);
  std::sort(live_clients.begin(), live_clients.end());
  EXPECT_EQ(live_clients, fresh_clients);
}

}  // namespace
}  // namespace lit::network::dns
