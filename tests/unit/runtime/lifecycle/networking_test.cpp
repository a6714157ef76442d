#include "runtime/lifecycle/networking.hpp"

#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

#include "runtime/state/record.hpp"
#include "runtime/state/record_store.hpp"
#include "runtime/util/error.hpp"
#include "runtime/util/fs.hpp"
#include "tests/unit/error_of.hpp"

using namespace lit::runtime;
namespace fs = std::filesystem;
using lit::testing::error_of;

namespace {

NetworkAttachment attachment(const std::string& network, const std::string& ip,
                             const std::string& interface) {
  return {network, network + "-id", ip, false, {}, "10.90.0.1", 24, interface, "", std::nullopt};
}

// Records what the runtime hands over; connect and disconnect answer as the
// network manager would.
struct FakeHooks final : NetworkHooks {
  std::vector<Endpoint> seen;
  bool fail_connect = false;
  bool undone = false;

  void create(const lit::Paths&, Endpoint& ep) override { seen.push_back(ep); }
  std::vector<PublishedPort> start(const lit::Paths&, const Endpoint& ep, Names) override {
    seen.push_back(ep);
    return {};
  }
  void publish_names(const lit::Paths&, const Endpoint& ep) override { seen.push_back(ep); }
  void stop(const lit::Paths&, const Endpoint& ep) noexcept override { seen.push_back(ep); }
  void remove(const lit::Paths&, const Endpoint& ep) noexcept override { seen.push_back(ep); }
  void rename(const lit::Paths&, const Endpoint& ep) override { seen.push_back(ep); }
  NetworkAttachment connect(const lit::Paths&, const Endpoint& ep, const ConnectRequest& request,
                            const std::function<void(const NetworkAttachment&)>& record) override {
    seen.push_back(ep);
    if (fail_connect) throw lit::Error("no such network: " + request.network);
    NetworkAttachment a = attachment(request.network, "10.91.0.2", "eth1");
    a.aliases = request.aliases;
    try {
      record(a);
    } catch (...) {
      undone = true;
      throw;
    }
    return a;
  }
  std::string disconnect(const lit::Paths&, const Endpoint& ep,
                         const std::string& network) override {
    seen.push_back(ep);
    return network + "-id";
  }
};

class NetworkingTest : public ::testing::Test {
 protected:
  void SetUp() override {
    auto hooks = std::make_unique<FakeHooks>();
    fake = hooks.get();
    install_network_hooks(std::move(hooks));
  }
  void TearDown() override { install_network_hooks(nullptr); }

  ContainerRecord created(NetworkMode mode) {
    ContainerRecord r;
    r.id = std::string(64, 'a');
    r.name = "web";
    r.spec.network = mode;
    if (mode == NetworkMode::Bridge) {
      r.networks = {attachment("front", "10.90.0.2", "eth0")};
      r.publish = {{"", 8080, 80, Proto::Tcp}};
      follow_primary_network(r);
    }
    RecordStore(paths).create(r);
    return r;
  }

  lit::TempDir tmp{fs::temp_directory_path(), "lit-networking-"};
  lit::Paths paths{tmp.path() / "root", tmp.path() / "run"};
  FakeHooks* fake = nullptr;
};

}  // namespace

TEST(Networking, EndpointCarriesIdNameAttachmentsAndPortsOfTheRecord) {
  ContainerRecord r;
  r.id = std::string(64, 'a');
  r.name = "web";
  r.networks = {attachment("front", "10.90.0.2", "eth0")};
  r.publish = {{"127.0.0.1", 8080, 80, Proto::Tcp}};
  r.state.status = ContainerStatus::Running;
  r.state.pid = 42;
  Endpoint e = endpoint_of(r);
  EXPECT_EQ(e.id, r.id);
  EXPECT_EQ(e.name, "web");
  EXPECT_EQ(e.networks.at(0).ip, "10.90.0.2");
  EXPECT_EQ(e.publish, r.publish);
  EXPECT_EQ(e.status, ContainerStatus::Created);  // no observed state unless asked
  EXPECT_EQ(e.pid, 0);
}

TEST(Networking, HostsAddressAndNameserverFollowThePrimaryNetwork) {
  ContainerRecord r;
  r.networks = {attachment("front", "10.90.0.2", "eth0"), attachment("back", "10.91.0.2", "eth1")};
  r.networks[0].gateway = "10.90.0.1";
  follow_primary_network(r);
  EXPECT_EQ(r.spec.address, "10.90.0.2");
  EXPECT_EQ(r.spec.dns_servers, (std::vector<std::string>{"10.90.0.1"}));
  r.networks.clear();
  follow_primary_network(r);
  EXPECT_EQ(r.spec.address, "");
  EXPECT_TRUE(r.spec.dns_servers.empty());
}

TEST_F(NetworkingTest, ConnectKeepsTheNewAttachmentInTheRecord) {
  ContainerRecord r = created(NetworkMode::Bridge);
  ContainerRecord updated = connect_container(paths, r, {"back", "", {"api"}, "", ""});
  ASSERT_EQ(fake->seen.size(), 1u);
  EXPECT_EQ(fake->seen[0].id, r.id);
  EXPECT_EQ(fake->seen[0].networks.size(), 1u);
  EXPECT_EQ(fake->seen[0].status, ContainerStatus::Created);
  auto stored = RecordStore(paths).read(r.id);
  ASSERT_TRUE(stored);
  ASSERT_EQ(stored->networks.size(), 2u);
  EXPECT_EQ(stored->networks[1].network, "back");
  EXPECT_EQ(stored->networks[1].aliases, (std::vector<std::string>{"api"}));
  EXPECT_EQ(stored->spec.address, "10.90.0.2");  // still the primary's
  EXPECT_EQ(to_json(updated), to_json(*stored));
}

TEST_F(NetworkingTest, ConnectRefusesAContainerNotOnLitNetworksBeforeAskingTheManager) {
  ContainerRecord r = created(NetworkMode::Host);
  EXPECT_EQ(error_of([&] {
              connect_container(paths, r, {"back", "", {}, "", ""});
            }),
            "connect container web to network back: it runs with --network host");
  EXPECT_TRUE(fake->seen.empty());
}

TEST_F(NetworkingTest, AFailedConnectLeavesTheRecordAsItWas) {
  ContainerRecord r = created(NetworkMode::Bridge);
  fake->fail_connect = true;
  EXPECT_EQ(error_of([&] {
              connect_container(paths, r, {"nope", "", {}, "", ""});
            }),
            "no such network: nope");
  EXPECT_EQ(RecordStore(paths).read(r.id)->networks.size(), 1u);
}

TEST_F(NetworkingTest, ConnectOfARemovedContainerReturnsItUnchanged) {
  ContainerRecord r = created(NetworkMode::Bridge);
  RecordStore(paths).remove(r.id);
  ContainerRecord updated = connect_container(paths, r, {"back", "", {}, "", ""});
  EXPECT_EQ(updated.networks.size(), 1u);
  EXPECT_FALSE(fake->undone);
}

TEST_F(NetworkingTest, DisconnectDropsTheAttachmentTheManagerLeft) {
  ContainerRecord r = created(NetworkMode::Bridge);
  r = connect_container(paths, r, {"back", "", {}, "", ""});
  ContainerRecord updated = disconnect_container(paths, r, "front");
  ASSERT_EQ(updated.networks.size(), 1u);
  EXPECT_EQ(updated.networks[0].network, "back");
  EXPECT_EQ(updated.spec.address, "10.91.0.2");  // the new primary's
  EXPECT_EQ(to_json(*RecordStore(paths).read(r.id)), to_json(updated));
}
