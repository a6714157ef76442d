// lit's nftables table in a real kernel (inside the test's own network
// namespace): rules applied, read back, removed by owner, the table gone at the
// end, another table untouched, and a published port actually forwarding.
#include "network/firewall.hpp"

#include <netinet/in.h>
#include <signal.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include "runtime/util/fs.hpp"
#include "tests/integration/sandbox.hpp"
#include "tests/unit/error_of.hpp"

namespace lit::test {
namespace {

using lit::network::Firewall;
using lit::network::PortMapping;
using lit::network::Proto;
using nlohmann::json;
namespace nft = lit::network::nft;

class FirewallTest : public ::testing::Test {
 protected:
  void SetUp() override {
    if (geteuid() != 0) GTEST_SKIP() << "needs root (nftables in a network namespace)";
    dir_.emplace("/tmp", "lit-fw-");
    fw_.emplace(dir_->path() / "firewall.lock");
  }
  void TearDown() override {
    if (fw_) fw_->delete_table();
  }
  Result sh(const std::string& cmd) { return run_process({"sh", "-c", cmd}); }
  size_t owned(std::string_view owner) {
    auto t = fw_->table();
    return t ? nft::rules_owned_by(*t, owner).size() : 0;
  }
  std::string error_of_publish(const nft::ContainerPorts& c) {
    return lit::testing::error_of([&] { fw_->publish(c); });
  }
  std::optional<TempDir> dir_;
  std::optional<Firewall> fw_;
};

const nft::NetworkRules kNet1{"n1", "lit-n1", "10.90.1.0/24", false};
const nft::NetworkRules kNet2{"n2", "lit-n2", "10.90.2.0/24", true};
nft::ContainerPorts web(std::string id = "c1", uint16_t port = 18080) {
  return {
      id, "10.90.1.5", "10.90.1.0/24", {{"", port, 80, Proto::Tcp}, {"", 15353, 53, Proto::Udp}}};
}

TEST_F(FirewallTest, RulesAreReadBackRemovedByOwnerAndOtherTablesUntouched) {
  nft::Context ctx;
  ctx.run(json::parse(R"({"nftables":[{"add":{"table":{"family":"inet","name":"other"}}},
    {"add":{"chain":{"family":"inet","table":"other","name":"c"}}},
    {"add":{"rule":{"family":"inet","table":"other","chain":"c","comment":"ctr:c1","expr":[{"accept":null}]}}}]})"),
          "test table");
  std::string other_before = sh("nft -a list table inet other").out;

  fw_->apply_network(kNet1);
  fw_->apply_network(kNet2);
  fw_->publish(web());
  EXPECT_EQ(owned("net:n1"), 3u);
  EXPECT_EQ(owned("net:n2"), 2u);
  EXPECT_EQ(owned("ctr:c1"), 6u);
  Result listed = sh("nft list table inet lit");
  EXPECT_NE(listed.out.find(
                "fib daddr type local tcp dport 18080 dnat ip to 10.90.1.5:80 comment \"ctr:c1\""),
            std::string::npos)
      << listed;
  EXPECT_NE(
      listed.out.find("ip saddr 10.90.1.0/24 oifname != \"lit-n1\" masquerade comment \"net:n1\""),
      std::string::npos)
      << listed;

  // Applying again replaces, never duplicates.
  fw_->apply_network(kNet1);
  fw_->publish(web());
  EXPECT_EQ(owned("net:n1"), 3u);
  EXPECT_EQ(owned("ctr:c1"), 6u);

  EXPECT_EQ(fw_->remove_owner("ctr:c1"), 6u);
  EXPECT_EQ(owned("ctr:c1"), 0u);
  EXPECT_EQ(owned("net:n1"), 3u);
  EXPECT_EQ(owned("net:n2"), 2u);
  EXPECT_FALSE(fw_->remove_table_if_empty());
  EXPECT_EQ(fw_->remove_owner("net:n1"), 3u);
  EXPECT_EQ(fw_->remove_owner("net:n2"), 2u);
  EXPECT_EQ(fw_->remove_owner("net:n2"), 0u);
  EXPECT_TRUE(fw_->remove_table_if_empty());
  EXPECT_FALSE(fw_->table().has_value());
  EXPECT_EQ(sh("nft list tables").out, "table inet other\n");
  EXPECT_EQ(sh("nft -a list table inet other").out, other_before);
  EXPECT_EQ(fw_->remove_owner("ctr:c1"), 0u);  // no table: nothing to do
}

TEST_F(FirewallTest, PortConflictsAreRefusedBeforeAnyChange) {
  fw_->apply_network(kNet1);
  fw_->publish(web("c1", 18080));
  std::string before = sh("nft -a list table inet lit").out;
  EXPECT_EQ(error_of_publish(web("c2", 18080)),
            "publish host port 18080/tcp: already published by lit container c1");
  auto on_lo = web("c2", 18081);
  on_lo.ports[0].host_ip = "127.0.0.1";
  on_lo.ports.resize(1);
  fw_->publish(on_lo);  // another port is fine
  EXPECT_EQ(fw_->remove_owner("ctr:c2"), 3u);

  // A host process listening on the port.
  int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  sockaddr_in sa{};
  sa.sin_family = AF_INET;
  sa.sin_port = htons(19090);
  ASSERT_EQ(bind(fd, reinterpret_cast<sockaddr*>(&sa), sizeof sa), 0);
  ASSERT_EQ(listen(fd, 1), 0);
  EXPECT_TRUE(network::port_in_use("", 19090, Proto::Tcp));
  EXPECT_TRUE(network::port_in_use("127.0.0.1", 19090, Proto::Tcp));
  EXPECT_FALSE(network::port_in_use("", 19090, Proto::Udp));
  EXPECT_EQ(error_of_publish(web("c3", 19090)),
            "publish host port 19090/tcp: already in use on this host");
  close(fd);
  EXPECT_FALSE(network::port_in_use("", 19090, Proto::Tcp));
  EXPECT_EQ(sh("nft -a list table inet lit").out, before);  // nothing half-made

  // Random host ports: free, and none that lit already publishes.
  std::vector<PortMapping> ports = {
      {"", 0, 80, Proto::Tcp}, {"", 0, 81, Proto::Tcp}, {"", 0, 53, Proto::Udp}};
  fw_->choose_host_ports(ports);
  for (const auto& p : ports) {
    EXPECT_NE(p.host_port, 0);
    EXPECT_NE(p.host_port, 18080);
    EXPECT_FALSE(network::port_in_use("", p.host_port, p.proto));
  }
  EXPECT_NE(ports[0].host_port, ports[1].host_port);
}

// Runs argv in the background (our own child), killed by the destructor.
struct Background {
  explicit Background(std::vector<std::string> argv) {
    pid = fork();
    if (pid == 0) {
      std::vector<char*> a;
      for (auto& s : argv) a.push_back(s.data());
      a.push_back(nullptr);
      execvp(a[0], a.data());
      _exit(127);
    }
  }
  ~Background() {
    kill(pid, SIGKILL);
    waitpid(pid, nullptr, 0);
  }
  pid_t pid;
};

TEST_F(FirewallTest, PublishedPortAnswersOnLoopbackTheHostAddressAndHairpin) {
  // A "container": a netns behind bridge lit-n1, serving HTTP on 10.90.1.5:80.
  fs::path www = dir_->path() / "www";
  fs::create_directories(www);
  write_file_atomic(www / "index.html", "hello from c1\n");
  // Its netns is held by a sleeping child of ours (no /run/netns file, nothing to leak).
  Background holder({"unshare", "-n", "sleep", "60"});
  std::string c1 = "nsenter -t " + std::to_string(holder.pid) + " -n ";
  for (int i = 0; i < 100 && sh(c1 + "true").exit_code == 0 &&
                  sh("readlink /proc/self/ns/net").out == sh(c1 + "readlink /proc/self/ns/net").out;
       ++i)
    usleep(10000);  // until unshare has made the new namespace
  std::string setup =
      "set -e; ip link add lit-n1 type bridge; ip addr add 10.90.1.1/24 dev lit-n1;"
      "ip link set lit-n1 up; ip link add lv-c1 type veth peer name eth0 netns " +
      std::to_string(holder.pid) +
      "; ip link set lv-c1 master lit-n1 up;"
      // With br_netfilter loaded, a container reaching itself through a published
      // port needs hairpin mode on its bridge port (the link layer must set it).
      "ip link set lv-c1 type bridge_slave hairpin on;" +
      c1 + "ip addr add 10.90.1.5/24 dev eth0;" + c1 + "ip link set eth0 up;" + c1 +
      "ip link set lo up;" + c1 +
      "ip route add default via 10.90.1.1;"
      "ip link add host0 type veth peer name host0p; ip addr add 192.0.2.10/24 dev host0;"
      "ip link set host0p up; ip link set host0 up";
  // The links live in this process's namespace: gone with this test, or the
  // next test in the same process would find them (its leak check does).
  struct Links {
    ~Links() {
      run_process({"sh", "-c", "ip link del lit-n1; ip link del lv-c1; ip link del host0"});
    }
  } links;
  Result made = sh(setup);
  ASSERT_EQ(made.exit_code, 0) << made;
  Background httpd({"nsenter", "-t", std::to_string(holder.pid), "-n", "busybox", "httpd", "-f",
                    "-p", "10.90.1.5:80", "-h", www.string()});
  network::enable_route_localnet();
  network::enable_ip_forward();
  fw_->apply_network(kNet1);
  fw_->publish({"c1", "10.90.1.5", "10.90.1.0/24", {{"", 18080, 80, Proto::Tcp}}});

  auto fetch = [&](const std::string& where, const std::string& url) {
    Result r;
    for (int i = 0; i < 20; ++i) {  // until httpd listens
      r = sh(where + "curl -s -m 2 " + url);
      if (r.exit_code == 0) break;
      usleep(100000);
    }
    return r;
  };
  EXPECT_EQ(fetch("", "http://127.0.0.1:18080/").out, "hello from c1\n");
  EXPECT_EQ(fetch("", "http://192.0.2.10:18080/").out, "hello from c1\n");
  // Hairpin: the container reaches itself through the host's published port.
  EXPECT_EQ(fetch(c1, "http://192.0.2.10:18080/").out, "hello from c1\n");

  EXPECT_EQ(fw_->remove_owner("ctr:c1"), 3u);
  EXPECT_NE(sh("curl -s -m 2 http://127.0.0.1:18080/").exit_code, 0);
  fw_->remove_owner("net:n1");
  EXPECT_TRUE(fw_->remove_table_if_empty());
}

}  // namespace
}  // namespace lit::test
