// Bridges and container veths over netlink (network/links.hpp), observed with
// `ip -j` in the test's own sandbox namespace and in child "containers": a
// forked child that unshared its own network namespace.
#include "network/links.hpp"

#include <arpa/inet.h>
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <sched.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <csignal>
#include <cstring>
#include <functional>
#include <nlohmann/json.hpp>
#include <string>

#include "runtime/util/error.hpp"
#include "tests/integration/sandbox.hpp"

namespace lit::test {
namespace {

using network::ContainerLink;
using network::Ipv4Interface;
using nlohmann::json;

in_addr ip(const char* s) {
  in_addr a{};
  inet_pton(AF_INET, s, &a);
  return a;
}

Ipv4Interface cidr(const char* addr, unsigned prefix) { return {ip(addr), prefix}; }

// A stand-in container: a child process sleeping in a network namespace of its own.
class FakeContainer {
 public:
  FakeContainer() {
    int p[2];
    if (pipe(p) < 0) throw std::runtime_error("pipe");
    pid_ = fork();
    if (pid_ == 0) {
      close(p[0]);
      char ok = unshare(CLONE_NEWNET) == 0 ? 'y' : 'n';
      (void)!write(p[1], &ok, 1);
      for (;;) pause();
    }
    close(p[1]);
    char ok = 0;
    (void)!read(p[0], &ok, 1);
    close(p[0]);
    if (ok != 'y') throw std::runtime_error("child could not unshare its network namespace");
    netns_ = network::open_netns(pid_);
  }
  ~FakeContainer() {
    kill(pid_, SIGKILL);
    waitpid(pid_, nullptr, 0);
  }
  FakeContainer(const FakeContainer&) = delete;
  FakeContainer& operator=(const FakeContainer&) = delete;

  int netns() const { return netns_.get(); }
  // Runs a command inside this container's network namespace.
  Result sh(const std::string& cmd) const {
    return run_process({"nsenter", "-t", std::to_string(pid_), "-n", "sh", "-c", cmd});
  }
  json ip_json(const std::string& args) const {
    Result r = sh("ip -j " + args);
    EXPECT_EQ(r.exit_code, 0) << r;
    return r.exit_code == 0 ? json::parse(r.out) : json::array();
  }

 private:
  pid_t pid_ = -1;
  UniqueFd netns_;
};

json host_ip_json(const std::string& args) {
  Result r = run_process({"sh", "-c", "ip -j " + args});
  EXPECT_EQ(r.exit_code, 0) << r;
  return r.exit_code == 0 ? json::parse(r.out) : json::array();
}

bool has_flag(const json& link, const std::string& flag) {
  for (const auto& f : link.value("flags", json::array()))
    if (f == flag) return true;
  return false;
}

// The IPv4 addresses of one `ip -j addr` entry, as "a.b.c.d/len".
std::vector<std::string> ipv4_addrs(const json& link) {
  std::vector<std::string> out;
  for (const auto& a : link.value("addr_info", json::array()))
    if (a.value("family", "") == "inet")
      out.push_back(a.value("local", "") + "/" + std::to_string(a.value("prefixlen", -1)));
  return out;
}

// Forks a child that enters netns_fd and returns fn()'s value as its exit code.
pid_t fork_in_netns(int netns_fd, const std::function<int()>& fn) {
  pid_t pid = fork();
  if (pid == 0) _exit(setns(netns_fd, CLONE_NEWNET) == 0 ? fn() : 99);
  return pid;
}

int wait_exit(pid_t pid) {
  int status = 0;
  waitpid(pid, &status, 0);
  return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
}

sockaddr_in endpoint(const char* addr, uint16_t port) {
  sockaddr_in sa{};
  sa.sin_family = AF_INET;
  sa.sin_port = htons(port);
  sa.sin_addr = ip(addr);
  return sa;
}

// A TCP listener on addr:port; returns its fd (or -1).
int listen_on(const char* addr, uint16_t port) {
  int s = socket(AF_INET, SOCK_STREAM, 0);
  // Its connections' TIME_WAIT must not hold the port for the tests after it
  // (a project publishing 8081 in the same sandbox).
  int one = 1;
  setsockopt(s, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
  sockaddr_in sa = endpoint(addr, port);
  if (s < 0 || bind(s, reinterpret_cast<sockaddr*>(&sa), sizeof sa) < 0 || listen(s, 1) < 0)
    return -1;
  return s;
}

// Connects to addr:port (5 s timeout) and returns 0 when it reads "pong".
int expect_pong(const char* addr, uint16_t port) {
  int s = socket(AF_INET, SOCK_STREAM, 0);
  timeval tv{5, 0};
  setsockopt(s, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
  setsockopt(s, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof tv);
  sockaddr_in sa = endpoint(addr, port);
  if (connect(s, reinterpret_cast<sockaddr*>(&sa), sizeof sa) < 0) return 2;
  char buf[8] = {};
  return read(s, buf, 4) == 4 && std::memcmp(buf, "pong", 4) == 0 ? 0 : 3;
}

// Accepts one connection on a listener and answers "pong".
int serve_pong(int listener) {
  UniqueFd c(accept(listener, nullptr, nullptr));  // closed: it would hold the port
  return c && write(c.get(), "pong", 4) == 4 ? 0 : 4;
}

class LinksTest : public ::testing::Test {
 protected:
  void SetUp() override {
    if (geteuid() != 0) GTEST_SKIP() << "needs root (creates links in the sandbox namespace)";
  }
  void TearDown() override {
    if (geteuid() != 0) return;
    auto left = network::lit_links();
    EXPECT_TRUE(left.empty()) << "leaked link " << left.front();
    for (const auto& l : left) network::delete_link(l);
  }

  ContainerLink link_for(const FakeContainer& c, const std::string& host, const char* addr) {
    ContainerLink l;
    l.netns_fd = c.netns();
    l.bridge = "lit-t";
    l.host_name = host;
    l.address = cidr(addr, 24);
    l.gateway = ip("10.99.0.1");
    l.mtu = 1400;
    return l;
  }
};

TEST(LinkNames, AreLitPrefixedAndFitTheKernelLimit) {
  EXPECT_EQ(network::veth_name("0123456789abcdef0123", 0), "lit0123456789a0");
  EXPECT_EQ(network::veth_name("0123456789abcdef0123", 35), "lit0123456789az");
  EXPECT_EQ(network::bridge_name("fedcba9876543210"), "lit-fedcba98765");
  EXPECT_LE(network::bridge_name("fedcba9876543210").size(), 15u);
  EXPECT_THROW(network::veth_name("0123456789abcdef", 36), Error);
  EXPECT_THROW(network::bridge_name(""), Error);
}

TEST_F(LinksTest, BridgeGetsAddressMtuAndIsUpAndEnsureIsIdempotent) {
  network::ensure_bridge("lit-t", cidr("10.99.0.1", 24), 1400);
  network::ensure_bridge("lit-t", cidr("10.99.0.1", 24), 1400);  // again: no error, no change
  json link = host_ip_json("-d addr show dev lit-t").at(0);
  EXPECT_EQ(link["linkinfo"]["info_kind"], "bridge");
  EXPECT_EQ(link["mtu"], 1400);
  EXPECT_TRUE(has_flag(link, "UP")) << link;
  EXPECT_EQ(ipv4_addrs(link), std::vector<std::string>{"10.99.0.1/24"});
  json route = host_ip_json("route show 10.99.0.0/24");
  ASSERT_EQ(route.size(), 1u) << route;
  EXPECT_EQ(route[0]["dev"], "lit-t");

  // A changed subnet replaces the old address rather than adding a second one.
  network::ensure_bridge("lit-t", cidr("10.98.0.1", 16), 1500);
  link = host_ip_json("addr show dev lit-t").at(0);
  EXPECT_EQ(ipv4_addrs(link), std::vector<std::string>{"10.98.0.1/16"});
  EXPECT_EQ(link["mtu"], 1500);

  network::delete_link("lit-t");
  EXPECT_TRUE(network::lit_links().empty());
  EXPECT_NO_THROW(network::delete_link("lit-t"));  // already gone
}

TEST_F(LinksTest, ALinkThatIsNotABridgeIsRefusedAndKept) {
  ASSERT_EQ(
      run_process({"ip", "link", "add", "lit-dummy", "type", "veth", "peer", "name", "lit-dummy2"})
          .exit_code,
      0);
  try {
    network::ensure_bridge("lit-dummy", cidr("10.99.0.1", 24), 0);
    ADD_FAILURE() << "no error";
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find("lit-dummy"), std::string::npos) << e.what();
    EXPECT_NE(e.hint().find("not a bridge"), std::string::npos) << e.hint();
  }
  json link = host_ip_json("addr show dev lit-dummy").at(0);
  EXPECT_TRUE(ipv4_addrs(link).empty()) << "the address was added anyway";
  network::delete_link("lit-dummy");
}

TEST_F(LinksTest, OnlyLitLinksAreManaged) {
  EXPECT_THROW(network::delete_link("lo"), Error);
  EXPECT_THROW(network::ensure_bridge("br0", cidr("10.99.0.1", 24)), Error);
  EXPECT_THROW(network::ensure_bridge("lit/x", cidr("10.99.0.1", 24)), Error);
  EXPECT_THROW(network::ensure_bridge("lit-much-too-long", cidr("10.99.0.1", 24)), Error);
  EXPECT_EQ(host_ip_json("link show lo").size(), 1u);
}

TEST_F(LinksTest, AttachedContainerHasEth0WithAddressDefaultRouteAndLoopback) {
  network::ensure_bridge("lit-t", cidr("10.99.0.1", 24), 1400);
  FakeContainer c;
  struct stat before {
  }, after{};
  ASSERT_EQ(stat("/proc/thread-self/ns/net", &before), 0);
  network::attach_container(link_for(c, "litc1", "10.99.0.2"));
  ASSERT_EQ(stat("/proc/thread-self/ns/net", &after), 0);
  EXPECT_EQ(before.st_ino, after.st_ino) << "the calling thread was left in another namespace";

  json eth0 = c.ip_json("addr show dev eth0").at(0);
  EXPECT_EQ(ipv4_addrs(eth0), std::vector<std::string>{"10.99.0.2/24"});
  EXPECT_TRUE(has_flag(eth0, "UP")) << eth0;
  EXPECT_EQ(eth0["operstate"], "UP") << eth0;
  EXPECT_EQ(eth0["mtu"], 1400);
  json routes = c.ip_json("route show default");
  ASSERT_EQ(routes.size(), 1u) << routes;
  EXPECT_EQ(routes[0]["gateway"], "10.99.0.1");
  EXPECT_EQ(routes[0]["dev"], "eth0");
  EXPECT_TRUE(has_flag(c.ip_json("link show lo").at(0), "UP"));

  json host_end = host_ip_json("link show dev litc1").at(0);
  EXPECT_EQ(host_end["master"], "lit-t");
  EXPECT_TRUE(has_flag(host_end, "UP")) << host_end;

  // The container reaches the gateway (the host side) over the bridge.
  int listener = listen_on("10.99.0.1", 8081);
  ASSERT_GE(listener, 0) << std::strerror(errno);
  pid_t client = fork_in_netns(c.netns(), [] { return expect_pong("10.99.0.1", 8081); });
  EXPECT_EQ(serve_pong(listener), 0);
  EXPECT_EQ(wait_exit(client), 0);
  close(listener);

  network::detach_container("litc1");
  EXPECT_NE(c.sh("ip link show eth0").exit_code, 0) << "eth0 outlived its host end";
  EXPECT_NO_THROW(network::detach_container("litc1"));
  network::delete_link("lit-t");
}

TEST_F(LinksTest, TwoContainersTalkTcpThroughTheBridge) {
  network::ensure_bridge("lit-t", cidr("10.99.0.1", 24), 1400);
  FakeContainer a, b;
  network::attach_container(link_for(a, "lita", "10.99.0.2"));
  network::attach_container(link_for(b, "litb", "10.99.0.3"));

  int ready[2];
  ASSERT_EQ(pipe(ready), 0);
  pid_t server = fork_in_netns(a.netns(), [&] {
    int l = listen_on("10.99.0.2", 8080);
    char ok = l >= 0 ? 'y' : 'n';
    (void)!write(ready[1], &ok, 1);
    return l >= 0 ? serve_pong(l) : 5;
  });
  close(ready[1]);
  char ok = 0;
  ASSERT_EQ(read(ready[0], &ok, 1), 1);
  close(ready[0]);
  ASSERT_EQ(ok, 'y') << "server could not listen in container a";
  pid_t client = fork_in_netns(b.netns(), [] { return expect_pong("10.99.0.2", 8080); });
  EXPECT_EQ(wait_exit(client), 0) << "b could not reach a over the bridge";
  EXPECT_EQ(wait_exit(server), 0);

  network::detach_container("lita");
  network::detach_container("litb");
  network::delete_link("lit-t");
  EXPECT_TRUE(network::lit_links().empty());
  for (const auto& l : host_ip_json("link show"))
    EXPECT_FALSE(l.value("ifname", "").starts_with("lit")) << l;
}

TEST_F(LinksTest, AStaleVethOfAnEarlierStartIsReplaced) {
  // A start killed half-way leaves its veth until the kernel tears down the
  // old namespace; here the old namespace is kept alive to make that last.
  network::ensure_bridge("lit-t", cidr("10.99.0.1", 24), 0);
  FakeContainer old_start;
  network::attach_container(link_for(old_start, "litc1", "10.99.0.2"));
  FakeContainer new_start;
  EXPECT_NO_THROW(network::attach_container(link_for(new_start, "litc1", "10.99.0.2")));
  EXPECT_NE(old_start.sh("ip link show eth0").exit_code, 0) << "the old eth0 survived";
  EXPECT_EQ(ipv4_addrs(new_start.ip_json("addr show dev eth0").at(0)),
            std::vector<std::string>{"10.99.0.2/24"});
  network::detach_container("litc1");
  network::delete_link("lit-t");
}

TEST_F(LinksTest, FailedAttachLeavesNoVethBehind) {
  network::ensure_bridge("lit-t", cidr("10.99.0.1", 24), 0);
  FakeContainer c;

  // A gateway outside the subnet: the route fails after the veth exists.
  ContainerLink bad_gw = link_for(c, "litc1", "10.99.0.2");
  bad_gw.gateway = ip("10.1.1.1");
  try {
    network::attach_container(bad_gw);
    ADD_FAILURE() << "no error";
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find("default route via 10.1.1.1"), std::string::npos)
        << e.what();
    EXPECT_EQ(e.err(), ENETUNREACH) << e.what();
  }
  EXPECT_EQ(network::lit_links(), std::vector<std::string>{"lit-t"});
  EXPECT_NE(c.sh("ip link show eth0").exit_code, 0) << "eth0 left in the container";

  // The container already has an eth0: refused, nothing made.
  ASSERT_EQ(c.sh("ip link add eth0 type veth peer name other").exit_code, 0);
  try {
    network::attach_container(link_for(c, "litc1", "10.99.0.2"));
    ADD_FAILURE() << "no error";
  } catch (const Error& e) {
    EXPECT_EQ(e.err(), EEXIST) << e.what();
    EXPECT_NE(e.hint().find("eth0"), std::string::npos) << e.hint();
  }
  EXPECT_EQ(network::lit_links(), std::vector<std::string>{"lit-t"});

  // A missing bridge.
  ContainerLink no_bridge = link_for(c, "litc1", "10.99.0.2");
  no_bridge.bridge = "lit-missing";
  no_bridge.inside_name = "eth1";
  EXPECT_THROW(network::attach_container(no_bridge), Error);
  EXPECT_EQ(network::lit_links(), std::vector<std::string>{"lit-t"});
  network::delete_link("lit-t");
}

}  // namespace
}  // namespace lit::test
