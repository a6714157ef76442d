// compose's pause/unpause, kill, rm, top, port, wait and version, end to end
// in the test's sandbox, with `lit container pause/unpause` beside them: what
// a docker compose user sees (the progress lines on stderr, ps's State and
// Status, the exact lines scripts parse) and exit codes (1 for a project
// command's own error, docker's 125 for `lit container`).
#include <algorithm>
#include <fstream>
#include <future>
#include <nlohmann/json.hpp>
#include <regex>
#include <sstream>

#include "tests/integration/expect.hpp"
#include "tests/integration/project_fixture.hpp"

namespace lit::test {
namespace {

// init: true so the stop signal ends `sleep` at once (lit-init forwards it).
// job exits 3 once told to (a file appears; it removes it for the next start).
constexpr const char* kCompose = R"(name: shop
services:
  db:
    image: localhost/lit-test:latest
    command: ["sleep", "600"]
    init: true
    volumes: ["/data"]
  web:
    image: localhost/lit-test:latest
    command: ["sleep", "600"]
    init: true
    ports: ["8080:80"]
    depends_on: [db]
)";

constexpr const char* kJob = R"(  job:
    image: localhost/lit-test:latest
    command: ["sh", "-c", "while [ ! -e /tmp/go ]; do sleep 0.1; done; rm /tmp/go; exit 3"]
    init: true
)";

// A project command's own error: compose's exit status 1 and lit's message.
void expect_project_error(const Result& r, const std::string& mention) {
  EXPECT_EQ(r.exit_code, 1) << r;
  auto lines = r.err_lines();
  ASSERT_FALSE(lines.empty()) << r;
  EXPECT_TRUE(lines[0].starts_with("lit: ")) << r;
  EXPECT_NE(lines[0].find(mention), std::string::npos) << r;
}

class ProjectControlTest : public ProjectFixture {
 protected:
  void SetUp() override {
    ProjectFixture::SetUp();
    if (IsSkipped() || HasFatalFailure()) return;
    write(kCompose);
  }

  nlohmann::json inspect(const std::string& name) {
    Result r = lit({"container", "inspect", name});
    EXPECT_EQ(r.exit_code, 0) << r;
    return r.exit_code == 0 ? nlohmann::json::parse(r.out).at(0) : nlohmann::json();
  }

  // Whether the kernel has the container's init frozen: its freezer cgroup
  // (v1) or its cgroup.events (v2), found from /proc/PID/cgroup.
  bool frozen(const std::string& name) {
    int pid = inspect(name).at("state").at("pid");
    std::ifstream in("/proc/" + std::to_string(pid) + "/cgroup");
    std::string v2;
    for (std::string line; std::getline(in, line);) {
      auto first = line.find(':'), second = line.find(':', first + 1);
      std::string controllers = line.substr(first + 1, second - first - 1);
      std::string path = line.substr(second + 1);
      if (controllers == "freezer") {
        std::ifstream state("/sys/fs/cgroup/freezer" + path + "/freezer.state");
        std::string word;
        state >> word;
        return word == "FROZEN";
      }
      if (controllers.empty()) v2 = path;
    }
    std::ifstream events("/sys/fs/cgroup" + v2 + "/cgroup.events");
    for (std::string line; std::getline(events, line);)
      if (line == "frozen 1") return true;
    return false;
  }

  // Whether this test's `lit wait` blocks in poll (on a container's pidfd):
  // it has its containers, and sees them exit from now on.
  bool wait_is_polling() const {
    std::error_code ec;
    for (const auto& e : fs::directory_iterator("/proc", ec)) {
      std::ifstream in(e.path() / "cmdline");
      std::string cmd((std::istreambuf_iterator<char>(in)), {});
      if (cmd.find(dir_.string()) == std::string::npos ||
          cmd.find(std::string("\0wait\0", 6)) == std::string::npos)
        continue;
      for (const auto& t : fs::directory_iterator(e.path() / "task", ec)) {
        std::ifstream w(t.path() / "wchan");
        std::string wchan;
        w >> wchan;
        if (wchan.find("poll") != std::string::npos) return true;
      }
    }
    return false;
  }

  // The lines of `text` that contain `word`, in order.
  static std::vector<std::string> lines_with(const std::string& text, const std::string& word) {
    std::vector<std::string> out;
    std::istringstream in(text);
    for (std::string line; std::getline(in, line);)
      if (line.find(word) != std::string::npos) out.push_back(line);
    return out;
  }
};

TEST_F(ProjectControlTest, PauseFreezesTheContainersAndUnpauseThawsThem) {
  ASSERT_EQ(project({"up", "-d", "--wait"}).exit_code, 0);
  Result r = project({"pause"});
  ASSERT_EQ(r.exit_code, 0) << r;
  EXPECT_EQ(
      lines_with(r.err, "Paused"),
      (std::vector<std::string>{" Container shop-db-1  Paused", " Container shop-web-1  Paused"}))
      << r;
  for (const auto& [name, j] : ps_all()) {
    EXPECT_EQ(j.at("State"), "paused") << name;
    EXPECT_TRUE(
        std::regex_match(j.at("Status").get<std::string>(), std::regex("Up .* \\(Paused\\)")))
        << j;
    EXPECT_TRUE(frozen(name)) << name;
  }
  // Paused containers are running ones for ps (without -a) and ls, as in docker.
  EXPECT_EQ(project({"ps", "-q"}).out_lines().size(), 2u);
  EXPECT_TRUE(contains_line_with(lit({"ls"}).out, {"shop", "paused(2)"}));
  EXPECT_EQ(inspect("shop-web-1").at("state").at("status"), "paused");
  EXPECT_EQ(inspect("shop-web-1").at("state").at("paused"), true);
  for (const auto& line : lit({"container", "ls", "--format", "json"}).out_lines())
    EXPECT_EQ(nlohmann::json::parse(line).at("State"), "paused") << line;

  // exec would hang in the frozen cgroup: refused as docker does.
  r = lit({"container", "exec", "shop-web-1", "true"});
  EXPECT_EQ(r.exit_code, 125) << r;
  EXPECT_NE(r.err.find("container shop-web-1 is paused"), std::string::npos) << r;

  r = project({"pause", "web"});
  EXPECT_EQ(r.exit_code, 1) << r;
  EXPECT_NE(r.err.find("container shop-web-1 is already paused"), std::string::npos) << r;

  r = project({"unpause", "web"});
  ASSERT_EQ(r.exit_code, 0) << r;
  EXPECT_EQ(lines_with(r.err, "Unpaused"),
            (std::vector<std::string>{" Container shop-web-1  Unpaused"}));
  EXPECT_EQ(ps_all().at("shop-web-1").at("State"), "running");
  EXPECT_EQ(ps_all().at("shop-db-1").at("State"), "paused");
  EXPECT_FALSE(frozen("shop-web-1"));
  // The thawed container works: exec runs in it.
  EXPECT_EQ(project({"exec", "web", "echo", "alive"}).out, "alive\n");

  // lit container: docker's output (the names) and exit status 125.
  r = lit({"container", "unpause", "shop-db-1"});
  EXPECT_EQ(r.exit_code, 0) << r;
  EXPECT_EQ(r.out, "shop-db-1\n");
  EXPECT_FALSE(frozen("shop-db-1"));
  r = lit({"container", "unpause", "shop-db-1"});
  EXPECT_EQ(r.exit_code, 125) << r;
  EXPECT_NE(r.err.find("container shop-db-1 is not paused"), std::string::npos) << r;
  r = lit({"container", "pause", "shop-db-1", "shop-web-1"});
  EXPECT_EQ(r.exit_code, 0) << r;
  EXPECT_EQ(r.out, "shop-db-1\nshop-web-1\n");

  // Stopping a paused container thaws it first, as docker does.
  r = project({"stop", "-t", "1"});
  ASSERT_EQ(r.exit_code, 0) << r;
  for (const auto& [name, j] : ps_all()) EXPECT_EQ(j.at("State"), "exited") << name;
  r = lit({"container", "pause", "shop-db-1"});
  EXPECT_EQ(r.exit_code, 125) << r;
  EXPECT_NE(r.err.find("container shop-db-1 is not running"), std::string::npos) << r;
  // Nothing running: nothing to pause, not an error (as compose).
  EXPECT_EQ(project({"pause"}).exit_code, 0);
  // start after a paused stop: a plain running container.
  ASSERT_EQ(project({"start"}).exit_code, 0);
  EXPECT_EQ(ps_all().at("shop-web-1").at("State"), "running");
}

TEST_F(ProjectControlTest, KillSendsTheSignalToPausedAndRunningContainers) {
  ASSERT_EQ(project({"up", "-d", "--wait"}).exit_code, 0);
  ASSERT_EQ(lit({"container", "pause", "shop-web-1"}).exit_code, 0);
  expect_project_error(project({"kill", "-s", "NOPE"}), "invalid --signal \"NOPE\"");
  Result r = project({"kill"});
  ASSERT_EQ(r.exit_code, 0) << r;
  EXPECT_EQ(
      lines_with(r.err, "Killed"),
      (std::vector<std::string>{" Container shop-db-1  Killed", " Container shop-web-1  Killed"}))
      << r;
  for (const auto& name : {"shop-db-1", "shop-web-1"}) {
    EXPECT_TRUE(eventually([&] { return ps_all().at(name).at("State") == "exited"; })) << name;
    EXPECT_EQ(inspect(name).at("state").at("exit_code"), 137) << name;
  }
  r = project({"kill"});
  EXPECT_EQ(r.exit_code, 0) << r;
  EXPECT_NE(r.err.find("no container to kill"), std::string::npos) << r;

  // -s: the signal given; SIGTERM ends sleep under lit-init.
  ASSERT_EQ(project({"start"}).exit_code, 0);
  r = project({"kill", "-s", "SIGTERM", "web"});
  ASSERT_EQ(r.exit_code, 0) << r;
  EXPECT_EQ(lines_with(r.err, "Killed"),
            (std::vector<std::string>{" Container shop-web-1  Killed"}));
  EXPECT_TRUE(eventually([&] { return ps_all().at("shop-web-1").at("State") == "exited"; }));
  EXPECT_EQ(ps_all().at("shop-db-1").at("State"), "running");
  expect_project_error(project({"kill", "nosuch"}), "no such service: nosuch");
}

TEST_F(ProjectControlTest, RmRemovesStoppedContainersAfterConfirmation) {
  ASSERT_EQ(project({"up", "-d", "--wait"}).exit_code, 0);
  Result r = project({"rm", "-f"});
  EXPECT_EQ(r.exit_code, 0) << r;
  EXPECT_EQ(r.out, "");
  EXPECT_NE(r.err.find("No stopped containers"), std::string::npos) << r;

  ASSERT_EQ(project({"stop", "-t", "1"}).exit_code, 0);
  auto volumes = inspect("shop-db-1").at("anonymous_volumes").get<std::vector<std::string>>();
  ASSERT_EQ(volumes.size(), 1u);
  // No terminal: compose prints the question alone and reads the answer; none is no.
  r = project({"rm"});
  EXPECT_EQ(r.exit_code, 0) << r;
  EXPECT_EQ(r.out, "Going to remove shop-db-1, shop-web-1");
  EXPECT_EQ(ps_all().size(), 2u);
  RunOptions yes;
  yes.stdin_data = "y\n";
  r = project({"rm", "web"}, {}, yes);
  EXPECT_EQ(r.exit_code, 0) << r;
  EXPECT_EQ(r.out, "Going to remove shop-web-1");
  EXPECT_EQ(lines_with(r.err, "Removed"),
            (std::vector<std::string>{" Container shop-web-1  Removed"}));
  EXPECT_EQ(ps_all().size(), 1u);

  // -f: no question; -v: the anonymous volume goes too.
  EXPECT_TRUE(fs::exists(root_ / "volumes" / volumes[0]));
  r = project({"rm", "-f", "-v"});
  EXPECT_EQ(r.exit_code, 0) << r;
  EXPECT_EQ(r.out, "Going to remove shop-db-1\n");
  EXPECT_EQ(lines_with(r.err, "Removed"),
            (std::vector<std::string>{" Container shop-db-1  Removed"}));
  EXPECT_TRUE(ps_all().empty());
  EXPECT_FALSE(fs::exists(root_ / "volumes" / volumes[0]));

  // -s: stops first; the other service is left running.
  ASSERT_EQ(project({"up", "-d", "--wait"}).exit_code, 0);
  r = project({"rm", "-s", "-f", "web"});
  EXPECT_EQ(r.exit_code, 0) << r;
  EXPECT_EQ(r.out, "Going to remove shop-web-1\n");
  EXPECT_EQ(lines_with(r.err, "Stopped"),
            (std::vector<std::string>{" Container shop-web-1  Stopped"}));
  auto left = ps_all();
  ASSERT_EQ(left.size(), 1u);
  EXPECT_EQ(left.at("shop-db-1").at("State"), "running");
}

TEST_F(ProjectControlTest, TopAndPortShowWhatComposeShows) {
  ASSERT_EQ(project({"up", "-d", "--wait"}).exit_code, 0);
  Result r = project({"top"});
  ASSERT_EQ(r.exit_code, 0) << r;
  auto lines = r.out_lines();
  ASSERT_GE(lines.size(), 8u) << r;
  EXPECT_EQ(lines[0], "shop-db-1");
  EXPECT_TRUE(std::regex_match(lines[1], std::regex("UID +PID +PPID +C +STIME +TTY +TIME +CMD *")))
      << lines[1];
  EXPECT_TRUE(contains_line_with(r.out, {"root", "sleep 600"})) << r;
  auto web = std::find(lines.begin(), lines.end(), "shop-web-1");
  ASSERT_NE(web, lines.end()) << r;
  EXPECT_EQ(*(web - 1), "");  // an empty line ends each block
  r = project({"top", "web"});
  EXPECT_EQ(r.out_lines().at(0), "shop-web-1") << r;
  EXPECT_EQ(std::count(r.out.begin(), r.out.end(), '\n') > 2, true);

  r = project({"port", "web", "80"});
  EXPECT_EQ(r.exit_code, 0) << r;
  EXPECT_EQ(r.out, "0.0.0.0:8080\n");
  r = project({"port", "--protocol", "udp", "web", "80"});
  EXPECT_EQ(r.exit_code, 1) << r;
  EXPECT_NE(r.err.find("no port 80/udp for container shop-web-1: 8080/tcp"), std::string::npos)
      << r;
  r = project({"port", "--index", "2", "web", "80"});
  EXPECT_EQ(r.exit_code, 1) << r;
  EXPECT_NE(r.err.find("service \"web\" is not running container #2"), std::string::npos) << r;
  r = project({"port", "db", "5432"});
  EXPECT_EQ(r.exit_code, 1) << r;
  EXPECT_NE(r.err.find("no port 5432/tcp for container shop-db-1"), std::string::npos) << r;
}

TEST_F(ProjectControlTest, WaitPrintsEachExitAndDownProjectTearsDown) {
  write(std::string(kCompose) + kJob);
  ASSERT_EQ(project({"up", "-d"}).exit_code, 0);
  // run_process, not project(): the fixture's bookkeeping is not for two threads.
  auto waiting = std::async(std::launch::async, [&] {
    return run_process(project_argv({"wait", "job"}));
  });
  ASSERT_TRUE(eventually([&] { return wait_is_polling(); }));
  ASSERT_EQ(project({"exec", "job", "touch", "/tmp/go"}).exit_code, 0);
  Result r = waiting.get();
  EXPECT_EQ(r.exit_code, 3) << r;
  EXPECT_EQ(r.out, "container \"/shop-job-1\" exited with status code 3\n");
  r = project({"wait", "job"});
  EXPECT_EQ(r.exit_code, 1) << r;
  EXPECT_NE(r.err.find("no containers for project \"shop\""), std::string::npos) << r;

  ASSERT_EQ(project({"start", "job"}).exit_code, 0);
  waiting = std::async(std::launch::async, [&] {
    return run_process(project_argv({"wait", "--down-project", "job", "web"}));
  });
  ASSERT_TRUE(eventually([&] { return wait_is_polling(); }));
  ASSERT_EQ(project({"exec", "job", "touch", "/tmp/go"}).exit_code, 0);
  r = waiting.get();
  EXPECT_EQ(r.exit_code, 3) << r;
  EXPECT_EQ(r.out, "container \"/shop-job-1\" exited with status code 3\n");
  EXPECT_TRUE(ps_all().empty());
}

// compose stats: one line per running container of the project (of the
// services named), with the pids the container holds.
TEST_F(ProjectControlTest, StatsShowsTheProjectsContainersOnly) {
  ASSERT_EQ(project({"up", "-d", "--wait"}).exit_code, 0);
  ASSERT_EQ(run({"-d", "--name", "outsider", "--init", kTestImage, "sleep", "600"}).exit_code, 0);
  Result r = project({"stats", "--no-stream", "--format", "json"});
  ASSERT_EQ(r.exit_code, 0) << r;
  std::vector<std::string> names;
  for (const auto& line : r.out_lines()) {
    auto j = nlohmann::json::parse(line);
    names.push_back(j.at("Name"));
    EXPECT_NE(j.at("PIDs"), "0") << line;  // init and sleep
  }
  EXPECT_EQ(names, (std::vector<std::string>{"shop-db-1", "shop-web-1"})) << r;
  r = project({"stats", "--no-stream", "--format", "json", "db"});
  ASSERT_EQ(r.out_lines().size(), 1u) << r;
  EXPECT_EQ(nlohmann::json::parse(r.out_lines()[0]).at("Name"), "shop-db-1");
  r = project({"stats", "--no-stream"});
  EXPECT_TRUE(contains_line_with(r.out, {"CONTAINER ID", "NAME", "CPU %"})) << r;
  EXPECT_FALSE(contains_line_with(r.out, {"outsider"})) << r;
  expect_project_error(project({"stats", "--no-stream", "nope"}), "no such service: nope");
  ASSERT_EQ(lit({"container", "rm", "-f", "outsider"}).exit_code, 0);
}

TEST_F(ProjectControlTest, VersionAsComposePrintsIt) {
  Result r = lit({"version"});
  EXPECT_EQ(r.exit_code, 0) << r;
  EXPECT_EQ(r.out, "lit version v0.1.0\n");
  EXPECT_EQ(lit({"version", "--short"}).out, "0.1.0\n");
  EXPECT_EQ(nlohmann::json::parse(lit({"version", "--format", "json"}).out),
            (nlohmann::json{{"version", "v0.1.0"}}));
}

}  // namespace
}  // namespace lit::test
