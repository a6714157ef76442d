// A service that waits for a healthy dependency has its start prepared once
// the dependency has started, and held until it is healthy (HeldStart in
// runtime/lifecycle/detached.hpp). What a user sees of it: the service is
// "created" and its name does not resolve until its dependency is healthy;
// then it runs and answers by name. An `up` killed while the start is held
// leaves the service created, with nothing of the start behind (no process,
// no cgroup), and the next `up` starts it.
#include <fcntl.h>
#include <signal.h>
#include <sys/wait.h>

#include <fstream>
#include <sstream>
#include <thread>

#include "tests/integration/project_fixture.hpp"

namespace lit::test {
namespace {

// db turns healthy when the test makes /tmp/ready in it.
constexpr const char* kCompose = R"(name: held
services:
  db:
    image: localhost/lit-test:latest
    command: ["sleep", "600"]
    healthcheck:
      test: ["CMD", "test", "-e", "/tmp/ready"]
      interval: 100ms
      retries: 1000
  api:
    image: localhost/lit-test:latest
    command: ["httpd", "-f", "-p", "80", "-h", "/etc"]
    depends_on:
      db: {condition: service_healthy}
)";

class ProjectHeldStartTest : public ProjectFixture {
 protected:
  void SetUp() override {
    ProjectFixture::SetUp();
    if (IsSkipped() || HasFatalFailure()) return;
    write(kCompose);
  }

  void TearDown() override {
    if (up_ > 0) {  // a failed assertion left it waiting
      kill(up_, SIGKILL);
      waitpid(up_, nullptr, 0);
    }
    ProjectFixture::TearDown();
  }

  // `lit up -d` in the background.
  void start_up() {
    std::vector<std::string> argv = project_argv({"up", "-d"});
    up_ = fork();
    if (up_ == 0) {
      std::vector<char*> args;
      for (auto& a : argv) args.push_back(a.data());
      args.push_back(nullptr);
      int null = open("/dev/null", O_WRONLY);
      dup2(null, 1);
      dup2(null, 2);
      execv(args[0], args.data());
      _exit(127);
    }
    ASSERT_GT(up_, 0);
  }

  // up's exit code once it ended, within `bound` (-1: it did not).
  int wait_up(std::chrono::milliseconds bound) {
    const auto deadline = std::chrono::steady_clock::now() + bound;
    int st = 0;
    while (std::chrono::steady_clock::now() < deadline) {
      if (waitpid(up_, &st, WNOHANG) == up_) {
        up_ = -1;
        return WIFEXITED(st) ? WEXITSTATUS(st) : 128 + WTERMSIG(st);
      }
      std::this_thread::sleep_for(20ms);
    }
    return -1;
  }

  // The cgroups lit made for container `id` (its held start makes them).
  static std::set<fs::path> cgroups_of(const std::string& id) {
    std::set<fs::path> out;
    for (const auto& dir : lit_cgroup_dirs())
      if (dir.filename().string().find(id) != std::string::npos) out.insert(dir);
    return out;
  }

  // Processes whose command line names `id` (its supervisor: lit-shim --id ID).
  static int processes_naming(const std::string& id) {
    int n = 0;
    for (const auto& e : fs::directory_iterator("/proc")) {
      const std::string pid = e.path().filename().string();
      if (pid.find_first_not_of("0123456789") != std::string::npos) continue;
      std::ifstream in(e.path() / "cmdline");
      std::stringstream text;
      text << in.rdbuf();
      if (text.str().find(id) != std::string::npos && process_running(std::stoi(pid))) ++n;
    }
    return n;
  }

  // Waits, at most `bound`, until api exists and its start is prepared; its id.
  std::string await_held_api(std::chrono::milliseconds bound) {
    const auto deadline = std::chrono::steady_clock::now() + bound;
    while (std::chrono::steady_clock::now() < deadline) {
      auto now = ids();
      if (now.contains("api") && !cgroups_of(now["api"]).empty()) return now["api"];
      std::this_thread::sleep_for(20ms);
    }
    return "";
  }

  pid_t up_ = -1;
};

TEST_F(ProjectHeldStartTest, AHeldServiceIsCreatedAndUnnamedUntilItsDependencyIsHealthy) {
  start_up();
  const std::string api = await_held_api(20s);
  ASSERT_FALSE(api.empty()) << "api's start was never prepared\n" << project({"ps", "-a"});
  EXPECT_EQ(states()["held-api-1"], "created");
  Result byname = lit({"container", "exec", "held-db-1", "wget", "-q", "-O", "-", "http://api/"});
  EXPECT_NE(byname.exit_code, 0) << byname;
  EXPECT_NE(byname.err.find("bad address"), std::string::npos)
      << "api's name resolved while its start was held\n"
      << byname;
  EXPECT_EQ(wait_up(300ms), -1) << "up returned before db was healthy";

  ASSERT_EQ(lit({"container", "exec", "held-db-1", "touch", "/tmp/ready"}).exit_code, 0);
  ASSERT_EQ(wait_up(30s), 0) << project({"ps", "-a"});
  EXPECT_EQ(states()["held-api-1"], "running");
  byname = lit({"container", "exec", "held-db-1", "wget", "-q", "-O", "-", "http://api/hostname"});
  EXPECT_EQ(byname.out, api + "\n") << byname;
}

TEST_F(ProjectHeldStartTest, UpKilledWhileAStartIsHeldLeavesItCreatedWithNothingOfTheStart) {
  start_up();
  const std::string api = await_held_api(20s);
  ASSERT_FALSE(api.empty()) << "api's start was never prepared\n" << project({"ps", "-a"});
  ASSERT_GT(processes_naming(api), 0);
  kill(up_, SIGKILL);
  ASSERT_NE(wait_up(10s), -1);

  // The release cannot come: its start is undone, bounded.
  const auto deadline = std::chrono::steady_clock::now() + 10s;
  while (std::chrono::steady_clock::now() < deadline &&
         (!cgroups_of(api).empty() || processes_naming(api) > 0))
    std::this_thread::sleep_for(20ms);
  EXPECT_TRUE(cgroups_of(api).empty()) << "the held start's cgroup stayed";
  EXPECT_EQ(processes_naming(api), 0) << "the held start's supervisor stayed";
  EXPECT_EQ(states()["held-api-1"], "created");

  // The next up starts it, once db is healthy.
  ASSERT_EQ(lit({"container", "exec", "held-db-1", "touch", "/tmp/ready"}).exit_code, 0);
  Result r = project({"up", "-d", "--wait"});
  ASSERT_EQ(r.exit_code, 0) << r;
  EXPECT_EQ(ids()["api"], api);
  EXPECT_EQ(states()["held-api-1"], "running");
}

}  // namespace
}  // namespace lit::test
