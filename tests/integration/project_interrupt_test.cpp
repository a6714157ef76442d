// Ctrl-C while `lit up` is still applying its plan: what had not started is
// skipped (a container made while it waited for its dependencies stays
// created, as with compose), what was in progress finishes (nothing half-made), and lit exits
// 130 as compose does. Attached, the containers it started are stopped too.
#include <signal.h>

#include <atomic>
#include <fstream>
#include <sstream>

#include "tests/integration/project_fixture.hpp"

namespace lit::test {
namespace {

// app waits for db to be healthy, which it never is: `up` is still applying
// (waiting on db) when Ctrl-C comes.
constexpr const char* kNeverHealthy = R"(name: shop
services:
  db:
    image: localhost/lit-test:latest
    command: ["sh", "-c", "trap 'exit 0' TERM; while true; do sleep 0.1; done"]
    healthcheck:
      test: ["CMD", "false"]
      interval: 1s
      retries: 1000
  app:
    image: localhost/lit-test:latest
    command: ["sleep", "1000"]
    depends_on:
      db:
        condition: service_healthy
)";

class ProjectInterruptTest : public ProjectFixture {
 protected:
  // `lit up ARGS` interrupted once app waits for db.
  Result up_interrupted(const std::vector<std::string>& args, bool& sent) {
    write(kNeverHealthy);
    RunOptions opts;
    opts.timeout = 60s;
    opts.on_stderr = [&](pid_t pid, const std::string& err) {
      if (!sent && err.find("shop-app-1  Waiting") != std::string::npos) {
        kill(pid, SIGINT);
        sent = true;
      }
    };
    std::vector<std::string> full{"--progress", "plain", "up"};
    full.insert(full.end(), args.begin(), args.end());
    return project_with(full, opts);
  }

  std::map<std::string, std::string> states() {
    std::map<std::string, std::string> out;
    for (const auto& line : project({"ps", "-a", "--format", "json"}).out_lines()) {
      auto j = nlohmann::json::parse(line);
      out[j.at("Name")] = j.at("State");
    }
    return out;
  }
};

TEST_F(ProjectInterruptTest, CtrlCWhileDetachedUpWaitsSkipsTheRestAndExits130) {
  bool sent = false;
  Result r = up_interrupted({"-d"}, sent);
  ASSERT_TRUE(sent) << r;
  EXPECT_FALSE(r.timed_out) << r;
  EXPECT_EQ(r.exit_code, 130) << r;
  EXPECT_TRUE(contains_line_with(r.err, {"Interrupted", "press Ctrl+C again to force"})) << r;
  EXPECT_TRUE(contains_line_with(r.err, {"shop-app-1", "cancelled"})) << r;
  auto st = states();
  EXPECT_EQ(st["shop-db-1"], "running") << r;  // detached: what was made stays
  // app was made while it waited (as compose makes it), never started.
  EXPECT_EQ(st["shop-app-1"], "created") << "app was started after Ctrl-C\n" << r;
}

TEST_F(ProjectInterruptTest, CtrlCWhileAttachedUpWaitsStopsWhatStarted) {
  bool sent = false;
  Result r = up_interrupted({}, sent);
  ASSERT_TRUE(sent) << r;
  EXPECT_FALSE(r.timed_out) << r;
  EXPECT_EQ(r.exit_code, 130) << r;
  EXPECT_TRUE(contains_line_with(r.err, {"Gracefully stopping..."})) << r;
  auto st = states();
  EXPECT_EQ(st["shop-db-1"], "exited") << r;
  EXPECT_EQ(st["shop-app-1"], "created") << r;
}

// Ctrl-C in attached up stops the services in reverse dependency order, as
// compose does: web (which depends on db) is stopped before db is asked to.
// Each writes its name to a host file when its stop signal comes; db would
// write first if both were asked at once (it answers at once, web after 1 s).
TEST_F(ProjectInterruptTest, CtrlCInAttachedUpStopsDependantsFirst) {
  const fs::path out = dir_ / "out";
  fs::create_directories(out);
  write(R"(name: shop
services:
  db:
    image: localhost/lit-test:latest
    command: ["sh", "-c", "trap 'echo db >> /out/order; exit 0' TERM; echo ready; while true; do sleep 0.1; done"]
    volumes: [")" +
        out.string() + R"(:/out"]
  web:
    image: localhost/lit-test:latest
    command: ["sh", "-c", "trap 'sleep 1; echo web >> /out/order; exit 0' TERM; echo ready; while true; do sleep 0.1; done"]
    volumes: [")" +
        out.string() + R"(:/out"]
    depends_on: [db]
)");
  bool sent = false;
  RunOptions opts;
  opts.on_stdout = [&](pid_t pid, const std::string& so_far) {
    if (!sent && so_far.find("db-1   | ready") != std::string::npos &&
        so_far.find("web-1  | ready") != std::string::npos) {
      kill(pid, SIGINT);
      sent = true;
    }
  };
  Result r = project_with({"up", "--no-color"}, opts);
  ASSERT_TRUE(sent) << r;
  EXPECT_EQ(r.exit_code, 130) << r;
  std::ifstream in(out / "order");
  std::stringstream order;
  order << in.rdbuf();
  EXPECT_EQ(order.str(), "web\ndb\n") << r;
}

}  // namespace
}  // namespace lit::test
