// The published-port proxy across network namespaces, as rootless lit uses it:
// the engine reaching echo servers on the loopback of a namespace the test
// makes (reachable only from inside it), and lit itself publishing a detached
// container's port through its supervisor, with the "host" side in a second
// namespace where lit made no rules (runtime::kTestHostNetnsEnv).
#include <fcntl.h>
#include <net/if.h>
#include <sched.h>
#include <signal.h>
#include <sys/ioctl.h>

#include <cstring>
#include <nlohmann/json.hpp>

#include "runtime/lifecycle/published_proxy.hpp"
#include "tests/integration/expect.hpp"
#include "tests/integration/sandbox.hpp"
#include "tests/unit/runtime/shim/proxy_peers.hpp"

namespace lit::test {
namespace {

using runtime::Proto;

// A new network namespace with its loopback up, made by a thread that ends.
UniqueFd make_netns() {
  UniqueFd ns;
  std::thread([&] {
    if (::unshare(CLONE_NEWNET) != 0) return;
    UniqueFd fd(::open("/proc/thread-self/ns/net", O_RDONLY | O_CLOEXEC));
    UniqueFd s(::socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0));
    ifreq ifr{};
    std::strncpy(ifr.ifr_name, "lo", IFNAMSIZ - 1);
    ifr.ifr_flags = IFF_UP;
    if (s && ::ioctl(s.get(), SIOCSIFFLAGS, &ifr) == 0) ns = std::move(fd);
  }).join();
  return ns;
}

UniqueFd dup_of(const UniqueFd& fd) { return UniqueFd(::fcntl(fd.get(), F_DUPFD_CLOEXEC, 0)); }

// A blocking TCP client made in `netns`, connected to 127.0.0.1:port there.
UniqueFd client_in(int netns, uint16_t port) {
  UniqueFd fd = shim::socket_in_netns(netns, AF_INET, SOCK_STREAM);
  if (!fd) return {};
  ::fcntl(fd.get(), F_SETFL, 0);
  timeval tv{5, 0};
  ::setsockopt(fd.get(), SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
  sockaddr_in a = proxy::loopback(port);
  if (::connect(fd.get(), reinterpret_cast<sockaddr*>(&a), sizeof a) != 0) return {};
  return fd;
}

// GET path from 127.0.0.1:port in `netns`: the body, "" when it fails.
std::string get_in(int netns, uint16_t port, const std::string& path) {
  UniqueFd c = client_in(netns, port);
  if (!c || !proxy::send_all(c.get(), "GET " + path + " HTTP/1.0\r\n\r\n")) return "";
  std::string reply = proxy::read_to_eof(c.get());
  size_t body = reply.find("\r\n\r\n");
  return reply.starts_with("HTTP/1.") && body != std::string::npos ? reply.substr(body + 4) : "";
}

class PortProxyNetnsTest : public LitTest {};

TEST_F(PortProxyNetnsTest, UpstreamsAreMadeInTheTargetNamespace) {
  UniqueFd other = make_netns();
  ASSERT_TRUE(other);
  proxy::TcpEcho tcp(other.get());
  proxy::UdpEcho udp(other.get());
  ASSERT_TRUE(tcp.listen_ && udp.sock_);
  // Their loopback is theirs: from here nothing answers on those ports.
  EXPECT_FALSE(proxy::client(SOCK_STREAM, tcp.port)) << "the echo server is reachable from here";

  std::vector<shim::ProxyListener> ls;
  ls.push_back(proxy::listener(Proto::Tcp, tcp.port));
  ls.push_back(proxy::listener(Proto::Udp, udp.port));
  const uint16_t tcp_port = proxy::port_of(ls[0].fd.get());
  const uint16_t udp_port = proxy::port_of(ls[1].fd.get());
  proxy::ProxyRunner runner(std::move(ls), dup_of(other));

  std::vector<UniqueFd> clients;
  for (int i = 0; i < 20; ++i) {
    clients.push_back(proxy::client(SOCK_STREAM, tcp_port));
    ASSERT_TRUE(clients.back());
    ASSERT_TRUE(proxy::send_all(clients.back().get(), "c" + std::to_string(i)));
  }
  for (int i = 0; i < 20; ++i) {
    ::shutdown(clients[i].get(), SHUT_WR);
    EXPECT_EQ(proxy::read_to_eof(clients[i].get()), "c" + std::to_string(i) + "<EOF>");
  }
  UniqueFd a = proxy::client(SOCK_DGRAM, udp_port), b = proxy::client(SOCK_DGRAM, udp_port);
  EXPECT_EQ(proxy::ask(a.get(), "a"), "echo:a");
  EXPECT_EQ(proxy::ask(b.get(), "b"), "echo:b");
  EXPECT_EQ(runner.udp(), 2u);
}

// lit publishing through the supervisor's proxy: the test's own namespace
// plays the session's (bridges, rules), a second one the host's.
class PublishedProxyTest : public LitTest {
 protected:
  void SetUp() override {
    LitTest::SetUp();
    if (IsSkipped() || HasFatalFailure()) return;
    load_test_image();
    host_ = make_netns();
    ASSERT_TRUE(host_);
    env_ = {std::string(runtime::kTestHostNetnsEnv) + "=/proc/" + std::to_string(::getpid()) +
            "/fd/" + std::to_string(host_.get())};
    ASSERT_EQ(lit({"network", "create", "front"}).exit_code, 0);
  }
  void TearDown() override {
    if (!IsSkipped()) {
      for (const auto& id : lit({"container", "ls", "-a", "-q"}).out_lines())
        lit({"container", "rm", "-f", id});
      lit({"network", "rm", "front"});
    }
    LitTest::TearDown();
  }

  Result web(const std::string& name, const std::string& publish) {
    RunOptions o;
    o.extra_env = env_;
    return run({"-d", "--name", name, "--network", "front", "-p", publish, kTestImage, "httpd",
                "-f", "-p", "80", "-h", "/etc"},
               o);
  }

  std::string short_id(const std::string& name) {
    Result r = lit({"container", "inspect", name});
    return nlohmann::json::parse(r.out).at(0).at("id").get<std::string>().substr(0, 12);
  }

  UniqueFd host_;
  std::vector<std::string> env_;
};

TEST_F(PublishedProxyTest, ADetachedContainersPortAnswersOnTheHostSideAndFollowsItsRuns) {
  Result r = web("web", "8080:80");
  ASSERT_EQ(r.exit_code, 0) << r;
  const std::string id = short_id("web") + "\n";
  EXPECT_TRUE(eventually([&] { return get_in(host_.get(), 8080, "/hostname") == id; }));
  EXPECT_EQ(lit({"container", "port", "web"}).out, "80/tcp -> 0.0.0.0:8080\n");

  // Stopped: the supervisor closed the port; started again: a new run's.
  ASSERT_EQ(lit({"container", "stop", "-t", "1", "web"}).exit_code, 0);
  EXPECT_FALSE(client_in(host_.get(), 8080)) << "the port still answers after stop";
  RunOptions o;
  o.extra_env = env_;
  ASSERT_EQ(lit({"container", "start", "web"}, o).exit_code, 0);
  EXPECT_TRUE(eventually([&] { return get_in(host_.get(), 8080, "/hostname") == id; }));
}

TEST_F(PublishedProxyTest, ARestartBySupervisorPublishesThePortAgain) {
  RunOptions o;
  o.extra_env = env_;
  Result r = run({"-d", "--name", "web", "--restart", "always", "--network", "front", "-p",
                  "8082:80", kTestImage, "httpd", "-f", "-p", "80", "-h", "/etc"},
                 o);
  ASSERT_EQ(r.exit_code, 0) << r;
  const std::string id = short_id("web") + "\n";
  ASSERT_TRUE(eventually([&] { return get_in(host_.get(), 8082, "/hostname") == id; }));
  auto pid_of = [&] {
    auto j = nlohmann::json::parse(lit({"container", "inspect", "web"}).out).at(0);
    return j["state"]["status"] == "running" ? j["state"]["pid"].get<pid_t>() : 0;
  };
  const pid_t first = pid_of();
  ASSERT_GT(first, 0);
  ::kill(first, SIGKILL);  // a crash: the same supervisor starts it again
  EXPECT_TRUE(eventually([&] {
    pid_t now = pid_of();
    return now > 0 && now != first;
  }));
  EXPECT_TRUE(eventually([&] { return get_in(host_.get(), 8082, "/hostname") == id; }))
      << "the restarted run's port does not answer";
}

TEST_F(PublishedProxyTest, ARandomHostPortAnswersWhereItIsReported) {
  ASSERT_EQ(web("web", "127.0.0.1::80").exit_code, 0);
  Result port = lit({"container", "port", "web", "80"});
  ASSERT_TRUE(port.out.starts_with("127.0.0.1:")) << port;
  const int host_port = std::stoi(port.out.substr(10));
  EXPECT_TRUE(eventually([&] {
    return get_in(host_.get(), static_cast<uint16_t>(host_port), "/hostname") ==
           short_id("web") + "\n";
  }));
}

TEST_F(PublishedProxyTest, AHostPortTakenFailsTheStartNamingIt) {
  UniqueFd taken = shim::socket_in_netns(host_.get(), AF_INET, SOCK_STREAM);
  sockaddr_in any{};
  any.sin_family = AF_INET;
  any.sin_port = htons(9090);
  ASSERT_EQ(::bind(taken.get(), reinterpret_cast<sockaddr*>(&any), sizeof any), 0);
  ASSERT_EQ(::listen(taken.get(), 1), 0);

  Result r = web("web", "9090:80");
  expect_lit_error(r, "9090");
  EXPECT_NE(r.err.find("in use"), std::string::npos) << r;
  Result ls = lit({"container", "ls", "-q"});
  EXPECT_EQ(ls.out, "") << "it runs anyway\n" << ls;
}

TEST_F(PublishedProxyTest, AForegroundRunsPortIsProxiedByLitItselfWhileItRuns) {
  RunOptions o;
  o.extra_env = env_;
  o.timeout = 60s;
  std::string seen;
  bool stopped = false;
  o.on_stdout = [&](pid_t lit_pid, const std::string& out) {
    if (stopped || out.find("ready") == std::string::npos) return;
    eventually([&] {
      seen = get_in(host_.get(), 8081, "/hostname");
      return !seen.empty();
    });
    ::kill(lit_pid, SIGTERM);  // passed on to the container, which ends the run
    stopped = true;
  };
  Result r = run({"--rm", "--name", "fg", "--hostname", "fg-host", "--network", "front", "-p",
                  "8081:80", kTestImage, "sh", "-c",
                  "trap 'exit 0' TERM; httpd -p 80 -h /etc && echo ready; sleep 100 & wait"},
                 o);
  EXPECT_TRUE(stopped) << r;
  EXPECT_EQ(seen, "fg-host\n") << r;
  EXPECT_EQ(r.exit_code, 0) << r;
  EXPECT_FALSE(client_in(host_.get(), 8081)) << "the port outlived the run";
}

}  // namespace
}  // namespace lit::test
