// The project commands beyond up/down, end to end in the test's sandbox: exec
// into a service, run one-offs (which up and ps leave alone, down removes),
// stop/start/restart in dependency order, images, ls, pull and build.
#include <fstream>
#include <nlohmann/json.hpp>

#include "tests/integration/expect.hpp"
#include "tests/integration/project_fixture.hpp"

namespace lit::test {
namespace {

// init: true so the stop signal ends `sleep` at once (lit-init forwards it).
constexpr const char* kCompose = R"(name: shop
services:
  db:
    image: localhost/lit-test:latest
    command: ["sleep", "600"]
    init: true
    environment:
      ROLE: database
  web:
    image: localhost/lit-test:latest
    command: ["sleep", "600"]
    init: true
    environment:
      GREETING: hello from web
    depends_on: [db]
)";

class ProjectOpsTest : public ProjectFixture {
 protected:
  void SetUp() override {
    ProjectFixture::SetUp();
    if (IsSkipped() || HasFatalFailure()) return;
    write(kCompose);
  }

  // The project command on a fresh terminal (stdin, stdout and stderr a pty).
  Result project_on_pty(const std::vector<std::string>& args) {
    Result r = run_on_pty(project_argv(args), 24, 80, 30s);
    container_ids();  // remembers the ids, for the leak check
    return r;
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

TEST_F(ProjectOpsTest, ExecRunsInTheServiceContainerAndPropagatesItsExitCode) {
  Result r = project({"up", "-d", "--wait"});
  ASSERT_EQ(r.exit_code, 0) << r;
  std::string web = ps_all().at("shop-web-1").at("ID");

  r = project({"exec", "-T", "web", "sh", "-c", "echo $GREETING; hostname"});
  EXPECT_EQ(r.exit_code, 0) << r;
  EXPECT_EQ(r.out, "hello from web\n" + web + "\n") << r;
  r = project({"exec", "-T", "-e", "X=42", "-w", "/etc", "db", "sh", "-c", "echo $ROLE $X $(pwd)"});
  EXPECT_EQ(r.out, "database 42 /etc\n") << r;
  EXPECT_EQ(project({"exec", "-T", "web", "sh", "-c", "exit 7"}).exit_code, 7);
  // -d returns at once; the command runs on in the container.
  r = project({"exec", "-d", "web", "sh", "-c", "echo detached > /tmp/out"});
  EXPECT_EQ(r.exit_code, 0) << r;
  r = project({"exec", "-T", "web", "timeout", "10", "sh", "-c",
               "until [ -s /tmp/out ]; do sleep 0.05; done; cat /tmp/out"});
  EXPECT_EQ(r.out, "detached\n") << r;
  // A terminal of its own by default when stdin is one, as compose (-t sets
  // TERM); -T: none (the command inherits lit's stdio as it is).
  r = project_on_pty({"exec", "web", "sh", "-c", "echo term=$TERM"});
  EXPECT_NE(r.out.find("term=xterm"), std::string::npos) << r;
  r = project_on_pty({"exec", "-T", "web", "sh", "-c", "echo term=$TERM."});
  EXPECT_NE(r.out.find("term=."), std::string::npos) << r;

  // --privileged: every capability (CAP_SYS_ADMIN, bit 21, is not in the default set).
  auto cap_eff = [&](std::vector<std::string> flags) {
    std::vector<std::string> args = {"exec", "-T"};
    args.insert(args.end(), flags.begin(), flags.end());
    args.insert(args.end(), {"web", "sh", "-c", "grep CapEff /proc/self/status | cut -f2"});
    Result c = project(args);
    EXPECT_EQ(c.exit_code, 0) << c;
    return std::stoull(c.out.empty() ? "0" : c.out, nullptr, 16);
  };
  EXPECT_EQ(cap_eff({}) & (1ULL << 21), 0u);
  EXPECT_NE(cap_eff({"--privileged"}) & (1ULL << 21), 0u);

  expect_lit_error(project({"exec", "-T", "nosuch", "true"}), "no such service: nosuch in ");
  expect_lit_error(project({"exec", "-T", "--index", "2", "web", "true"}),
                   "service web is not running");

  ASSERT_EQ(project({"stop", "-t", "1", "web"}).exit_code, 0);
  expect_lit_error(project({"exec", "-T", "web", "true"}), "service web is not running");
}

TEST_F(ProjectOpsTest, RunRmRunsAOneOffWithTheServiceEnvironmentAndLeavesNothing) {
  // Nothing is up: run starts the dependency (db), not the service itself.
  Result r = project({"run", "--rm", "-T", "web", "sh", "-c", "echo $GREETING; exit 3"});
  EXPECT_EQ(r.exit_code, 3) << r;
  EXPECT_EQ(r.out, "hello from web\n") << r;
  auto ps = ps_all();
  EXPECT_EQ(ps.size(), 1u) << project({"ps", "-a"});
  ASSERT_TRUE(ps.contains("shop-db-1")) << project({"ps", "-a"});
  EXPECT_EQ(ps["shop-db-1"].at("State"), "running");
  EXPECT_EQ(container_ids().size(), 1u) << "the --rm one-off was left behind";

  // --no-deps with the dependency stopped leaves it stopped; -e, -w and -v apply.
  ASSERT_EQ(project({"stop", "-t", "1"}).exit_code, 0);
  std::ofstream(dir_ / "note.txt") << "from the host";
  r = project({"run", "--rm", "-T", "--no-deps", "-e", "GREETING=bye", "-w", "/etc", "-v",
               dir_.string() + ":/host:ro", "web", "sh", "-c",
               "echo $GREETING $(pwd) $(cat /host/note.txt)"});
  EXPECT_EQ(r.out, "bye /etc from the host\n") << r;
  EXPECT_EQ(ps_all().at("shop-db-1").at("State"), "exited");
  EXPECT_EQ(container_ids().size(), 1u);

  // --name and --entrypoint; the one-off reaches its dependency by name.
  r = project({"run", "--rm", "-T", "--name", "job1", "--entrypoint", "sh -c", "web",
               "nslookup db >/dev/null && hostname"});
  EXPECT_EQ(r.exit_code, 0) << r;
  expect_lit_error(project({"run", "--rm", "nosuch"}), "no such service: nosuch in ");
}

TEST_F(ProjectOpsTest, RunDoesNotDisturbUpAndDownRemovesOneOffs) {
  ASSERT_EQ(project({"up", "-d", "--wait"}).exit_code, 0);
  std::string web = ps_all().at("shop-web-1").at("ID");
  Result r = project({"run", "-d", "web", "sleep", "600"});
  ASSERT_EQ(r.exit_code, 0) << r;
  ASSERT_EQ(r.out.size(), 65u) << r;  // the full id and a newline
  std::string oneoff = r.out.substr(0, 12);

  // ps -a shows it under a one-off name; plain ps and up leave it alone.
  bool shown = false;
  for (const auto& [name, j] : ps_all())
    if (j.at("ID") == oneoff)
      shown = name.starts_with("shop-web-run-") && j.at("State") == "running";
  EXPECT_TRUE(shown) << project({"ps", "-a"});
  EXPECT_EQ(project({"ps", "-q"}).out.find(oneoff), std::string::npos);
  r = project({"up", "--dry-run"});
  EXPECT_EQ(r.out, "nothing to do\n") << r;
  EXPECT_EQ(r.err.find("orphan"), std::string::npos) << r;
  // exec goes to the replica, not the one-off; to the one-off when no replica runs.
  EXPECT_EQ(project({"exec", "-T", "web", "hostname"}).out, web + "\n");
  ASSERT_EQ(project({"stop", "-t", "1", "web"}).exit_code, 0);
  EXPECT_EQ(project({"exec", "-T", "web", "hostname"}).out, oneoff + "\n");
  ASSERT_EQ(project({"start", "web"}).exit_code, 0);

  r = project({"down", "-t", "1"});
  EXPECT_EQ(r.exit_code, 0) << r;
  EXPECT_TRUE(container_ids().empty()) << project({"ps", "-a"});
  EXPECT_EQ(lit({"network", "ls", "-q"}).out, "");
}

TEST_F(ProjectOpsTest, RunPublishesTheServicePortsOnlyWhenAsked) {
  write(R"(name: shop
services:
  web:
    image: localhost/lit-test:latest
    command: ["sleep", "600"]
    init: true
    ports: ["8086:80"]
)");
  auto ports_of = [&](const std::vector<std::string>& run_args) {
    std::vector<std::string> args{"run", "-d"};
    args.insert(args.end(), run_args.begin(), run_args.end());
    args.push_back("web");
    Result r = project(args);
    EXPECT_EQ(r.exit_code, 0) << r;
    for (const auto& line : lit({"container", "ls", "--format", "json"}).out_lines()) {
      auto j = nlohmann::json::parse(line);
      if (r.out.starts_with(j.at("ID").get<std::string>())) return j.at("Ports").get<std::string>();
    }
    ADD_FAILURE() << "one-off not running\n" << r;
    return std::string();
  };
  EXPECT_EQ(ports_of({}), "");
  EXPECT_NE(ports_of({"--service-ports"}).find("8086->80/tcp"), std::string::npos);
  EXPECT_NE(ports_of({"-p", "8087:80"}).find("8087->80/tcp"), std::string::npos);
  Result r = project({"down", "-t", "1"});
  EXPECT_EQ(r.exit_code, 0) << r;
  EXPECT_TRUE(container_ids().empty());
}

TEST_F(ProjectOpsTest, StopStartRestartFollowDependencyOrder) {
  expect_lit_error(project({"start"}), "no containers to start");
  ASSERT_EQ(project({"up", "-d", "--wait"}).exit_code, 0);
  auto before = ps_all();

  Result r = project({"stop", "-t", "1"});
  ASSERT_EQ(r.exit_code, 0) << r;
  EXPECT_EQ(
      lines_with(r.err, "Stopped"),
      (std::vector<std::string>{" Container shop-web-1  Stopped", " Container shop-db-1  Stopped"}))
      << r;
  for (const auto& [name, j] : ps_all()) EXPECT_EQ(j.at("State"), "exited") << name;
  EXPECT_EQ(project({"ps", "-q"}).out, "");

  r = project({"start"});
  ASSERT_EQ(r.exit_code, 0) << r;
  EXPECT_EQ(
      lines_with(r.err, "Started"),
      (std::vector<std::string>{" Container shop-db-1  Started", " Container shop-web-1  Started"}))
      << r;
  auto after = ps_all();
  for (const auto& [name, j] : after) {
    EXPECT_EQ(j.at("State"), "running") << name;
    EXPECT_EQ(j.at("ID"), before.at(name).at("ID")) << name << " was recreated, not started";
  }

  // One service: its dependency is left as it is.
  ASSERT_EQ(project({"stop", "-t", "1", "web"}).exit_code, 0);
  EXPECT_EQ(ps_all().at("shop-web-1").at("State"), "exited");
  EXPECT_EQ(ps_all().at("shop-db-1").at("State"), "running");

  r = project({"restart", "-t", "1"});
  ASSERT_EQ(r.exit_code, 0) << r;
  EXPECT_EQ(lines_with(r.err, "Restarted"),
            (std::vector<std::string>{" Container shop-db-1  Restarted",
                                      " Container shop-web-1  Restarted"}))
      << r;
  for (const auto& [name, j] : ps_all()) EXPECT_EQ(j.at("State"), "running") << name;
  expect_lit_error(project({"stop", "nosuch"}), "no such service: nosuch");
}

TEST_F(ProjectOpsTest, ImagesListsTheImageOfEachContainer) {
  ASSERT_EQ(project({"up", "-d"}).exit_code, 0);
  std::string id = lit({"image", "ls", "-q"}).out;
  ASSERT_EQ(id.size(), 13u) << id;
  id.pop_back();
  // SIZE as `image ls` shows it (the last column of its one row).
  std::string size = lit({"image", "ls"}).out_lines().at(1);
  size = size.substr(size.find_last_of(' ') + 1);

  Result r = project({"images"});
  ASSERT_EQ(r.exit_code, 0) << r;
  auto lines = r.out_lines();
  ASSERT_EQ(lines.size(), 3u) << r;
  EXPECT_TRUE(contains_line_with(lines[0], {"CONTAINER", "REPOSITORY", "TAG", "IMAGE ID", "SIZE"}))
      << r;
  EXPECT_TRUE(contains_line_with(lines[1], {"shop-db-1", "localhost/lit-test", "latest", id, size}))
      << r;
  EXPECT_TRUE(contains_line_with(lines[2], {"shop-web-1", "localhost/lit-test", "latest", id}))
      << r;

  EXPECT_EQ(project({"images", "-q"}).out, id + "\n");
  auto j = nlohmann::json::parse(project({"images", "--format", "json"}).out);
  ASSERT_EQ(j.size(), 2u) << j;
  EXPECT_EQ(j[0].at("ContainerName"), "shop-db-1");
  EXPECT_EQ(j[0].at("Repository"), "localhost/lit-test");
  EXPECT_EQ(j[0].at("Tag"), "latest");
  EXPECT_EQ(j[0].at("ID").get<std::string>().substr(0, 19), "sha256:" + id) << j;
  EXPECT_GT(j[0].at("Size").get<int64_t>(), 0);
}

TEST_F(ProjectOpsTest, LsShowsTheProjectWithItsStatus) {
  EXPECT_EQ(lit({"ls", "-q"}).out, "");
  ASSERT_EQ(project({"up", "-d"}).exit_code, 0);
  std::string file = (dir_ / "compose.yaml").string();

  Result r = lit({"ls"});
  ASSERT_EQ(r.exit_code, 0) << r;
  EXPECT_TRUE(contains_line_with(r.out, {"NAME", "STATUS", "CONFIG FILES"})) << r;
  EXPECT_TRUE(contains_line_with(r.out, {"shop", "running(2)", file})) << r;
  EXPECT_EQ(lit({"ls", "-q"}).out, "shop\n");

  ASSERT_EQ(project({"stop", "-t", "1", "web"}).exit_code, 0);
  auto j = nlohmann::json::parse(lit({"ls", "--format", "json"}).out);
  nlohmann::json want = {
      {{"Name", "shop"}, {"Status", "exited(1), running(1)"}, {"ConfigFiles", file}}};
  EXPECT_EQ(j, want);

  // A stopped project is listed with -a only.
  ASSERT_EQ(project({"stop", "-t", "1"}).exit_code, 0);
  EXPECT_EQ(lit({"ls", "-q"}).out, "");
  EXPECT_TRUE(contains_line_with(lit({"ls", "-a"}).out, {"shop", "exited(2)", file}));
}

TEST_F(ProjectOpsTest, PullNamesTheUnreachableRegistryAndBuildIsRefused) {
  // The fixture image was loaded, not pulled: its registry (localhost) does not
  // run in the sandbox. Services sharing an image pull it once.
  Result r = project({"pull"});
  expect_lit_error(r,
                   "service db, web: pull localhost/lit-test:latest: registry localhost is "
                   "unreachable");
  r = project({"pull", "--ignore-pull-failures"});
  EXPECT_EQ(r.exit_code, 0) << r;
  EXPECT_NE(r.err.find("lit: warning: service db, web: pull localhost/lit-test:latest"),
            std::string::npos)
      << r;

  write(R"(name: shop
services:
  web:
    image: example.com/team/missing:1.0
)");
  r = project({"pull", "-q"});
  expect_lit_error(r,
                   "service web: pull example.com/team/missing:1.0: registry example.com is "
                   "unreachable");
  EXPECT_EQ(r.out, "") << r;

  write(R"(name: shop
services:
  web:
    build: .
)");
  Result failed = project({"build"});  // a failed build exits 1, as docker compose build
  EXPECT_EQ(failed.exit_code, 1) << failed;
  EXPECT_TRUE(failed.err.starts_with("lit: service web: build: no such Containerfile")) << failed;
  expect_lit_error(project({"up", "-d", "--build"}), "service web: build: no such Containerfile");
  write(kCompose);
  EXPECT_EQ(project({"up", "-d", "--build"}).exit_code, 0) << "--build without build: is accepted";
}

}  // namespace
}  // namespace lit::test
