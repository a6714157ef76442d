// config_hash: stable over key order, sensitive to every input, and to the
// contents of the files a service reads (which docker's hash misses).
#include "reconciler/hash.hpp"

#include <gtest/gtest.h>

#include <set>

#include "reconciler/model.hpp"
#include "runtime/util/fs.hpp"
#include "tests/unit/error_of.hpp"

namespace lit::reconciler {
namespace {

using lit::testing::error_of;
using nlohmann::json;

TEST(ConfigHash, IsSha256HexOfTheFramedCanonicalDump) {
  // Pinned values: a change in the hash scheme would recreate every container.
  EXPECT_EQ(config_hash(json(nullptr), {}),
            "b8af3a27baee0bec78df6dd028f5e140b3357846c8332e50ff20e736a71cac83");
  EXPECT_EQ(config_hash(json{{"b", 2}, {"a", 1}}, {"xyz"}),
            "3fe7c3ac3b935da9a60899f8d6431747e5f80b949641f37f6a2b3ff4426ff8f8");
}

TEST(ConfigHash, IgnoresKeyOrderButNotValues) {
  json a = json::parse(R"({"image": "busybox", "command": ["sh"], "env": {"A": "1", "B": "2"}})");
  json b = json::parse(R"({"env": {"B": "2", "A": "1"}, "command": ["sh"], "image": "busybox"})");
  EXPECT_EQ(config_hash(a, {}), config_hash(b, {}));
  b["env"]["B"] = "3";
  EXPECT_NE(config_hash(a, {}), config_hash(b, {}));
}

TEST(ConfigHash, FramesExtraContentsSoBoundariesCount) {
  json s = {{"image", "busybox"}};
  EXPECT_NE(config_hash(s, {"ab", "c"}), config_hash(s, {"a", "bc"}));
  EXPECT_NE(config_hash(s, {}), config_hash(s, {""}));
}

TEST(ConfigHash, ChangesWhenAnEnvFileContentChanges) {
  TempDir dir("/tmp", "lit-hash-test-");
  auto env = dir.path() / "app.env";
  write_file_atomic(env, "DEBUG=false\n");
  json s = {{"image", "busybox"}, {"env_file", {env.string()}}};
  std::string before = config_hash(s, read_hash_inputs({env}, "env_file"));
  EXPECT_EQ(before, config_hash(s, read_hash_inputs({env}, "env_file")));
  write_file_atomic(env, "DEBUG=true\n");
  EXPECT_NE(before, config_hash(s, read_hash_inputs({env}, "env_file")));
}

TEST(ConfigHash, UnreadableFileIsAnErrorNamingIt) {
  TempDir dir("/tmp", "lit-hash-test-");
  auto missing = dir.path() / "missing.env";
  EXPECT_EQ(error_of([&] { read_hash_inputs({missing}, "service web: env_file"); }),
            "service web: env_file: read " + missing.string() + ": No such file or directory");
}

// mac_address and interface_name shape the container (a change recreates it);
// a service without them hashes as before they existed (no recreate on upgrade).
TEST(ConfigHash, SeesMacAddressesAndInterfaceNamesOnlyWhenSet) {
  Service s;
  s.name = "web";
  s.image = "busybox";
  s.networks["front"] = {};
  json plain = to_json(s);
  EXPECT_FALSE(plain.contains("mac_address"));
  EXPECT_FALSE(plain["networks"]["front"].contains("mac_address"));
  EXPECT_FALSE(plain["networks"]["front"].contains("interface_name"));
  std::string before = config_hash(plain, {});
  s.mac_address = "02:42:ac:11:00:02";
  std::string service_mac = config_hash(to_json(s), {});
  s.mac_address.clear();
  s.networks["front"].mac_address = "02:42:ac:11:00:02";
  std::string network_mac = config_hash(to_json(s), {});
  s.networks["front"].mac_address.clear();
  s.networks["front"].interface_name = "front0";
  std::string named = config_hash(to_json(s), {});
  EXPECT_EQ(std::set<std::string>({before, service_mac, network_mac, named}).size(), 4u);
}

}  // namespace
}  // namespace lit::reconciler
