// Two `lit up` at once: of the same project (the project's lock makes the
// second converge on what the first made), and of two projects that share the
// images and name one network (the second uses the network the first made).
// Both end consistent, neither fails half-way, and `down` leaves nothing.
#include <fstream>
#include <nlohmann/json.hpp>
#include <string>
#include <thread>
#include <vector>

#include "tests/integration/sandbox.hpp"

namespace lit::test {
namespace {

constexpr const char* kCompose = R"(services:
  web:
    image: localhost/lit-test:latest
    command: ["sh", "-c", "mkdir -p /srv && echo $$HOSTNAME >/srv/index.html && exec httpd -f -p 80 -h /srv"]
    networks: [front]
    stop_grace_period: 1s
  client:
    image: localhost/lit-test:latest
    command: ["sleep", "600"]
    networks: [front]
    volumes: [data:/data]
    stop_grace_period: 1s
networks:
  front:
    name: sharednet
volumes:
  data: {}
)";

class ProjectConcurrencyTest : public LitTest {
 protected:
  void SetUp() override {
    LitTest::SetUp();
    if (IsSkipped() || HasFatalFailure()) return;
    load_test_image();
    for (const char* p : {"alpha", "beta"}) {
      fs::create_directories(base_ / p);
      std::ofstream(base_ / p / "compose.yaml") << kCompose;
    }
  }
  void TearDown() override {
    if (!IsSkipped())
      for (const char* p : {"alpha", "beta"}) in(p, {"down", "-v", "-t", "1"});
    LitTest::TearDown();
  }

  Result in(const std::string& project, std::vector<std::string> args) {
    args.insert(args.begin(), {"--project-directory", (base_ / project).string()});
    return lit(args);
  }

  // Both at once, from two threads; their results.
  std::pair<Result, Result> at_once(const std::string& a, const std::string& b,
                                    const std::vector<std::string>& args) {
    Result ra, rb;
    std::thread t([&] { ra = in(a, args); });
    rb = in(b, args);
    t.join();
    return {ra, rb};
  }

  // service -> state, from `ps -a --format json`.
  std::map<std::string, std::vector<std::string>> states(const std::string& project) {
    std::map<std::string, std::vector<std::string>> out;
    for (const auto& line : in(project, {"ps", "-a", "--format", "json"}).out_lines()) {
      auto j = nlohmann::json::parse(line);
      out[j.at("Service")].push_back(j.at("State"));
    }
    return out;
  }
};

TEST_F(ProjectConcurrencyTest, TwoUpsOfTheSameProjectAtOnceMakeOneOfEach) {
  auto [first, second] = at_once("alpha", "alpha", {"up", "-d"});
  EXPECT_EQ(first.exit_code, 0) << first;
  EXPECT_EQ(second.exit_code, 0) << second;
  using V = std::vector<std::string>;
  EXPECT_EQ(states("alpha"),
            (std::map<std::string, V>{{"client", {"running"}}, {"web", {"running"}}}));
  Result r = in("alpha", {"exec", "client", "wget", "-q", "-O", "-", "http://web/"});
  EXPECT_EQ(r.exit_code, 0) << r;
  EXPECT_EQ(lit({"network", "ls", "-q"}).out_lines().size(), 1u);
  EXPECT_EQ(in("alpha", {"down", "-v", "-t", "1"}).exit_code, 0);
  EXPECT_TRUE(lit({"network", "ls", "-q"}).out_lines().empty());
  EXPECT_EQ(lit({"system", "check"}).exit_code, 0);
}

TEST_F(ProjectConcurrencyTest, TwoProjectsNamingOneNetworkComeUpAtOnceAndShareIt) {
  auto [a, b] = at_once("alpha", "beta", {"up", "-d"});
  EXPECT_EQ(a.exit_code, 0) << a;
  EXPECT_EQ(b.exit_code, 0) << b;
  using V = std::vector<std::string>;
  for (const char* p : {"alpha", "beta"}) {
    EXPECT_EQ(states(p), (std::map<std::string, V>{{"client", {"running"}}, {"web", {"running"}}}))
        << p;
    // Each client reaches a web by the service name on the one network.
    Result r = in(p, {"exec", "client", "wget", "-q", "-O", "-", "http://web/"});
    EXPECT_EQ(r.exit_code, 0) << p << ": " << r;
  }
  EXPECT_EQ(lit({"network", "ls", "-q"}).out_lines().size(), 1u) << "one sharednet";
  // Up again: nothing changes, the other project's network is not remade.
  Result again = in("beta", {"up", "-d"});
  EXPECT_EQ(again.exit_code, 0) << again;
  EXPECT_EQ(states("alpha").at("client"), std::vector<std::string>{"running"});

  // The first down keeps the network the other project still uses; the
  // second removes it.
  Result down_a = in("alpha", {"down", "-v", "-t", "1"});
  EXPECT_EQ(down_a.exit_code, 0) << down_a;
  EXPECT_EQ(lit({"network", "ls", "-q"}).out_lines().size(), 1u);
  EXPECT_EQ(states("beta").at("web"), std::vector<std::string>{"running"});
  Result down_b = in("beta", {"down", "-v", "-t", "1"});
  EXPECT_EQ(down_b.exit_code, 0) << down_b;
  EXPECT_TRUE(lit({"network", "ls", "-q"}).out_lines().empty());
  EXPECT_EQ(lit({"system", "check"}).exit_code, 0);
}

}  // namespace
}  // namespace lit::test
