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
#include "runtime/process/identity.hpp"
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

  // As lit does it for one container: names/<id>, written and renamed.
  void write_names(const std::string& id, const std::string& text) {
    fs::create_directories(config_path_.parent_path() / "names");
    fs::path file = config_path_.parent_path() / "names" / id;
    fs::path tmp = file.string() + ".tmp-1";
    std::ofstream(tmp) << text;
    fs::rename(tmp, file);
  }

  // Waits (bounded) until `name` on kNet1 answers `addresses` (empty: NXDOMAIN).
  static bool answers(const std::string& name, const std::vector<std::string>& addresses) {
    for (int i = 0; i < 100; ++i) {
      Reply r = ask_udp(kNet1, name);
      if (addresses.empty() ? r.rcode == 3 : r.addresses == addresses) return true;
      usleep(10000);
    }
    return false;
  }

  fs::path config_path_;
  pid_t server_ = -1;
};

// Each running container's names are a file of their own (names/<id>), read
// at start and followed one file at a time, and served only while the init
// the file names lives: killed, its names go although its file stays.
TEST_F(DnsServerTest, AContainersNamesAreServedFromItsFileWhileItsInitLives) {
  FakeUpstream upstream(kUpstream);
  Config c;
  c.listen = {*parse_ipv4(kNet1)};
  c.upstreams = {*parse_ipv4(kUpstream)};
  write_config(c);
  write_names("early", "name 127.0.0.10 early 10.90.0.4\n");
  pid_t init = fork();
  if (init == 0) {
    pause();
    _exit(0);
  }
  ASSERT_GT(init, 0);
  const std::string pid_line =
      "pid " + std::to_string(init) + " " + std::to_string(runtime::process_start_time(init));
  start_server();
  EXPECT_TRUE(answers("early", {"10.90.0.4"})) << "a file written before the server started";

  write_names("api",
              pid_line + "\nname 127.0.0.10 api 10.90.0.9\nname 127.0.0.10 api.p 10.90.0.9\n");
  // The right pid with another start time: a process that reused the pid.
  write_names("ghost", "pid " + std::to_string(init) + " 1\nname 127.0.0.10 ghost 10.90.0.8\n");
  write_names("probe", "name 127.0.0.10 probe 10.90.0.7\n");
  EXPECT_TRUE(answers("api", {"10.90.0.9"}));
  EXPECT_TRUE(answers("api.p", {"10.90.0.9"}));
  EXPECT_TRUE(answers("probe", {"10.90.0.7"}));
  EXPECT_EQ(ask_udp(kNet1, "ghost").rcode, 3) << "served for a process that is not its init";

  kill(init, SIGKILL);
  waitpid(init, nullptr, 0);
  EXPECT_TRUE(answers("api", {})) << "names of a dead init are still served";
  EXPECT_TRUE(fs::exists(config_path_.parent_path() / "names" / "api"));
  EXPECT_TRUE(answers("probe", {"10.90.0.7"})) << "another container's names went too";

  fs::remove(config_path_.parent_path() / "names" / "probe");
  EXPECT_TRUE(answers("probe", {}));
  EXPECT_TRUE(answers("early", {"10.90.0.4"}));
}

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
