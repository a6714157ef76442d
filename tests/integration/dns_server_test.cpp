// lit-dns, the embedded DNS server, on loopback addresses of the test's own
// network namespace, with a fake upstream the test runs: names per network,
// round robin, live updates, forwarding, NXDOMAIN/SERVFAIL, TCP, and exit when
// no network is left.
#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <atomic>
#include <fstream>
#include <thread>

#include "network/dns/config.hpp"
#include "network/dns/packet.hpp"
#include "tests/integration/dns_fixture.hpp"
#include "tests/integration/sandbox.hpp"

namespace lit::test {
namespace {

using namespace lit::network::dns;

constexpr const char* kNet1 = "127.0.0.10";
constexpr const char* kNet2 = "127.0.0.11";
constexpr const char* kUpstream = "127.0.0.20";

class DnsServerTest : public LitTest {
 protected:
  void SetUp() override {
    LitTest::SetUp();
    if (IsSkipped() || HasFatalFailure()) return;
    config_path_ = base_ / "dns" / "config";
    fs::create_directories(config_path_.parent_path());
  }
  void TearDown() override {
    if (server_ > 0) {
      kill(server_, SIGKILL);
      waitpid(server_, nullptr, 0);
    }
    LitTest::TearDown();
  }

  // As lit does it: write a new file, rename it over the old one.
  void write_config(const Config& c) {
    fs::path tmp = config_path_.string() + ".tmp";
    std::ofstream(tmp) << render_config(c);
    fs::rename(tmp, config_path_);
  }

  void start_server() {
    fs::path binary = fs::path(LIT_BINARY).parent_path() / "lit-dns";
    ASSERT_TRUE(fs::exists(binary)) << binary;
    server_ = fork();
    if (server_ == 0) {
      execl(binary.c_str(), binary.c_str(), config_path_.c_str(), nullptr);
      _exit(127);
    }
    // Ready once it answers on the first network (a local name: no upstream involved).
    for (int i = 0; i < 100 && ask_udp(kNet1, "web", kTypeA, {0, 50000}).rcode < 0; ++i)
      usleep(10000);
  }

  static Config base_config() {
    Config c;
    c.listen = {*parse_ipv4(kNet1), *parse_ipv4(kNet2)};
    c.upstreams = {*parse_ipv4(kUpstream)};
    c.add_name(*parse_ipv4(kNet1), "web", *parse_ipv4("10.90.0.2"));
    c.add_name(*parse_ipv4(kNet1), "web", *parse_ipv4("10.90.0.3"));
    c.add_name(*parse_ipv4(kNet1), "web.myproj", *parse_ipv4("10.90.0.2"));
    c.add_name(*parse_ipv4(kNet2), "db", *parse_ipv4("10.91.0.2"));
    return c;
  }

  fs::path config_path_;
  pid_t server_ = -1;
};

TEST_F(DnsServerTest, AnswersNamesOfItsNetworkOnly) {
  FakeUpstream upstream(kUpstream);
  write_config(base_config());
  start_server();
  Reply r = ask_udp(kNet1, "WEB.myproj");
  EXPECT_EQ(r.rcode, 0);
  EXPECT_EQ(r.addresses, std::vector<std::string>{"10.90.0.2"});
  r = ask_udp(kNet2, "db");
  EXPECT_EQ(r.addresses, std::vector<std::string>{"10.91.0.2"});
  // db lives on the other network: from here it is just an unknown name (upstream: NXDOMAIN).
  r = ask_udp(kNet1, "db");
  EXPECT_EQ(r.rcode, 3);
  EXPECT_TRUE(r.addresses.empty());
  // A known name has no IPv6 address: an empty answer, not an error.
  r = ask_udp(kNet1, "web", kTypeAAAA);
  EXPECT_EQ(r.rcode, 0);
  EXPECT_TRUE(r.addresses.empty());
}

TEST_F(DnsServerTest, ReplicasComeInRotatingOrder) {
  FakeUpstream upstream(kUpstream);
  write_config(base_config());
  start_server();
  Reply a = ask_udp(kNet1, "web"), b = ask_udp(kNet1, "web");
  ASSERT_EQ(a.addresses.size(), 2u);
  ASSERT_EQ(b.addresses.size(), 2u);
  EXPECT_NE(a.addresses[0], b.addresses[0]);
  EXPECT_EQ(a.addresses[0], b.addresses[1]);
}

TEST_F(DnsServerTest, NamesAppearAndDisappearAtOnce) {
  FakeUpstream upstream(kUpstream);
  Config c = base_config();
  write_config(c);
  start_server();
  EXPECT_EQ(ask_udp(kNet1, "api").rcode, 3);
  c.add_name(*parse_ipv4(kNet1), "api", *parse_ipv4("10.90.0.9"));
  write_config(c);
  bool appeared = false;
  for (int i = 0; i < 50 && !appeared; ++i) {
    appeared = ask_udp(kNet1, "api").addresses == std::vector<std::string>{"10.90.0.9"};
    if (!appeared) usleep(10000);
  }
  EXPECT_TRUE(appeared);
  c.names.erase({*parse_ipv4(kNet1), "api"});
  write_config(c);
  bool gone = false;
  for (int i = 0; i < 50 && !gone; ++i) {
    gone = ask_udp(kNet1, "api").rcode == 3;
    if (!gone) usleep(10000);
  }
  EXPECT_TRUE(gone);
}

TEST_F(DnsServerTest, ForwardsOtherNamesUpstreamOverUdpAndTcp) {
  FakeUpstream upstream(kUpstream);
  write_config(base_config());
  start_server();
  Reply r = ask_udp(kNet1, "example.test");
  EXPECT_EQ(r.rcode, 0);
  EXPECT_EQ(r.addresses, std::vector<std::string>{"192.0.2.7"});
  EXPECT_GE(upstream.queries(), 1);
  r = ask_tcp(kNet1, "example.test");
  EXPECT_EQ(r.addresses, std::vector<std::string>{"192.0.2.7"});
  r = ask_tcp(kNet1, "web.myproj");
  EXPECT_EQ(r.addresses, std::vector<std::string>{"10.90.0.2"});
}

TEST_F(DnsServerTest, ServfailWhenTheUpstreamIsSilent) {
  write_config(base_config());  // upstream address with nobody listening
  start_server();
  Reply r = ask_udp(kNet1, "example.test");
  EXPECT_EQ(r.rcode, 2);
}

TEST_F(DnsServerTest, ExitsWhenNoNetworkIsLeft) {
  FakeUpstream upstream(kUpstream);
  write_config(base_config());
  start_server();
  ASSERT_EQ(ask_udp(kNet1, "web").rcode, 0);
  write_config(Config{});
  int status = 0;
  pid_t done = 0;
  for (int i = 0; i < 100 && done == 0; ++i) {
    done = waitpid(server_, &status, WNOHANG);
    if (done == 0) usleep(20000);
  }
  EXPECT_EQ(done, server_);
  EXPECT_TRUE(WIFEXITED(status) && WEXITSTATUS(status) == 0);
  server_ = -1;
}

}  // namespace
}  // namespace lit::test
