#include "runtime/state/record.hpp"

#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

#include "tests/unit/runtime/state/sample_record.hpp"

using namespace lit::runtime;
using lit::runtime::test_support::make;

TEST(Record, JsonRoundTripKeepsSpecAndFieldNames) {
  auto r = make(std::string(64, 'a'), "web");
  r.state.status = ContainerStatus::Exited;
  r.state.exit_code = 3;
  r.state.oom_killed = true;
  auto j = to_json(r);
  for (const char* key : {"id", "name", "image", "image_id", "created", "spec", "state"})
    EXPECT_TRUE(j.contains(key)) << key;
  auto back = record_from_json(nlohmann::json::parse(j.dump()));
  EXPECT_EQ(to_json(back), j);
  EXPECT_EQ(back.spec.limits.memory_bytes, 64 << 20);
  EXPECT_FALSE(back.spec.limits.pids.has_value());
  EXPECT_EQ(back.spec.network, NetworkMode::Host);
  EXPECT_EQ(back.spec.mounts[0].options, (std::vector<std::string>{"ro"}));
  EXPECT_EQ(back.spec.process.additional_gids, (std::vector<gid_t>{10, 29}));
  EXPECT_EQ(back.state.exit_code, 3);
}

TEST(Record, ImageMountsKeepTheirImageIdLayersAndSubpath) {
  auto r = make(std::string(64, 'c'), "app");
  r.spec.image_mounts = {{"/mnt/img", "alpine", "sha256:bb", {"/l/1", "/l/2"}, ""},
                         {"/mnt/sub", "alpine", "sha256:bb", {"/l/1"}, "etc"}};
  auto j = to_json(r);
  auto back = record_from_json(nlohmann::json::parse(j.dump()));
  EXPECT_EQ(to_json(back), j);
  ASSERT_EQ(back.spec.image_mounts.size(), 2u);
  EXPECT_EQ(back.spec.image_mounts[0].image_id, "sha256:bb");
  EXPECT_EQ(back.spec.image_mounts[0].layers, (std::vector<std::filesystem::path>{"/l/1", "/l/2"}));
  EXPECT_EQ(back.spec.image_mounts[1].subpath, "etc");
  j["spec"].erase("image_mounts");  // a record of an older lit
  EXPECT_TRUE(record_from_json(j).spec.image_mounts.empty());
}

TEST(Record, DeviceCgroupRulesSurviveARoundTrip) {
  auto r = make(std::string(64, 'c'), "dev");
  r.spec.device_cgroup_rules = {{lit::cgroups::DeviceType::Char, 10, 229, 7},
                                {lit::cgroups::DeviceType::Block, 8, std::nullopt, 2},
                                {lit::cgroups::DeviceType::All, std::nullopt, std::nullopt, 7}};
  auto j = to_json(r);
  EXPECT_EQ(j.at("spec").at("device_cgroup_rules"),
            (nlohmann::json{"c 10:229 rwm", "b 8:* r", "a *:* rwm"}));
  auto back = record_from_json(nlohmann::json::parse(j.dump()));
  EXPECT_EQ(back.spec.device_cgroup_rules, r.spec.device_cgroup_rules);
  j["spec"].erase("device_cgroup_rules");  // a record of an older lit
  EXPECT_TRUE(record_from_json(j).spec.device_cgroup_rules.empty());
}

TEST(Record, ContainerNetworkModeKeepsItsTarget) {
  auto r = make(std::string(64, 'b'), "side");
  r.spec.network = NetworkMode::Container;
  r.spec.network_container = std::string(64, 'w');
  auto j = to_json(r);
  EXPECT_EQ(j.at("spec").at("network"),
            "container:" + std::string(64, 'w'));  // as inspect shows it
  auto back = record_from_json(nlohmann::json::parse(j.dump()));
  EXPECT_EQ(back.spec.network, NetworkMode::Container);
  EXPECT_EQ(back.spec.network_container, r.spec.network_container);
}

TEST(Record, SharedNamespacesSurviveARoundTrip) {
  auto r = make(std::string(64, 'b'), "side");
  r.spec.pid = {NamespaceMode::Container, std::string(64, 'd')};
  r.spec.ipc = {NamespaceMode::Shareable, ""};
  r.spec.uts = {NamespaceMode::Host, ""};
  auto j = to_json(r);
  EXPECT_EQ(j.at("spec").at("pid"), "container:" + std::string(64, 'd'));
  EXPECT_EQ(j.at("spec").at("ipc"), "shareable");
  EXPECT_EQ(j.at("spec").at("uts"), "host");
  auto back = record_from_json(nlohmann::json::parse(j.dump()));
  EXPECT_EQ(back.spec.pid, r.spec.pid);
  EXPECT_EQ(back.spec.ipc, r.spec.ipc);
  EXPECT_EQ(back.spec.uts, r.spec.uts);
  // An older lit's record has none: private namespaces.
  j["spec"].erase("pid");
  EXPECT_EQ(record_from_json(j).spec.pid.mode, NamespaceMode::Private);
}

TEST(Record, UserNamespaceRangeSurvivesARoundTrip) {
  auto r = make(std::string(64, 'e'), "mapped");
  r.spec.userns = {{0, 200000, 65536}, {0, 300000, 65536}};
  auto j = to_json(r);
  EXPECT_EQ(j.at("spec").at("userns"),
            (nlohmann::json{{"uid", 200000}, {"gid", 300000}, {"size", 65536}}));
  auto back = record_from_json(nlohmann::json::parse(j.dump()));
  EXPECT_EQ(back.spec.userns, r.spec.userns);
  // The host's (and an older lit's record, without the key): none.
  r.spec.userns = {};
  j = to_json(r);
  EXPECT_TRUE(j.at("spec").at("userns").is_null());
  EXPECT_FALSE(record_from_json(j).spec.userns.enabled());
  j["spec"].erase("userns");
  EXPECT_FALSE(record_from_json(j).spec.userns.enabled());
}

TEST(Record, NetworksPortsAndBridgeModeSurviveARoundTrip) {
  auto r = make(std::string(64, 'b'), "web");
  r.spec.network = NetworkMode::Bridge;
  r.spec.address = "10.90.0.2";
  r.spec.dns_servers = {"10.90.0.1"};
  r.networks = {
      {"front", std::string(64, 'c'), "10.90.0.2", false, {"www"}, "10.90.0.1", 24, "eth0", "", 0u},
      {"back",
       std::string(64, 'd'),
       "10.91.0.2",
       false,
       {},
       "10.91.0.1",
       24,
       "back0",
       "02:42:ac:11:00:99",
       1u}};
  r.publish = {{"", 8080, 80, Proto::Tcp}, {"", 0, 53, Proto::Udp}};
  r.state.ports = {{"", 8080, 80, Proto::Tcp}, {"127.0.0.1", 40000, 53, Proto::Udp}};
  auto back = record_from_json(nlohmann::json::parse(to_json(r).dump()));
  EXPECT_EQ(to_json(back), to_json(r));
  EXPECT_EQ(back.spec.network, NetworkMode::Bridge);
  EXPECT_EQ(back.networks.at(0).aliases, (std::vector<std::string>{"www"}));
  EXPECT_EQ(back.networks.at(0).interface, "eth0");
  EXPECT_EQ(back.networks.at(1).interface, "back0");
  EXPECT_EQ(back.networks.at(1).mac, "02:42:ac:11:00:99");
  EXPECT_EQ(back.networks.at(1).slot, 1u);
  EXPECT_EQ(back.state.ports, r.state.ports);
  EXPECT_EQ(back.publish, r.publish);
}

TEST(Record, AttachmentWrittenBeforeNamedInterfacesStillLoads) {
  auto r = make(std::string(64, 'b'), "web");
  r.spec.network = NetworkMode::Bridge;
  nlohmann::json j = to_json(r);
  j["networks"] = nlohmann::json::parse(R"([{"network": "front", "network_id": "c",
      "ip": "10.90.0.2", "static_ip": false, "aliases": [], "gateway": "10.90.0.1",
      "prefix_len": 24, "interface": "eth1"}])");
  auto back = record_from_json(j);
  ASSERT_EQ(back.networks.size(), 1u);
  EXPECT_EQ(back.networks[0].interface, "eth1");
  EXPECT_EQ(back.networks[0].mac, "");             // derived from the address
  EXPECT_EQ(back.networks[0].slot, std::nullopt);  // the network layer reads eth1's 1
  EXPECT_FALSE(to_json(back)["networks"][0].contains("mac"));
  EXPECT_FALSE(to_json(back)["networks"][0].contains("slot"));
}

TEST(Record, PublishWrittenAsPortSpecsByAnOlderLitStillLoads) {
  auto r = make(std::string(64, 'b'), "web");
  r.spec.network = NetworkMode::Bridge;
  nlohmann::json j = to_json(r);
  j["publish"] = {"127.0.0.1:8080:80", "53/udp", "9000-9001:90-91"};
  auto back = record_from_json(j);
  EXPECT_EQ(back.publish, (std::vector<PublishedPort>{{"127.0.0.1", 8080, 80, Proto::Tcp},
                                                      {"", 0, 53, Proto::Udp},
                                                      {"", 9000, 90, Proto::Tcp},
                                                      {"", 9001, 91, Proto::Tcp}}));
  // Written back in the typed form.
  EXPECT_TRUE(to_json(back)["publish"][0].is_object());
  EXPECT_EQ(record_from_json(to_json(back)).publish, back.publish);
  j.erase("publish");  // older still: no publish at all
  EXPECT_TRUE(record_from_json(j).publish.empty());
}

TEST(Record, StatusIsWrittenAndReadAsDockersWord) {
  auto r = make(std::string(64, 'a'), "web");
  r.state.status = ContainerStatus::Restarting;
  r.state.health = HealthState{};
  r.state.health->status = Health::Unhealthy;
  auto j = to_json(r);
  EXPECT_EQ(j["state"]["status"], "restarting");
  EXPECT_EQ(j["state"]["health"]["status"], "unhealthy");
  j["state"]["status"] = "running";
  j["state"]["health"]["status"] = "healthy";
  auto back = record_from_json(j);
  EXPECT_EQ(back.state.status, ContainerStatus::Running);
  EXPECT_EQ(back.state.health->status, Health::Healthy);
  // A word this lit does not know reads as exited (nothing to signal or join),
  // an unknown health as starting (the next probe settles it).
  j["state"]["status"] = "frozen";
  j["state"]["health"]["status"] = "none";
  back = record_from_json(j);
  EXPECT_EQ(back.state.status, ContainerStatus::Exited);
  EXPECT_EQ(back.state.health->status, Health::Starting);
  EXPECT_EQ(to_json(make(std::string(64, 'b'), "db"))["state"]["status"], "created");
}

TEST(Record, PausedIsKeptBesideRunningAndShownAsPaused) {
  auto r = make(std::string(64, 'a'), "web");
  r.state.status = ContainerStatus::Running;
  EXPECT_FALSE(to_json(r)["state"].contains("paused"));  // as records without it were
  EXPECT_EQ(shown_status(r.state), ContainerStatus::Running);
  r.state.paused = true;
  auto j = to_json(r);
  EXPECT_EQ(j["state"]["status"], "running");
  EXPECT_EQ(j["state"]["paused"], true);
  auto back = record_from_json(j);
  EXPECT_TRUE(back.state.paused);
  EXPECT_EQ(shown_status(back.state), ContainerStatus::Paused);
  back.state.status = ContainerStatus::Exited;  // an exit nobody recorded shows as the exit
  EXPECT_EQ(shown_status(back.state), ContainerStatus::Exited);
}

// no_new_privs became lit's default later: a record without the field keeps it
// off (as its container ran), one with it keeps what it says.
TEST(Record, SecurityWithoutNoNewPrivilegesStillLoads) {
  auto r = make(std::string(64, 'd'), "old");
  r.spec.security.no_new_privileges = true;
  nlohmann::json j = to_json(r);
  EXPECT_TRUE(record_from_json(j).spec.security.no_new_privileges);
  j["spec"]["security"].erase("no_new_privileges");
  EXPECT_FALSE(record_from_json(j).spec.security.no_new_privileges);
}
