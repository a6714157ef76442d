#include "runtime/state/record.hpp"

#include <fcntl.h>
#include <gtest/gtest.h>
#include <linux/fs.h>
#include <sys/ioctl.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <fstream>
#include <set>

#include "runtime/state/ids.hpp"
#include "runtime/state/liveness.hpp"
#include "runtime/state/record_store.hpp"
#include "runtime/util/error.hpp"
#include "runtime/util/fs.hpp"
#include "tests/unit/error_of.hpp"

using namespace lit::runtime;
namespace fs = std::filesystem;
using lit::testing::error_of;
using namespace std::chrono_literals;

namespace {

ContainerRecord make(const std::string& id, const std::string& name) {
  ContainerRecord r;
  r.id = id;
  r.name = name;
  r.image = "busybox";
  r.image_id = "sha256:" + std::string(64, 'c');
  r.created = now_rfc3339();
  r.args = {"sh", "-c", "echo hi"};
  r.spec.id = id;
  r.spec.name = name;
  r.spec.layers = {"/l/1", "/l/2"};
  r.spec.bundle = "/b/" + id;
  r.spec.hostname = id.substr(0, 12);
  r.spec.process.args = r.args;
  r.spec.process.env = {"PATH=/bin"};
  r.spec.process.uid = 1000;
  r.spec.process.additional_gids = {10, 29};
  r.spec.mounts = {{"/data", "bind", "/host", {"ro"}}, {"/tmp", "tmpfs", "tmpfs", {"size=1"}}};
  r.spec.limits.memory_bytes = 64 << 20;
  r.spec.limits.cpus = 0.5;
  r.spec.network = NetworkMode::Host;
  r.spec.security.cap_add = {"NET_ADMIN"};
  r.spec.security.seccomp = false;
  r.spec.sysctls = {{"net.ipv4.ip_forward", "1"}};
  r.labels = {{"a", "1"}};
  return r;
}

class RecordStoreTest : public ::testing::Test {
 protected:
  lit::TempDir tmp{fs::temp_directory_path(), "lit-records-"};
  RecordStore store{tmp.path() / "containers"};
};

}  // namespace

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

TEST(Record, NetworksPortsAndBridgeModeSurviveARoundTrip) {
  auto r = make(std::string(64, 'b'), "web");
  r.spec.network = NetworkMode::Bridge;
  r.spec.address = "10.90.0.2";
  r.spec.dns_servers = {"10.90.0.1"};
  r.networks = {
      {"front", std::string(64, 'c'), "10.90.0.2", false, {"www"}, "10.90.0.1", 24, "eth0"}};
  r.publish = {{"", 8080, 80, Proto::Tcp}, {"", 0, 53, Proto::Udp}};
  r.state.ports = {{"", 8080, 80, Proto::Tcp}, {"127.0.0.1", 40000, 53, Proto::Udp}};
  auto back = record_from_json(nlohmann::json::parse(to_json(r).dump()));
  EXPECT_EQ(to_json(back), to_json(r));
  EXPECT_EQ(back.spec.network, NetworkMode::Bridge);
  EXPECT_EQ(back.networks.at(0).aliases, (std::vector<std::string>{"www"}));
  EXPECT_EQ(back.networks.at(0).interface, "eth0");
  EXPECT_EQ(back.state.ports, r.state.ports);
  EXPECT_EQ(back.publish, r.publish);
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

TEST(Record, IdsAndNames) {
  std::set<std::string> ids;
  for (int i = 0; i < 20; ++i) {
    auto id = generate_id();
    EXPECT_EQ(id.size(), 64u);
    EXPECT_EQ(id.find_first_not_of("0123456789abcdef"), std::string::npos);
    ids.insert(id);
  }
  EXPECT_EQ(ids.size(), 20u);
  auto name = generate_name();
  EXPECT_NE(name.find('_'), std::string::npos);
}

TEST_F(RecordStoreTest, CreateReadUpdateRemove) {
  auto r = make(generate_id(), "web");
  store.create(r);
  EXPECT_TRUE(fs::is_directory(store.bundle(r.id)));
  EXPECT_TRUE(fs::exists(store.dir(r.id) / "container.json"));
  EXPECT_EQ(store.read(r.id)->name, "web");

  EXPECT_TRUE(
      store.update(r.id, [](ContainerRecord& c) { c.state.status = ContainerStatus::Running; }));
  EXPECT_EQ(store.read(r.id)->state.status, ContainerStatus::Running);

  store.remove(r.id);
  EXPECT_FALSE(fs::exists(store.dir(r.id)));
  EXPECT_FALSE(store.read(r.id).has_value());
  bool called = false;
  EXPECT_FALSE(store.update(r.id, [&](ContainerRecord&) { called = true; }));
  EXPECT_FALSE(called);
}

TEST_F(RecordStoreTest, NamesAreValidAndUnique) {
  auto a = make(generate_id(), "web");
  store.create(a);
  auto b = make(generate_id(), "web");
  EXPECT_EQ(error_of([&] { store.create(b); }),
            "the container name \"/web\" is already in use by container \"" + a.id + "\"");
  EXPECT_FALSE(fs::exists(store.dir(b.id)));  // nothing half-made
  auto c = make(generate_id(), "bad/name");
  EXPECT_THROW(store.create(c), lit::Error);
  EXPECT_FALSE(fs::exists(store.dir(c.id)));
  auto fresh = store.unused_name();
  EXPECT_NE(fresh, "web");
  EXPECT_TRUE(store.read(a.id).has_value());
}

TEST_F(RecordStoreTest, LookupByIdNameAndPrefix) {
  auto a = make("abc1" + std::string(60, '0'), "first");
  auto b = make("abc2" + std::string(60, '0'), "second");
  auto c = make("def0" + std::string(60, '0'), "abc1");  // a name that looks like a prefix
  store.create(a);
  store.create(b);
  store.create(c);
  EXPECT_EQ(store.lookup(a.id).name, "first");
  EXPECT_EQ(store.lookup("second").id, b.id);
  EXPECT_EQ(store.lookup("/second").id, b.id);
  EXPECT_EQ(store.lookup("abc1").id, c.id);  // exact name beats id prefix, as docker
  EXPECT_EQ(store.lookup("abc2").id, b.id);
  EXPECT_EQ(store.lookup("def").id, c.id);
  auto ambiguous = error_of([&] { store.lookup("abc"); });
  EXPECT_NE(ambiguous.find("ambiguous"), std::string::npos) << ambiguous;
  EXPECT_NE(ambiguous.find("abc100000000"), std::string::npos) << ambiguous;
  EXPECT_EQ(error_of([&] { store.lookup("zzz"); }), "no such container: zzz");
  EXPECT_EQ(store.list().size(), 3u);
}

TEST_F(RecordStoreTest, ListSkipsDirectoriesWithoutRecord) {
  store.create(make(generate_id(), "web"));
  fs::create_directories(tmp.path() / "containers" / "half-made");
  EXPECT_EQ(store.list().size(), 1u);
}

// A --rm container's record is written without fsync: after a power loss it
// may be empty, which is no record (and no warning), not a corrupt one.
TEST_F(RecordStoreTest, AnEmptyRecordIsNoRecordAndRemoveIsIdempotent) {
  auto r = make(generate_id(), "scratch");
  store.create(r, lit::Durability::NoSync);
  EXPECT_EQ(store.read(r.id)->name, "scratch");
  std::ofstream(store.dir(r.id) / "container.json", std::ios::trunc).flush();
  EXPECT_FALSE(store.read(r.id).has_value());
  EXPECT_TRUE(store.list().empty());
  store.remove(r.id);
  EXPECT_FALSE(fs::exists(store.dir(r.id)));
  EXPECT_NO_THROW(store.remove(r.id));  // gone already
}

// A foreground --rm container keeps its record in the run root; its writable
// layer is on disk. Both are one container to list, lookup, update and remove.
TEST(Record, ARunRootRecordIsOneContainerWithItsLayerOnDisk) {
  lit::TempDir tmp(fs::temp_directory_path(), "lit-records-");
  RecordStore store(tmp.path() / "containers", tmp.path() / "run");
  auto kept = make(generate_id(), "kept");
  auto scratch = make(generate_id(), "scratch");
  store.create(kept);
  store.create(scratch, lit::Durability::NoSync, RecordHome::RunRoot);
  EXPECT_EQ(store.dir(scratch.id), tmp.path() / "run" / scratch.id);
  EXPECT_TRUE(fs::exists(tmp.path() / "run" / scratch.id / "container.json"));
  EXPECT_FALSE(fs::exists(tmp.path() / "containers" / scratch.id / "container.json"));
  EXPECT_TRUE(fs::is_directory(store.bundle(scratch.id)));
  EXPECT_EQ(store.bundle(scratch.id), tmp.path() / "containers" / scratch.id);
  // A disk record's run directory (its etc files) does not move its record.
  fs::create_directories(tmp.path() / "run" / kept.id);
  EXPECT_EQ(store.dir(kept.id), tmp.path() / "containers" / kept.id);

  EXPECT_EQ(store.list().size(), 2u);  // each once, though both have two directories
  EXPECT_EQ(store.lookup("scratch").id, scratch.id);
  EXPECT_EQ(
      error_of([&] { store.create(make(generate_id(), "scratch")); }),
      "the container name \"/scratch\" is already in use by container \"" + scratch.id + "\"");
  EXPECT_TRUE(store.update(scratch.id,
                           [](ContainerRecord& c) { c.state.status = ContainerStatus::Running; }));
  EXPECT_EQ(store.read(scratch.id)->state.status, ContainerStatus::Running);

  store.remove(scratch.id);
  EXPECT_FALSE(fs::exists(tmp.path() / "run" / scratch.id));
  EXPECT_FALSE(fs::exists(tmp.path() / "containers" / scratch.id));
  EXPECT_EQ(store.list().size(), 1u);
  EXPECT_TRUE(store.read(kept.id).has_value());
}

// A reboot empties the run root: the writable layers of --rm runs it cut short
// stay on disk without a record, and the next create removes them. A
// directory without a record made in this boot (a container being created or
// removed right now) is left alone.
TEST(Record, CreateRemovesRecordlessLayersOfEarlierBoots) {
  lit::TempDir tmp(fs::temp_directory_path(), "lit-records-");
  RecordStore store(tmp.path() / "containers", tmp.path() / "run");
  const fs::path old_layer = tmp.path() / "containers" / std::string(64, 'e');
  const fs::path new_layer = tmp.path() / "containers" / std::string(64, 'f');
  fs::create_directories(old_layer / "upper" / "etc");
  std::ofstream(old_layer / "upper" / "etc" / "written") << "data";
  fs::create_directories(new_layer / "upper");
  const timespec long_ago[2] = {{1000, 0}, {1000, 0}};
  ASSERT_EQ(::utimensat(AT_FDCWD, old_layer.c_str(), long_ago, 0), 0);
  auto kept = make(generate_id(), "kept");
  store.create(kept);
  ASSERT_EQ(::utimensat(AT_FDCWD, store.dir(kept.id).c_str(), long_ago, 0), 0);

  store.create(make(generate_id(), "next"));
  EXPECT_FALSE(fs::exists(old_layer));
  EXPECT_TRUE(fs::exists(new_layer));
  EXPECT_TRUE(store.read(kept.id).has_value());  // an old container with a record stays
}

TEST(Record, CorruptRecordNamesTheFile) {
  lit::TempDir tmp(fs::temp_directory_path(), "lit-records-");
  RecordStore store(tmp.path());
  fs::create_directories(tmp.path() / "x");
  std::ofstream(tmp.path() / "x" / "container.json") << "{not json";
  EXPECT_NE(error_of([&] { store.read("x"); }).find((tmp.path() / "x/container.json").string()),
            std::string::npos);
}

TEST(Record, LivenessChecksPidAndStartTime) {
  EXPECT_GT(process_start_time(::getpid()), 0u);
  EXPECT_TRUE(process_alive(::getpid(), process_start_time(::getpid())));
  EXPECT_FALSE(process_alive(::getpid(), process_start_time(::getpid()) + 1));  // a reused pid

  pid_t child = ::fork();
  if (child == 0) ::_exit(0);
  ::waitpid(child, nullptr, 0);
  EXPECT_FALSE(process_alive(child, 1));

  ContainerRecord r = make(std::string(64, 'a'), "web");
  r.state.status = ContainerStatus::Running;
  r.state.pid = child;
  r.state.pid_start_time = 12345;
  auto st = observed_state(r);
  EXPECT_EQ(st.status, ContainerStatus::Exited);
  EXPECT_EQ(st.exit_code, 255);
  r.state.pid = ::getpid();
  r.state.pid_start_time = process_start_time(::getpid());
  EXPECT_EQ(observed_state(r).status, ContainerStatus::Running);

  // Pids from another boot mean nothing, even if a process has them now.
  r.state.boot_id = "another-boot";
  st = observed_state(r);
  EXPECT_EQ(st.status, ContainerStatus::Exited);
  EXPECT_NE(st.error.find("restarted"), std::string::npos) << st.error;

  // A detached container whose supervisor is gone: exited, and why.
  r.state.boot_id = current_boot_id();
  r.state.pid = child;
  r.state.shim_pid = child;
  r.state.shim_start_time = 12345;
  st = observed_state(r);
  EXPECT_EQ(st.status, ContainerStatus::Exited);
  EXPECT_NE(st.error.find("supervisor"), std::string::npos) << st.error;
  r.state.status = ContainerStatus::Restarting;
  EXPECT_EQ(observed_state(r).status, ContainerStatus::Exited);

  // ...while a live supervisor is trusted to record the exit itself.
  r.state.status = ContainerStatus::Running;
  r.state.shim_pid = ::getpid();
  r.state.shim_start_time = process_start_time(::getpid());
  EXPECT_EQ(observed_state(r).status, ContainerStatus::Running);
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

TEST(Record, Rfc3339Time) {
  auto tp = parse_rfc3339("2024-05-01T12:00:00.5Z");
  ASSERT_TRUE(tp.has_value());
  EXPECT_EQ(std::chrono::duration_cast<std::chrono::milliseconds>(tp->time_since_epoch()).count(),
            1714564800500);
  auto now_text = now_rfc3339();
  auto parsed = parse_rfc3339(now_text);
  ASSERT_TRUE(parsed.has_value());
  EXPECT_LT(std::chrono::abs(std::chrono::system_clock::now() - *parsed), 5s);
  EXPECT_FALSE(parse_rfc3339("yesterday").has_value());
}

// chattr +T: each container's directories go to a block group of their own
// instead of piling up (and their freed inodes with them) in one.
TEST_F(RecordStoreTest, ContainersDirectoryIsMarkedTopOfUnrelatedTrees) {
  lit::UniqueFd probe(::open(tmp.path().c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC));
  ASSERT_TRUE(probe);
  int flags = 0;
  if (::ioctl(probe.get(), FS_IOC_GETFLAGS, &flags) < 0)
    GTEST_SKIP() << tmp.path() << ": its filesystem has no inode flags (tmpfs?); ext4 has";
  store.create(make(std::string(64, 'e'), "spread"), lit::Durability::NoSync, RecordHome::Disk);
  lit::UniqueFd dir(
      ::open((tmp.path() / "containers").c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC));
  ASSERT_TRUE(dir);
  ASSERT_EQ(::ioctl(dir.get(), FS_IOC_GETFLAGS, &flags), 0);
  EXPECT_TRUE(flags & FS_TOPDIR_FL) << "lsattr -d " << (tmp.path() / "containers") << " shows no T";
  EXPECT_TRUE(fs::is_directory(tmp.path() / "containers" / std::string(64, 'e')));
}
