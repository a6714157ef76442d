// Containers on lit networks, end to end through the real CLI, in the test's
// own network namespace: names over lit's DNS, isolation between networks,
// published TCP and UDP ports (127.0.0.1, a host address, hairpin, random
// ports, conflicts), forwarding to the host's resolver, NAT to an "outside"
// namespace the test makes, connect/disconnect, and nothing left afterwards.
#include <signal.h>
#include <sys/mount.h>
#include <sys/wait.h>

#include <chrono>
#include <cstdio>
#include <cstring>
#include <fstream>
#include <functional>
#include <nlohmann/json.hpp>
#include <optional>
#include <thread>

#include "network/firewall.hpp"
#include "network/links.hpp"
#include "runtime/util/fs.hpp"
#include "tests/integration/dns_fixture.hpp"
#include "tests/integration/expect.hpp"
#include "tests/integration/outside_host.hpp"
#include "tests/integration/sandbox.hpp"

namespace lit::test {
namespace {

constexpr const char* kHostAddress = "192.0.2.1";  // a link of the sandbox: "the host's address"
constexpr const char* kUpstream = "127.0.0.20";    // the fake resolver the host's resolv.conf names

Result sh(const std::string& command) { return run_process({"sh", "-c", command}); }

class ContainerNetworkTest : public LitTest {
 protected:
  void SetUp() override {
    LitTest::SetUp();
    if (IsSkipped() || HasFatalFailure()) return;
    load_test_image();
    // The sandbox host gets an address of its own, and a resolv.conf naming
    // the test's fake upstream (bind-mounted in the test's mount namespace).
    // (A veth pair: this kernel may lack the dummy link type.)
    ASSERT_EQ(
        sh(std::string("ip link add tst-host type veth peer name tst-peer && ip addr add ") +
           kHostAddress + "/24 dev tst-host && ip link set tst-host up && ip link set tst-peer up")
            .exit_code,
        0);
    fs::path resolv = base_ / "resolv.conf";
    // (No search domain: busybox's nslookup would then ask only NAME.DOMAIN.)
    std::ofstream(resolv) << "nameserver " << kUpstream << "\noptions timeout:2\n";
    ASSERT_EQ(mount(resolv.c_str(), "/etc/resolv.conf", nullptr, MS_BIND, nullptr), 0)
        << strerror(errno);
    ASSERT_EQ(sh(std::string("ip addr add ") + kUpstream + "/8 dev lo").exit_code, 0);
    upstream_.emplace(kUpstream);  // the host's resolver
  }

  void TearDown() override {
    if (!IsSkipped()) {
      // What a user would run; the leak check then judges what is left.
      Result ids = lit({"container", "ls", "-a", "-q"});
      for (const auto& id : ids.out_lines()) lit({"container", "rm", "-f", id});
      for (const auto& n : lit({"network", "ls", "-q"}).out_lines()) lit({"network", "rm", n});
      EXPECT_FALSE(dns_server_running()) << "lit-dns still runs after the last network went";
      // The sandbox is per process; undo the set-up for runs of several tests in one.
      sh(std::string("ip link del tst-host; ip link del tst-out0; ip addr del ") + kUpstream +
         "/8 dev lo");
      umount2("/etc/resolv.conf", MNT_DETACH);
    }
    LitTest::TearDown();
  }

  void network(const std::vector<std::string>& args) {
    std::vector<std::string> full{"network", "create"};
    full.insert(full.end(), args.begin(), args.end());
    Result r = lit(full);
    ASSERT_EQ(r.exit_code, 0) << r;
  }

  // A detached busybox httpd serving /etc (so /hostname names the container).
  void web(const std::string& name, const std::vector<std::string>& flags) {
    std::vector<std::string> args{"-d", "--name", name};
    args.insert(args.end(), flags.begin(), flags.end());
    args.insert(args.end(), {kTestImage, "httpd", "-f", "-p", "80", "-h", "/etc"});
    Result r = run(args);
    ASSERT_EQ(r.exit_code, 0) << r;
  }

  void sleeper(const std::string& name, const std::vector<std::string>& flags) {
    std::vector<std::string> args{"-d", "--name", name};
    args.insert(args.end(), flags.begin(), flags.end());
    args.insert(args.end(), {kTestImage, "sleep", "600"});
    Result r = run(args);
    ASSERT_EQ(r.exit_code, 0) << r;
  }

  Result exec(const std::string& container, const std::string& command) {
    return lit({"container", "exec", container, "sh", "-c", command});
  }

  // GET url from inside a container: the body, or "" when it fails.
  std::string fetch_in(const std::string& container, const std::string& url) {
    Result r = exec(container, "timeout 3 wget -q -O - " + url);
    return r.exit_code == 0 ? r.out : "";
  }

  std::string short_id(const std::string& name) {
    Result r = lit({"container", "inspect", name});
    return nlohmann::json::parse(r.out).at(0).at("id").get<std::string>().substr(0, 12);
  }

  std::string address_of(const std::string& name) {
    Result r = lit({"container", "inspect", name});
    return nlohmann::json::parse(r.out).at(0).at("networks").at(0).at("ip");
  }

  // lit's nftables table as JSON, "" when absent.
  std::string lit_table() {
    auto t = network::Firewall(base_ / "test-firewall.lock").table();
    return t ? t->dump() : "";
  }

  bool dns_server_running() {
    for (const auto& e : fs::directory_iterator("/proc")) {
      std::ifstream in(e.path() / "cmdline");
      std::string cmd((std::istreambuf_iterator<char>(in)), {});
      if (cmd.find("lit-dns") != std::string::npos && cmd.find(base_.string()) != std::string::npos)
        return true;
    }
    return false;
  }

  OutsideHost outside_;
  std::optional<FakeUpstream> upstream_;
};

TEST_F(ContainerNetworkTest, ContainersReachEachOtherByNameOverHttp) {
  network({"front"});
  web("web", {"--network", "front", "--network-alias", "www"});
  sleeper("client", {"--network", "front"});
  const std::string web_id = short_id("web");

  EXPECT_TRUE(
      eventually([&] { return fetch_in("client", "http://web/hostname") == web_id + "\n"; }));
  // Aliases, the NAME.NETWORK form, and the short id resolve too.
  EXPECT_EQ(fetch_in("client", "http://www/hostname"), web_id + "\n");
  EXPECT_EQ(fetch_in("client", "http://web.front/hostname"), web_id + "\n");
  EXPECT_EQ(fetch_in("client", "http://" + web_id + "/hostname"), web_id + "\n");

  // The container's files: lit's DNS on the gateway, its own address for its name.
  Result resolv = exec("client", "cat /etc/resolv.conf");
  EXPECT_TRUE(resolv.out.starts_with("nameserver 10.90.0.1\n")) << resolv;
  EXPECT_NE(resolv.out.find("options timeout:2"), std::string::npos)
      << resolv;  // the host's options stay
  Result hosts = exec("client", "cat /etc/hosts");
  EXPECT_TRUE(contains_line_with(hosts.out, {address_of("client"), short_id("client")})) << hosts;
  // eth0 with the address, the default route via the gateway.
  Result ip = exec("client", "ip -4 -o addr show eth0; ip route");
  EXPECT_NE(ip.out.find(address_of("client") + "/24"), std::string::npos) << ip;
  EXPECT_NE(ip.out.find("default via 10.90.0.1 dev eth0"), std::string::npos) << ip;

  // network inspect lists both containers with their addresses.
  auto net = nlohmann::json::parse(lit({"network", "inspect", "front"}).out).at(0);
  EXPECT_EQ(net.at("containers").size(), 2u) << net.dump();
}

TEST_F(ContainerNetworkTest, NetworksAreIsolatedFromEachOther) {
  network({"a"});
  network({"b"});
  web("web", {"--network", "a"});
  sleeper("near", {"--network", "a"});
  sleeper("far", {"--network", "b"});
  const std::string ip = address_of("web");
  ASSERT_TRUE(eventually([&] { return !fetch_in("near", "http://web/hostname").empty(); }));

  EXPECT_EQ(fetch_in("far", "http://" + ip + "/hostname"), "")
      << "reached another network's container";
  Result lookup = exec("far", "nslookup web");
  EXPECT_NE(lookup.exit_code, 0) << "resolved another network's name\n" << lookup;
}

TEST_F(ContainerNetworkTest, PublishedTcpPortAnswersOnLoopbackTheHostAddressAndHairpin) {
  network({"front"});
  web("web", {"--network", "front", "-p", "8080:80"});
  sleeper("peer", {"--network", "front"});
  const std::string id = short_id("web") + "\n";

  EXPECT_TRUE(eventually([&] { return fetch("http://127.0.0.1:8080/hostname") == id; }));
  EXPECT_EQ(fetch(std::string("http://") + kHostAddress + ":8080/hostname"), id);
  // Hairpin: through the host's published port back into the same network,
  // from a peer and from the container itself.
  EXPECT_EQ(fetch_in("peer", std::string("http://") + kHostAddress + ":8080/hostname"), id);
  EXPECT_EQ(fetch_in("web", std::string("http://") + kHostAddress + ":8080/hostname"), id);

  Result port = lit({"container", "port", "web"});
  EXPECT_EQ(port.out, "80/tcp -> 0.0.0.0:8080\n") << port;
  EXPECT_TRUE(contains_line_with(lit({"container", "ls"}).out, {"0.0.0.0:8080->80/tcp", "web"}));

  // Stopped: the port is gone; started again: it is back.
  ASSERT_EQ(lit({"container", "stop", "-t", "1", "web"}).exit_code, 0);
  EXPECT_EQ(fetch("http://127.0.0.1:8080/hostname"), "");
  EXPECT_EQ(lit({"container", "port", "web"}).out, "");
  ASSERT_EQ(lit({"container", "start", "web"}).exit_code, 0);
  EXPECT_TRUE(eventually([&] { return fetch("http://127.0.0.1:8080/hostname") == id; }))
      << "the address keeps its MAC, so the host's ARP entry stays right\n"
      << lit({"container", "ls", "-a"});
}

TEST_F(ContainerNetworkTest, RandomHostPortIsChosenAndReported) {
  network({"front"});
  web("web", {"--network", "front", "-p", "127.0.0.1::80"});
  Result port = lit({"container", "port", "web", "80"});
  ASSERT_EQ(port.exit_code, 0) << port;
  ASSERT_TRUE(port.out.starts_with("127.0.0.1:")) << port;
  int host_port = std::stoi(port.out.substr(10));
  EXPECT_GT(host_port, 0);
  EXPECT_NE(host_port, 80);
  EXPECT_TRUE(eventually([&] {
    return fetch("http://127.0.0.1:" + std::to_string(host_port) + "/hostname") ==
           short_id("web") + "\n";
  }));
  // Bound to 127.0.0.1 only: not on the host's other address.
  EXPECT_EQ(
      fetch(std::string("http://") + kHostAddress + ":" + std::to_string(host_port) + "/hostname"),
      "");
}

TEST_F(ContainerNetworkTest, PublishedUdpPortAnswers) {
  // A UDP service in a container: lit's own static DNS server, bind-mounted in,
  // answering one name on the container's address.
  network({"front"});
  fs::path dir = base_ / "udp";
  fs::create_directories(dir);
  std::ofstream(dir / "config") << "listen 10.90.0.7\nname 10.90.0.7 hello.test 10.1.2.3\n";
  fs::path dns_binary = fs::path(LIT_BINARY).parent_path() / "lit-dns";
  Result r = run({"-d", "--name", "udp", "--network", "front", "--ip", "10.90.0.7", "-p",
                  "5353:5300/udp", "-v", dns_binary.string() + ":/udp-server:ro", "-v",
                  dir.string() + ":/cfg:ro", kTestImage, "/udp-server", "/cfg/config", "5300"});
  ASSERT_EQ(r.exit_code, 0) << r;
  EXPECT_EQ(lit({"container", "port", "udp"}).out, "5300/udp -> 0.0.0.0:5353\n");
  Reply reply;
  EXPECT_TRUE(eventually([&] {
    reply = ask_udp("127.0.0.1", "hello.test", kTypeA, {0, 200000}, 5353);
    return reply.rcode == 0;
  }));
  EXPECT_EQ(reply.addresses, std::vector<std::string>{"10.1.2.3"});
  reply = ask_udp(kHostAddress, "hello.test", kTypeA, {1, 0}, 5353);
  EXPECT_EQ(reply.addresses, std::vector<std::string>{"10.1.2.3"});
}

TEST_F(ContainerNetworkTest, PortConflictIsRefusedAndNothingChanges) {
  network({"front"});
  web("web", {"--network", "front", "-p", "8080:80"});
  const auto ids = container_ids();
  const std::string net_before = lit({"network", "inspect", "front"}).out;
  const std::string rules_before = lit_table();

  expect_lit_error(
      run({"-d", "--name", "second", "--network", "front", "-p", "8080:80", kTestImage, "true"}),
      "8080");
  // A port a host process holds is refused too.
  int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  sockaddr_in a = addr("0.0.0.0", 9090);
  int one = 1;
  setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
  ASSERT_EQ(bind(fd, reinterpret_cast<sockaddr*>(&a), sizeof a), 0);
  ASSERT_EQ(listen(fd, 1), 0);
  expect_lit_error(run({"--rm", "--network", "front", "-p", "9090:80", kTestImage, "true"}),
                   "9090");
  close(fd);

  EXPECT_EQ(container_ids(), ids);
  EXPECT_EQ(lit({"network", "inspect", "front"}).out, net_before);
  EXPECT_EQ(lit_table(), rules_before);
  EXPECT_EQ(fetch("http://127.0.0.1:8080/hostname"), short_id("web") + "\n");
}

TEST_F(ContainerNetworkTest, OtherNamesAreForwardedToTheHostsResolver) {
  network({"front"});
  sleeper("client", {"--network", "front"});
  Result r = exec("client", "nslookup example.test");
  EXPECT_EQ(r.exit_code, 0) << r;
  EXPECT_NE(r.out.find("192.0.2.7"), std::string::npos) << r;
  r = exec("client", "nslookup no-such-name.test");
  EXPECT_NE(r.exit_code, 0) << r;
  EXPECT_GT(upstream_->queries(), 0);
}

TEST_F(ContainerNetworkTest, NamesAppearAndDisappearAsContainersStartAndStop) {
  network({"front"});
  sleeper("client", {"--network", "front"});
  auto resolves = [&] { return exec("client", "nslookup web").exit_code == 0; };
  EXPECT_FALSE(resolves());
  sleeper("web", {"--network", "front"});
  EXPECT_TRUE(resolves()) << "a container that just started is not resolvable at once";
  ASSERT_EQ(lit({"container", "stop", "-t", "1", "web"}).exit_code, 0);
  EXPECT_FALSE(resolves()) << "a stopped container still resolves";
  ASSERT_EQ(lit({"container", "start", "web"}).exit_code, 0);
  EXPECT_TRUE(resolves());
  ASSERT_EQ(lit({"container", "rm", "-f", "web"}).exit_code, 0);
  EXPECT_FALSE(resolves()) << "a removed container still resolves";
}

// A network record as lits before endpoint files wrote it (every endpoint in
// it, "containers"), with containers running: they keep their addresses and
// names, and the next change moves the endpoints to their files.
TEST_F(ContainerNetworkTest, ANetworkRecordOfAnEarlierLitKeepsWorking) {
  network({"front"});
  sleeper("client", {"--network", "front"});
  sleeper("web", {"--network", "front", "--network-alias", "www"});
  const fs::path networks = root_ / "networks";
  auto record = nlohmann::json::parse(read_file(networks / "front.json"));
  ASSERT_FALSE(record.contains("containers"));
  record["containers"] =
      nlohmann::json::parse(lit({"network", "inspect", "front"}).out).at(0).at("containers");
  ASSERT_EQ(record["containers"].size(), 2u) << record.dump();
  write_file_atomic(networks / "front.json", record.dump(2));
  fs::remove_all(networks / "front.endpoints");

  EXPECT_EQ(
      nlohmann::json::parse(lit({"network", "inspect", "front"}).out).at(0).at("containers").size(),
      2u);
  sleeper("api", {"--network", "front"});  // the first change
  const std::string web = address_of("web"), client = address_of("client");
  const std::string api = address_of("api");
  EXPECT_NE(api, web);
  EXPECT_NE(api, client);
  EXPECT_FALSE(nlohmann::json::parse(read_file(networks / "front.json")).contains("containers"));
  EXPECT_TRUE(fs::exists(networks / "front.endpoints" / (web + ".json")));
  EXPECT_TRUE(eventually([&] { return exec("api", "nslookup www").exit_code == 0; }))
      << "an alias moved from the record does not resolve";
  EXPECT_EQ(exec("client", "nslookup api").exit_code, 0);
  ASSERT_EQ(lit({"container", "rm", "-f", "web"}).exit_code, 0);
  EXPECT_FALSE(fs::exists(networks / "front.endpoints" / (web + ".json"))) << "address kept";
  EXPECT_NE(exec("client", "nslookup www").exit_code, 0);
}

TEST_F(ContainerNetworkTest, RenameChangesTheNameInListsAndInDns) {
  network({"front"});
  sleeper("client", {"--network", "front"});
  sleeper("web", {"--network", "front"});
  ASSERT_EQ(exec("client", "nslookup web").exit_code, 0);
  Result r = lit({"container", "rename", "web", "api"});
  ASSERT_EQ(r.exit_code, 0) << r;
  EXPECT_EQ(r.out, "");
  EXPECT_EQ(exec("client", "nslookup api").exit_code, 0) << "the new name does not resolve";
  EXPECT_NE(exec("client", "nslookup web").exit_code, 0) << "the old name still resolves";
  EXPECT_EQ(lit({"container", "ls", "--format", "{{.Names}}", "--filter", "name=api"}).out,
            "api\n");
  // Still the same container, and it keeps the new name across a restart.
  ASSERT_EQ(lit({"container", "restart", "-t", "1", "api"}).exit_code, 0);
  EXPECT_TRUE(eventually([&] { return exec("client", "nslookup api").exit_code == 0; }));

  Result events = lit({"system", "events", "--since", "10m", "--until", "0s", "--filter",
                       "event=rename", "--format", "json"});
  EXPECT_EQ(events.out_lines().size(), 1u) << events;
  EXPECT_NE(events.out.find(R"("oldName":"/web")"), std::string::npos) << events;

  expect_lit_error(lit({"container", "rename", "api", "client"}),
                   "the container name \"/client\" is already in use by container");
  expect_lit_error(lit({"container", "rename", "api", "no/slash"}), "invalid container name");
  expect_lit_error(lit({"container", "rename", "gone", "x"}), "no such container: gone");
  EXPECT_EQ(exec("client", "nslookup api").exit_code, 0) << "a refused rename changed the name";
}

TEST_F(ContainerNetworkTest, EgressIsNattedExceptOnInternalNetworks) {
  outside_.start("tst-out", OutsideHost::Route::kOutsideReturnsHere);
  if (HasFatalFailure()) return;
  network({"open"});
  network({"--internal", "closed"});
  sleeper("out", {"--network", "open"});
  sleeper("in", {"--network", "closed"});
  EXPECT_EQ(fetch_in("out", "http://203.0.113.2/"), "outside-says-hi\n");
  EXPECT_EQ(fetch_in("in", "http://203.0.113.2/"), "") << "an internal network reached outside";
  // lit's bridge carries 64 kB frames; the outside link only 1500 bytes: a
  // download larger than any window still arrives whole.
  EXPECT_EQ(exec("out", "ip -o link show eth0").out.find("mtu 65535") != std::string::npos, true)
      << exec("out", "ip -o link show eth0");
  EXPECT_EQ(exec("out", "timeout 5 wget -q -O - http://203.0.113.2/big | wc -c").out, "300000\n");
}

TEST_F(ContainerNetworkTest, MtuIsTheVethMaximumUnlessTheNetworkSetsOne) {
  network({"big"});
  network({"-o", "mtu=1400", "small"});
  sleeper("on-big", {"--network", "big"});
  sleeper("on-small", {"--network", "small"});
  auto mtu_of = [&](const std::string& c) { return exec(c, "cat /sys/class/net/eth0/mtu").out; };
  EXPECT_EQ(mtu_of("on-big"), "65535\n");
  EXPECT_EQ(mtu_of("on-small"), "1400\n");
  auto inspect = nlohmann::json::parse(lit({"network", "inspect", "small"}).out);
  const auto& net = inspect.is_array() ? inspect.at(0) : inspect;
  EXPECT_EQ(net.at("mtu"), 1400) << net;
  Result bridge = sh("ip -o link show " + net.at("bridge").get<std::string>());
  EXPECT_NE(bridge.out.find(" mtu 1400 "), std::string::npos) << bridge;

  // Bad options: one line naming the option, no network made.
  expect_lit_error(lit({"network", "create", "-o", "mtu=12", "tiny"}), "mtu");
  expect_lit_error(lit({"network", "create", "-o", "vlan=3", "tagged"}), "vlan");
  EXPECT_EQ(lit({"network", "inspect", "tiny"}).exit_code, 125);
  EXPECT_EQ(lit({"network", "inspect", "tagged"}).exit_code, 125);
}

TEST_F(ContainerNetworkTest, ConnectAndDisconnectARunningContainer) {
  network({"a"});
  network({"b"});
  web("web", {"--network", "b"});
  sleeper("client", {"--network", "a"});
  const std::string web_ip = address_of("web");
  EXPECT_EQ(fetch_in("client", "http://" + web_ip + "/hostname"), "");

  Result r = lit({"network", "connect", "b", "client"});
  ASSERT_EQ(r.exit_code, 0) << r;
  EXPECT_EQ(exec("client", "ip -o link show eth1").exit_code, 0);
  EXPECT_TRUE(eventually([&] {
    return fetch_in("client", "http://" + web_ip + "/hostname") == short_id("web") + "\n";
  }));
  // Its resolver (on network a's gateway) now answers network b's names too.
  EXPECT_EQ(fetch_in("client", "http://web/hostname"), short_id("web") + "\n");
  expect_lit_error(lit({"network", "rm", "b"}), "in use");

  r = lit({"network", "disconnect", "b", "client"});
  ASSERT_EQ(r.exit_code, 0) << r;
  EXPECT_NE(exec("client", "ip -o link show eth1").exit_code, 0);
  EXPECT_EQ(fetch_in("client", "http://" + web_ip + "/hostname"), "");
  EXPECT_NE(exec("client", "nslookup web").exit_code, 0);
  expect_lit_error(lit({"network", "disconnect", "a", "client"}), "primary");
}

TEST_F(ContainerNetworkTest, AContainerKilledWithItsSupervisorFreesItsPortAndName) {
  network({"front"});
  web("web", {"--network", "front", "-p", "8080:80"});
  ASSERT_TRUE(eventually([&] { return !fetch("http://127.0.0.1:8080/hostname").empty(); }));
  auto state = nlohmann::json::parse(lit({"container", "inspect", "web"}).out).at(0).at("state");
  pid_t shim = state.at("shim_pid"), init = state.at("pid");
  ASSERT_GT(shim, 0);
  ASSERT_EQ(kill(shim, SIGKILL), 0);  // nobody is left to record the exit
  ASSERT_TRUE(eventually([&] { return kill(init, 0) != 0; }));

  web("web2", {"--network", "front", "-p", "8080:80"});
  const std::string id2 = short_id("web2") + "\n";
  EXPECT_TRUE(eventually([&] { return fetch("http://127.0.0.1:8080/hostname") == id2; }));
  EXPECT_NE(exec("web2", "nslookup web").exit_code, 0) << "a dead container's name is still served";
  EXPECT_EQ(exec("web2", "nslookup web2").exit_code, 0);
}

// No daemon restarts lit's DNS server: the supervisors of the containers on
// lit networks do, the first to see it exit (runtime/shim/dns_keeper.hpp).
TEST_F(ContainerNetworkTest, ADnsServerKilledIsStartedAgainByTheSupervisors) {
  network({"front"});
  sleeper("client", {"--network", "front"});
  sleeper("web", {"--network", "front"});
  ASSERT_EQ(exec("client", "nslookup web").exit_code, 0);
  auto server = [&] {
    std::ifstream in(run_root_ / "network" / "dns.pid");
    pid_t pid = 0;
    in >> pid;
    return pid;
  };
  const pid_t first = server();
  ASSERT_GT(first, 0);
  ASSERT_EQ(kill(first, SIGKILL), 0);
  const auto killed = std::chrono::steady_clock::now();
  auto since = [&] {
    return static_cast<long long>(std::chrono::duration_cast<std::chrono::milliseconds>(
                                      std::chrono::steady_clock::now() - killed)
                                      .count());
  };
  EXPECT_TRUE(eventually([&] { return server() != first && kill(server(), 0) == 0; }))
      << "a new server runs";
  const long long restarted = since();
  EXPECT_TRUE(eventually([&] { return exec("client", "nslookup web").exit_code == 0; }))
      << "names resolve again";
  const pid_t second = server();
  EXPECT_NE(second, first);
  EXPECT_EQ(kill(second, 0), 0) << "the pid file names the new server";
  std::printf("DNS server killed: another ran %lld ms later, names resolved %lld ms later\n",
              restarted, since());
  // One server, not one per supervisor; and it stops with the last network.
  int servers = 0;
  for (const auto& e : fs::directory_iterator("/proc")) {
    std::ifstream in(e.path() / "cmdline");
    std::string cmd((std::istreambuf_iterator<char>(in)), {});
    if (cmd.find("lit-dns") != std::string::npos &&
        cmd.find(run_root_.string()) != std::string::npos)
      ++servers;
  }
  EXPECT_EQ(servers, 1);
  ASSERT_EQ(lit({"container", "rm", "-f", "client", "web"}).exit_code, 0);
  ASSERT_EQ(lit({"network", "rm", "front"}).exit_code, 0);
  EXPECT_TRUE(eventually([&] { return kill(second, 0) != 0; })) << "it stops with the last network";
}

// The record comes before the addresses: a lit killed in between leaves a
// record without them, which cannot start, says so, and is removed by rm.
TEST_F(ContainerNetworkTest, AContainerCreatedHalfWayCannotStartAndRmRemovesIt) {
  network({"front"});
  Result c = lit(
      {"container", "create", "--name", "half", "--network", "front", kTestImage, "sleep", "600"});
  ASSERT_EQ(c.exit_code, 0) << c;
  const std::string id = c.out_lines().at(0);
  const fs::path file = root_ / "containers" / id / "container.json";
  nlohmann::json rec = nlohmann::json::parse(std::ifstream(file));
  bool cut = false;
  std::function<void(nlohmann::json&)> cut_short = [&](nlohmann::json& j) {
    if (j.is_object()) {
      if (j.contains("network_id")) {
        j["network_id"] = "";
        cut = true;
      }
      for (auto& [k, v] : j.items()) cut_short(v);
    } else if (j.is_array()) {
      for (auto& v : j) cut_short(v);
    }
  };
  cut_short(rec);
  ASSERT_TRUE(cut);
  std::ofstream(file) << rec.dump();
  Result start = lit({"container", "start", "half"});
  EXPECT_NE(start.exit_code, 0);
  EXPECT_NE(start.err.find("was not created completely"), std::string::npos) << start;
  EXPECT_NE(start.err.find("lit container rm half"), std::string::npos) << start;
  EXPECT_EQ(lit({"container", "rm", "half"}).exit_code, 0);
  EXPECT_EQ(lit({"network", "rm", "front"}).exit_code, 0) << "its address went with it";
}

TEST_F(ContainerNetworkTest, StartRemakesTheBridgeAndRulesLostWithAReboot) {
  network({"front"});
  web("web", {"--network", "front", "-p", "8080:80"});
  ASSERT_EQ(lit({"container", "stop", "-t", "1", "web"}).exit_code, 0);
  // What a reboot takes: the bridge and lit's nftables table (the records stay).
  auto net = nlohmann::json::parse(lit({"network", "inspect", "front"}).out).at(0);
  network::delete_link(net.at("bridge"));
  network::Firewall(base_ / "test-firewall.lock").delete_table();

  ASSERT_EQ(lit({"container", "start", "web"}).exit_code, 0);
  EXPECT_TRUE(eventually(
      [&] { return fetch("http://127.0.0.1:8080/hostname") == short_id("web") + "\n"; }));
  sleeper("client", {"--network", "front"});
  EXPECT_EQ(fetch_in("client", "http://web/hostname"), short_id("web") + "\n");
}

// A `network create` (or the `up` making it) killed right after it made the
// bridge leaves the bridge down, without its address or rules: a start does
// not take that bridge for a finished one (found by kill-points.sh).
TEST_F(ContainerNetworkTest, StartFinishesANetworkWhoseCreateWasCutShort) {
  network({"front"});
  auto net = nlohmann::json::parse(lit({"network", "inspect", "front"}).out).at(0);
  const std::string bridge = net.at("bridge");
  network::delete_link(bridge);
  network::Firewall(base_ / "test-firewall.lock").delete_table();
  Result made = sh("ip link add " + bridge + " type bridge");
  ASSERT_EQ(made.exit_code, 0) << made;

  web("web", {"--network", "front"});
  sleeper("client", {"--network", "front"});
  EXPECT_EQ(fetch_in("client", "http://web/hostname"), short_id("web") + "\n");
  EXPECT_TRUE(network::link_up(bridge));
}

TEST_F(ContainerNetworkTest, BadNetworkFlagsAreRefusedBeforeAnythingIsMade) {
  network({"front"});
  expect_lit_error(run({"--network", "nope", kTestImage, "true"}), "nope");
  expect_lit_error(run({"-p", "80", kTestImage, "true"}), "-p");
  expect_lit_error(run({"--network", "front", "-p", "99999:80", kTestImage, "true"}), "99999");
  expect_lit_error(run({"--network", "front", "--ip", "10.99.0.5", kTestImage, "true"}),
                   "10.99.0.5");
  web("web", {"--network", "front", "--ip", "10.90.0.50"});
  expect_lit_error(run({"--network", "front", "--ip", "10.90.0.50", kTestImage, "true"}),
                   "10.90.0.50");
  EXPECT_EQ(container_ids().size(), 1u);
}

TEST_F(ContainerNetworkTest, NothingIsLeftAfterEverythingIsRemoved) {
  network({"front"});
  web("web", {"--network", "front", "-p", "8080:80"});
  Result fg = run(
      {"--rm", "--network", "front", kTestImage, "sh", "-c", "nslookup web >/dev/null && echo ok"});
  EXPECT_EQ(fg.out, "ok\n") << fg;
  ASSERT_TRUE(dns_server_running());
  ASSERT_EQ(lit({"container", "rm", "-f", "web"}).exit_code, 0);
  ASSERT_EQ(lit({"network", "rm", "front"}).exit_code, 0);

  EXPECT_EQ(sh("ip -o link | grep -c ' lit'").out, "0\n");
  EXPECT_EQ(sh("ip -4 -o addr | grep -c '10\\.90\\.'").out, "0\n");
  EXPECT_EQ(sh("ip route | grep -c '10\\.90\\.'").out, "0\n");
  EXPECT_EQ(lit_table(), "") << "lit's table is still there";
  EXPECT_TRUE(eventually([&] { return !dns_server_running(); }));
  EXPECT_TRUE(fs::is_empty(root_ / "networks") || !fs::exists(root_ / "networks" / "front.json"));
}

}  // namespace
}  // namespace lit::test
