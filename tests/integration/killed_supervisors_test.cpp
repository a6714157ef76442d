// Supervisors (lit-shim) and lit's DNS server SIGKILLed while a project runs
// (issue 22): there is no daemon to notice, so what the user sees must still
// be true. A container dies with its supervisor (its init has the parent-death
// signal) and reads Exited (255), as docker shows a container whose shim was
// killed; the other containers' supervisors start the DNS server again from
// the records, so the living resolve each other within a second and the dead
// one's name is gone; `up` brings the dead back (as `docker compose up`
// does), and `down` leaves nothing.
#include <signal.h>

#include <chrono>
#include <cstdio>
#include <fstream>
#include <map>
#include <nlohmann/json.hpp>
#include <set>
#include <string>
#include <vector>

#include "tests/integration/dns_fixture.hpp"
#include "tests/integration/expect.hpp"
#include "tests/integration/project_fixture.hpp"

namespace lit::test {
namespace {

using Clock = std::chrono::steady_clock;

// init: true so that down's stop signal ends `sleep` at once.
constexpr const char* kThree = R"(name: shop
services:
  one:
    image: localhost/lit-test:latest
    command: ["sleep", "600"]
    init: true
  two:
    image: localhost/lit-test:latest
    command: ["sleep", "600"]
    init: true
  three:
    image: localhost/lit-test:latest
    command: ["sleep", "600"]
    init: true
)";

long long ms_since(Clock::time_point t) {
  return std::chrono::duration_cast<std::chrono::milliseconds>(Clock::now() - t).count();
}

class KilledSupervisorsTest : public ProjectFixture {
 protected:
  nlohmann::json state_of(const std::string& container) {
    Result r = lit({"container", "inspect", container});
    EXPECT_EQ(r.exit_code, 0) << r;
    return r.exit_code == 0 ? nlohmann::json::parse(r.out).at(0) : nlohmann::json::object();
  }
  pid_t shim_of(const std::string& container) {
    return state_of(container).at("state").value("shim_pid", 0);
  }
  pid_t init_of(const std::string& container) {
    return state_of(container).at("state").value("pid", 0);
  }

  // The DNS server on record (network/dns.pid), 0 when none.
  pid_t dns_server() {
    std::ifstream in(run_root_ / "network" / "dns.pid");
    pid_t pid = 0;
    in >> pid;
    return pid;
  }

  // lit's processes serving this test's run root: supervisors, DNS servers.
  std::vector<pid_t> lit_processes(const std::string& program) {
    std::vector<pid_t> out;
    for (const auto& e : fs::directory_iterator("/proc")) {
      std::ifstream in(e.path() / "cmdline");
      std::string cmd((std::istreambuf_iterator<char>(in)), {});
      const std::string argv0 = cmd.substr(0, cmd.find('\0'));
      const pid_t pid = std::atoi(e.path().filename().c_str());
      if (fs::path(argv0).filename() == program &&
          cmd.find(run_root_.string()) != std::string::npos && process_running(pid))
        out.push_back(pid);
    }
    return out;
  }

  // `name` resolves inside `container` (busybox nslookup: a refused query
  // fails at once, so a server that is down costs no timeout).
  bool resolves(const std::string& container, const std::string& name) {
    return project({"exec", container, "nslookup", name}).exit_code == 0;
  }

  // lit-dns answers `name` with an address, asked from the host on the
  // network's gateway (names on other networks or of dead containers are
  // not answered: they go to the host's resolvers, which this sandbox cannot
  // reach).
  bool served(const std::string& gateway, const std::string& name) {
    return !ask_udp(gateway.c_str(), name, kTypeA, {0, 300'000}).addresses.empty();
  }

  std::string gateway() {
    return state_of("shop-one-1").at("networks").at(0).at("gateway").get<std::string>();
  }

  void expect_exited_with_its_supervisor(const std::string& container) {
    auto s = state_of(container).at("state");
    EXPECT_EQ(s.value("status", ""), "exited") << s.dump(2);
    EXPECT_EQ(s.value("exit_code", 0), 255) << s.dump(2);
    EXPECT_NE(s.value("error", "").find("supervisor (lit-shim) died"), std::string::npos)
        << s.dump(2);
    auto ps = ps_all();
    ASSERT_TRUE(ps.contains(container));
    EXPECT_EQ(ps[container].value("State", ""), "exited") << ps[container].dump();
    EXPECT_TRUE(ps[container].value("Status", "").starts_with("Exited (255)"))
        << ps[container].dump();
  }

  void expect_nothing_left() {
    Result check = lit({"system", "check"});
    EXPECT_EQ(check.exit_code, 0) << check;
    EXPECT_TRUE(lit_processes("lit-shim").empty());
    EXPECT_TRUE(lit_processes("lit-dns").empty());
  }
};

// One supervisor and the DNS server die in the same instant: the two other
// supervisors start the server again, without the dead container's names.
TEST_F(KilledSupervisorsTest, ASupervisorKilledWithTheDnsServerLeavesTheOthersResolving) {
  write(kThree);
  Result up = project({"up", "-d", "--wait"});
  ASSERT_EQ(up.exit_code, 0) << up;
  ASSERT_TRUE(eventually([&] { return resolves("one", "two") && resolves("three", "two"); }));
  const std::string gw = gateway();
  ASSERT_TRUE(served(gw, "two")) << "the host's view of lit-dns";
  const pid_t shim = shim_of("shop-two-1"), init = init_of("shop-two-1"), dns = dns_server();
  ASSERT_GT(shim, 0);
  ASSERT_GT(dns, 0);

  ASSERT_EQ(kill(shim, SIGKILL), 0);
  ASSERT_EQ(kill(dns, SIGKILL), 0);
  const auto killed = Clock::now();
  EXPECT_TRUE(eventually([&] { return resolves("one", "three") && resolves("three", "one"); }, 1s))
      << "the living do not resolve each other within 1 s";
  const long long resolved_ms = ms_since(killed);
  EXPECT_TRUE(eventually([&] { return !process_running(init); }, 5s))
      << "two outlived its supervisor";
  EXPECT_TRUE(eventually([&] { return !served(gw, "two") && !served(gw, "shop-two-1"); }, 1s))
      << "the dead container's names are still served";
  std::printf("supervisor and DNS server killed: names resolved again %lld ms later\n",
              resolved_ms);

  expect_exited_with_its_supervisor("shop-two-1");
  auto states = this->states();
  EXPECT_EQ(states["shop-one-1"], "running");
  EXPECT_EQ(states["shop-three-1"], "running");
  // One server, the one on record, started by one of the two supervisors left.
  auto servers = lit_processes("lit-dns");
  ASSERT_EQ(servers.size(), 1u);
  EXPECT_EQ(servers[0], dns_server());
  EXPECT_NE(servers[0], dns);
  EXPECT_EQ(lit_processes("lit-shim").size(), 2u);

  // The user's way back, as with compose: up starts it again.
  up = project({"up", "-d", "--wait"});
  ASSERT_EQ(up.exit_code, 0) << up;
  EXPECT_EQ(this->states()["shop-two-1"], "running");
  EXPECT_TRUE(eventually([&] { return resolves("one", "two") && resolves("two", "three"); }, 1s));
  Result check = lit({"system", "check"});
  EXPECT_EQ(check.exit_code, 0) << "with the project up again\n" << check;

  Result down = project({"down", "-t", "1"});
  ASSERT_EQ(down.exit_code, 0) << down;
  expect_nothing_left();
}

// Every supervisor and the DNS server die at once: nobody is left to record
// anything, and nothing runs by itself. Each container's init dies with its
// supervisor, and with it its pid namespace; a container sharing the host's
// (pid: host) keeps its other processes, which its next start or rm removes.
TEST_F(KilledSupervisorsTest, EverySupervisorKilledWithTheDnsServerLeavesAllExitedUntilUp) {
  write(R"(name: shop
services:
  one:
    image: localhost/lit-test:latest
    command: ["sleep", "600"]
    init: true
    ports: ["18081:80"]
  two:
    image: localhost/lit-test:latest
    command: ["sleep", "600"]
    init: true
    restart: always
  three:
    image: localhost/lit-test:latest
    command: ["sh", "-c", "sleep 7391 & wait"]
    pid: host
)");
  Result up = project({"up", "-d", "--wait"});
  ASSERT_EQ(up.exit_code, 0) << up;
  ASSERT_TRUE(eventually([&] { return resolves("one", "three") && resolves("three", "two"); }));
  const std::vector<std::string> names = {"shop-one-1", "shop-two-1", "shop-three-1"};
  std::map<std::string, pid_t> inits;
  for (const auto& n : names) inits[n] = init_of(n);
  // three's sleep, a process of the host's pid namespace (in its cgroup of
  // each controller on cgroup v1).
  std::set<pid_t> sleep;
  for (const auto& dir : new_lit_cgroups()) {
    for (pid_t pid : cgroup_pids(dir)) {
      std::ifstream in("/proc/" + std::to_string(pid) + "/cmdline");
      std::string cmd((std::istreambuf_iterator<char>(in)), {});
      if (cmd.starts_with("sleep") && cmd.find("7391") != std::string::npos) sleep.insert(pid);
    }
  }
  ASSERT_EQ(sleep.size(), 1u) << "three's sleep";
  const pid_t left_over = *sleep.begin();

  std::vector<pid_t> doomed = lit_processes("lit-shim");
  ASSERT_EQ(doomed.size(), 3u);
  doomed.push_back(dns_server());
  for (pid_t pid : doomed) ASSERT_EQ(kill(pid, SIGKILL), 0);
  for (const auto& n : names)
    EXPECT_TRUE(eventually([&] { return !process_running(inits[n]); }, 5s))
        << n << " outlived its supervisor";
  for (const auto& n : names) expect_exited_with_its_supervisor(n);
  // Nobody starts a DNS server for containers that do not run; two's restart
  // policy has no supervisor to act on it (`up` does, below).
  EXPECT_TRUE(lit_processes("lit-shim").empty());
  EXPECT_TRUE(lit_processes("lit-dns").empty());
  EXPECT_TRUE(process_running(left_over))
      << "three shares the host's pid namespace: its sleep stays";

  up = project({"up", "-d", "--wait"});
  ASSERT_EQ(up.exit_code, 0) << up;
  const auto restarted = Clock::now();
  for (const auto& [name, state] : this->states()) EXPECT_EQ(state, "running") << name;
  EXPECT_TRUE(eventually(
      [&] {
        return resolves("one", "two") && resolves("two", "three") && resolves("three", "one");
      },
      1s))
      << "names do not resolve within 1 s of up";
  std::printf("every supervisor and the DNS server killed: names resolved %lld ms after up\n",
              ms_since(restarted));
  EXPECT_FALSE(process_running(left_over)) << "three's new run inherited its last run's sleep";
  EXPECT_EQ(lit_processes("lit-dns").size(), 1u);
  Result check = lit({"system", "check"});
  EXPECT_EQ(check.exit_code, 0) << "with the project up again\n" << check;

  Result down = project({"down", "-t", "1"});
  ASSERT_EQ(down.exit_code, 0) << down;
  expect_nothing_left();
}

}  // namespace
}  // namespace lit::test
