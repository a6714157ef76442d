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
#include "tests/integration/sandbox.hpp"

namespace lit::test {
namespace {

using namespace lit::network::dns;

constexpr const char* kNet1 = "127.0.0.10";
constexpr const char* kNet2 = "127.0.0.11";
constexpr const char* kUpstream = "127.0.0.20";

sockaddr_in addr(const char* ip, int port = 53) {
  sockaddr_in a{};
  a.sin_family = AF_INET;
  a.sin_port = htons(static_cast<uint16_t>(port));
  inet_pton(AF_INET, ip, &a.sin_addr);
  return a;
}

std::vector<uint8_t> make_query(uint16_t id, const std::string& name, uint16_t type = kTypeA) {
  std::vector<uint8_t> m = {static_cast<uint8_t>(id >> 8), static_cast<uint8_t>(id), 1, 0, 0, 1, 0, 0, 0, 0, 0, 0};
  size_t start = 0;
  while (start <= name.size()) {
    size_t dot = std::min(name.find('.', start), name.size());
    m.push_back(static_cast<uint8_t>(dot - start));
    m.insert(m.end(), name.begin() + static_cast<long>(start), name.begin() + static_cast<long>(dot));
    start = dot + 1;
  }
  m.push_back(0);
  m.insert(m.end(), {static_cast<uint8_t>(type >> 8), static_cast<uint8_t>(type), 0, 1});
  return m;
}

struct Reply {
  int rcode = -1;  // -1: no reply
  std::vector<std::string> addresses;
};

Reply decode(const std::vector<uint8_t>& m, size_t question_size) {
  Reply r;
  if (m.size() < 12) return r;
  r.rcode = m[3] & 0x0F;
  int answers = (m[6] << 8) | m[7];
  size_t at = 12 + question_size;
  for (int i = 0; i < answers && at + 16 <= m.size(); ++i, at += 16)
    r.addresses.push_back(std::to_string(m[at + 12]) + "." + std::to_string(m[at + 13]) + "." +
                          std::to_string(m[at + 14]) + "." + std::to_string(m[at + 15]));
  return r;
}

Reply ask_udp(const char* server, const std::string& name, uint16_t type = kTypeA,
              timeval tv = {4, 0}) {
  int fd = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
  setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
  auto q = make_query(0x4242, name, type);
  sockaddr_in a = addr(server);
  sendto(fd, q.data(), q.size(), 0, reinterpret_cast<sockaddr*>(&a), sizeof a);
  std::vector<uint8_t> buf(4096);
  ssize_t n = recv(fd, buf.data(), buf.size(), 0);
  close(fd);
  if (n <= 0) return {};
  buf.resize(static_cast<size_t>(n));
  EXPECT_EQ(message_id(buf), 0x4242);
  return decode(buf, q.size() - 12);
}

Reply ask_tcp(const char* server, const std::string& name) {
  int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  timeval tv{4, 0};
  setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
  sockaddr_in a = addr(server);
  if (connect(fd, reinterpret_cast<sockaddr*>(&a), sizeof a) < 0) {
    close(fd);
    return {};
  }
  auto q = make_query(7, name);
  std::vector<uint8_t> framed = {static_cast<uint8_t>(q.size() >> 8), static_cast<uint8_t>(q.size())};
  framed.insert(framed.end(), q.begin(), q.end());
  send(fd, framed.data(), framed.size(), 0);
  std::vector<uint8_t> buf(4096);
  size_t got = 0;
  while (got < 2 || got < 2 + ((static_cast<size_t>(buf[0]) << 8) | buf[1])) {
    ssize_t n = recv(fd, buf.data() + got, buf.size() - got, 0);
    if (n <= 0) break;
    got += static_cast<size_t>(n);
  }
  close(fd);
  if (got < 2) return {};
  std::vector<uint8_t> msg(buf.begin() + 2, buf.begin() + static_cast<long>(got));
  return decode(msg, q.size() - 12);
}

// A resolver the test controls: example.test is 192.0.2.7, everything else NXDOMAIN.
class FakeUpstream {
 public:
  FakeUpstream() {
    fd_ = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
    sockaddr_in a = addr(kUpstream);
    EXPECT_EQ(bind(fd_, reinterpret_cast<sockaddr*>(&a), sizeof a), 0);
    timeval tv{0, 100000};
    setsockopt(fd_, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
    thread_ = std::thread([this] { serve(); });
  }
  ~FakeUpstream() {
    stop_ = true;
    thread_.join();
    close(fd_);
  }
  int queries() const { return queries_; }

 private:
  void serve() {
    while (!stop_) {
      uint8_t buf[512];
      sockaddr_in from{};
      socklen_t len = sizeof from;
      ssize_t n = recvfrom(fd_, buf, sizeof buf, 0, reinterpret_cast<sockaddr*>(&from), &len);
      if (n <= 0) continue;
      ++queries_;
      auto q = parse_query(std::span<const uint8_t>(buf, static_cast<size_t>(n)));
      if (!q) continue;
      auto reply = q->question.name == "example.test" ? build_a_answer(*q, {0xC0000207}, 60)
                                                      : build_error(*q, Rcode::NxDomain);
      sendto(fd_, reply.data(), reply.size(), 0, reinterpret_cast<sockaddr*>(&from), len);
    }
  }
  int fd_ = -1;
  std::atomic<bool> stop_{false};
  std::atomic<int> queries_{0};
  std::thread thread_;
};

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
    for (int i = 0; i < 100 && ask_udp(kNet1, "web", kTypeA, {0, 50000}).rcode < 0; ++i) usleep(10000);
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
  FakeUpstream upstream;
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
  FakeUpstream upstream;
  write_config(base_config());
  start_server();
  Reply a = ask_udp(kNet1, "web"), b = ask_udp(kNet1, "web");
  ASSERT_EQ(a.addresses.size(), 2u);
  ASSERT_EQ(b.addresses.size(), 2u);
  EXPECT_NE(a.addresses[0], b.addresses[0]);
  EXPECT_EQ(a.addresses[0], b.addresses[1]);
}

TEST_F(DnsServerTest, NamesAppearAndDisappearAtOnce) {
  FakeUpstream upstream;
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
  FakeUpstream upstream;
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
  FakeUpstream upstream;
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
