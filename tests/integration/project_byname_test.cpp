// A project found by name, as compose finds it from any directory: `lit -p
// NAME <cmd>` / COMPOSE_PROJECT_NAME with no compose file where lit runs. The
// files `up` applied are used while readable; without them, what the
// containers' labels record (down removes containers, networks, -v volumes).
#include <filesystem>
#include <nlohmann/json.hpp>

#include "tests/integration/expect.hpp"
#include "tests/integration/project_fixture.hpp"

namespace lit::test {
namespace {

constexpr const char* kCompose = R"(name: shop
services:
  db:
    image: localhost/lit-test:latest
    command: ["sh", "-c", "echo db says hi; exec sleep 600"]
    init: true
    volumes: ["data:/data"]
  web:
    image: localhost/lit-test:latest
    command: ["sleep", "600"]
    init: true
    depends_on: [db]
volumes:
  data: {}
)";

class ProjectByNameTest : public ProjectFixture {
 protected:
  void SetUp() override {
    ProjectFixture::SetUp();
    if (IsSkipped() || HasFatalFailure()) return;
    write(kCompose);
    elsewhere_ = base_ / "elsewhere";
    fs::create_directories(elsewhere_);
  }

  // lit args run (env -C) in a directory with no compose file (nor one in its parents).
  Result from_elsewhere(const std::vector<std::string>& args,
                        const std::vector<std::string>& env = {}) {
    std::vector<std::string> argv{
        "env",    "-C",           elsewhere_.string(), LIT_BINARY,
        "--root", root_.string(), "--run-root",        run_root_.string()};
    argv.insert(argv.end(), args.begin(), args.end());
    RunOptions o;
    o.extra_env = env;
    Result r = run_process(argv, o);
    container_ids();  // remembers the ids, for the leak check
    return r;
  }

  // container name -> State, from `ps -a --format json` run elsewhere by name.
  std::map<std::string, std::string> states_by_name() {
    std::map<std::string, std::string> out;
    for (const auto& line :
         from_elsewhere({"-p", "shop", "ps", "-a", "--format", "json"}).out_lines()) {
      auto j = nlohmann::json::parse(line);
      out[j.at("Name")] = j.at("State");
    }
    return out;
  }

  fs::path elsewhere_;
};

TEST_F(ProjectByNameTest, LifecycleCommandsWorkByNameFromAnyDirectory) {
  ASSERT_EQ(project({"up", "-d"}).exit_code, 0);
  Result r = from_elsewhere({"-p", "shop", "ps"});
  ASSERT_EQ(r.exit_code, 0) << r;
  EXPECT_TRUE(contains_line_with(r.out, {"shop-db-1", "db"})) << r;
  EXPECT_TRUE(contains_line_with(r.out, {"shop-web-1", "web"})) << r;

  r = from_elsewhere({"stop", "-t", "1"}, {"COMPOSE_PROJECT_NAME=shop"});
  ASSERT_EQ(r.exit_code, 0) << r;
  EXPECT_EQ(states_by_name(), (std::map<std::string, std::string>{{"shop-db-1", "exited"},
                                                                  {"shop-web-1", "exited"}}));
  r = from_elsewhere({"-p", "shop", "start", "db"});
  ASSERT_EQ(r.exit_code, 0) << r;
  EXPECT_EQ(states_by_name()["shop-db-1"], "running");
  r = from_elsewhere({"-p", "shop", "restart", "-t", "1"});
  ASSERT_EQ(r.exit_code, 0) << r;
  EXPECT_EQ(states_by_name(), (std::map<std::string, std::string>{{"shop-db-1", "running"},
                                                                  {"shop-web-1", "running"}}));

  EXPECT_TRUE(eventually([&] {
    return from_elsewhere({"-p", "shop", "logs", "--no-log-prefix", "db"}).out.find("db says hi") !=
           std::string::npos;
  }));
  r = from_elsewhere({"-p", "shop", "exec", "-T", "web", "echo", "in web"});
  EXPECT_EQ(r.out, "in web\n") << r;
}

TEST_F(ProjectByNameTest, DownByNameWithoutTheFileRemovesWhatTheLabelsName) {
  ASSERT_EQ(project({"up", "-d"}).exit_code, 0);
  ASSERT_TRUE(fs::exists(root_ / "volumes" / "shop_data"));
  fs::rename(dir_ / "compose.yaml", base_ / "moved.yaml");  // the file is gone

  Result r = from_elsewhere({"ps"}, {"COMPOSE_PROJECT_NAME=shop"});
  ASSERT_EQ(r.exit_code, 0) << r;
  EXPECT_TRUE(contains_line_with(r.out, {"shop-web-1"})) << r;
  r = from_elsewhere({"-p", "shop", "down", "-v", "-t", "1"});
  EXPECT_EQ(r.exit_code, 0) << r;
  EXPECT_TRUE(states_by_name().empty());
  EXPECT_EQ(lit({"network", "ls", "-q"}).out, "");
  EXPECT_FALSE(fs::exists(root_ / "volumes" / "shop_data"));
  fs::rename(base_ / "moved.yaml", dir_ / "compose.yaml");  // for the fixture's own down
}

TEST_F(ProjectByNameTest, ANameWithNoContainersIsAnEmptyProject) {
  Result r = from_elsewhere({"-p", "nosuch", "down"});
  EXPECT_EQ(r.exit_code, 0) << r;
  EXPECT_EQ(r.out, "") << r;
  r = from_elsewhere({"-p", "nosuch", "ps"});
  EXPECT_EQ(r.exit_code, 0) << r;
  ASSERT_EQ(r.out_lines().size(), 1u) << r;
  EXPECT_EQ(r.out_lines()[0].rfind("NAME", 0), 0u) << r;
}

TEST_F(ProjectByNameTest, AnInvalidNameIsRefusedWithComposeRule) {
  const std::string rule =
      "must consist only of lowercase alphanumeric characters, hyphens, and underscores as well "
      "as start with a letter or number";
  Result r = from_elsewhere({"-p", "Shop!", "down"});
  EXPECT_NE(r.exit_code, 0) << r;
  EXPECT_EQ(r.err_lines().at(0), "lit: invalid project name \"Shop!\": " + rule) << r;
  r = project({"ps"}, {"COMPOSE_PROJECT_NAME=-shop"});
  EXPECT_NE(r.exit_code, 0) << r;
  EXPECT_EQ(r.err_lines().at(0), "lit: invalid project name \"-shop\": " + rule) << r;
}

}  // namespace
}  // namespace lit::test
