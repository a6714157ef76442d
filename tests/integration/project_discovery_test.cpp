// How lit finds a project, as docker compose does: COMPOSE_FILE (split on
// COMPOSE_PATH_SEPARATOR), COMPOSE_PROFILES and COMPOSE_PROJECT_NAME from the
// environment or the project's .env (the environment wins), --project-directory,
// a file in a parent directory with the .env beside it, --env-file repeated
// (later wins), and the project name rules.
#include <filesystem>
#include <fstream>
#include <iterator>
#include <nlohmann/json.hpp>

#include "tests/integration/expect.hpp"
#include "tests/integration/project_fixture.hpp"

namespace lit::test {
namespace {

constexpr const char* kFixtureCompose = R"(services:
  web:
    image: localhost/lit-test:latest
)";

class ProjectDiscoveryTest : public ProjectFixture {
 protected:
  void SetUp() override {
    ProjectFixture::SetUp();
    if (IsSkipped() || HasFatalFailure()) return;
    write(kFixtureCompose);
    tree_ = base_ / "tree";
    fs::create_directories(tree_);
  }

  static void put(const fs::path& file, const std::string& text) {
    fs::create_directories(file.parent_path());
    std::ofstream(file) << text;
  }

  // `lit args` run in `cwd` (no -f, no --project-directory unless in args).
  Result lit_in(const fs::path& cwd, const std::vector<std::string>& args,
                const std::vector<std::string>& env = {}) {
    std::vector<std::string> argv{"env",    "-C",           cwd.string(), LIT_BINARY,
                                  "--root", root_.string(), "--run-root", run_root_.string()};
    argv.insert(argv.end(), args.begin(), args.end());
    RunOptions o;
    o.extra_env = env;
    return run_process(argv, o);
  }

  // `lit config --format json` run in `cwd`, parsed.
  nlohmann::json config_in(const fs::path& cwd, const std::vector<std::string>& flags = {},
                           const std::vector<std::string>& env = {}) {
    std::vector<std::string> args = flags;
    args.insert(args.end(), {"config", "--format", "json"});
    Result r = lit_in(cwd, args, env);
    EXPECT_EQ(r.exit_code, 0) << r;
    return r.exit_code == 0 ? nlohmann::json::parse(r.out) : nlohmann::json::object();
  }

  static std::vector<std::string> services_of(const nlohmann::json& j) {
    std::vector<std::string> out;
    if (!j.contains("services")) return out;
    for (const auto& [k, _] : j.at("services").items()) out.push_back(k);
    return out;
  }

  fs::path tree_;
};

const char* service(const char* name) {
  static std::string text;
  text = std::string("services:\n  ") + name + ":\n    image: localhost/lit-test:latest\n";
  return text.c_str();
}

TEST_F(ProjectDiscoveryTest, ComposeFileIsAListSplitOnThePathSeparator) {
  put(tree_ / "a.yaml", service("alpha"));
  put(tree_ / "b.yaml", service("beta"));
  put(tree_ / "compose.yaml", service("ignored"));
  auto j = config_in(tree_, {}, {"COMPOSE_FILE=a.yaml:b.yaml"});
  EXPECT_EQ(services_of(j), (std::vector<std::string>{"alpha", "beta"}));
  j = config_in(tree_, {}, {"COMPOSE_FILE=a.yaml;b.yaml", "COMPOSE_PATH_SEPARATOR=;"});
  EXPECT_EQ(services_of(j), (std::vector<std::string>{"alpha", "beta"}));
  // -f wins over COMPOSE_FILE.
  j = config_in(tree_, {"-f", "b.yaml"}, {"COMPOSE_FILE=a.yaml"});
  EXPECT_EQ(services_of(j), (std::vector<std::string>{"beta"}));
}

TEST_F(ProjectDiscoveryTest, TheDotEnvSetsComposeVariablesAndTheEnvironmentWins) {
  put(tree_ / "a.yaml", R"(services:
  web:
    image: localhost/lit-test:latest
  debug:
    image: localhost/lit-test:latest
    profiles: [debug]
)");
  put(tree_ / ".env",
      "COMPOSE_FILE=a.yaml\nCOMPOSE_PROFILES=debug\nCOMPOSE_PROJECT_NAME=fromdotenv\n");
  auto j = config_in(tree_);
  EXPECT_EQ(j.value("name", ""), "fromdotenv");
  EXPECT_EQ(services_of(j), (std::vector<std::string>{"debug", "web"}));
  j = config_in(tree_, {}, {"COMPOSE_PROJECT_NAME=fromenv", "COMPOSE_PROFILES="});
  EXPECT_EQ(j.value("name", ""), "fromenv");
  EXPECT_EQ(services_of(j), (std::vector<std::string>{"web"}));
}

TEST_F(ProjectDiscoveryTest, ProjectDirectoryIsWhereTheFileAndDotEnvAreFound) {
  put(tree_ / "app" / "compose.yaml", R"(services:
  web:
    image: localhost/lit-test:latest
    environment:
      - GREETING=${GREETING}
    volumes: ["./data:/data"]
)");
  put(tree_ / "app" / ".env", "GREETING=from app\n");
  auto j = config_in(tree_, {"--project-directory", "app"});
  EXPECT_EQ(j.value("name", ""), "app");
  auto web = j["services"]["web"];
  EXPECT_EQ(web["environment"], nlohmann::json({{"GREETING", "from app"}})) << web.dump();
  EXPECT_EQ(web["volumes"][0]["source"], (tree_ / "app" / "data").string()) << web.dump();
}

TEST_F(ProjectDiscoveryTest, AFileInAParentDirectoryIsUsedWithTheDotEnvBesideIt) {
  fs::path top = tree_ / "My.Shop_1";
  put(top / "docker-compose.yml", R"(services:
  web:
    image: localhost/lit-test:latest
    environment:
      - GREETING=${GREETING}
    volumes: ["./data:/data"]
)");
  put(top / ".env", "GREETING=from the parent\n");
  fs::create_directories(top / "src" / "deep");
  auto j = config_in(top / "src" / "deep");
  // compose's name for a directory: lowercased, other characters dropped.
  EXPECT_EQ(j.value("name", ""), "myshop_1");
  EXPECT_EQ(j["services"]["web"]["volumes"][0]["source"], (top / "data").string());
  EXPECT_EQ(j["services"]["web"]["environment"], nlohmann::json({{"GREETING", "from the parent"}}));
}

TEST_F(ProjectDiscoveryTest, EnvFileIsRepeatableAndTheLaterWins) {
  put(tree_ / "compose.yaml", R"(services:
  web:
    image: localhost/lit-test:latest
    environment:
      - A=${A}
      - B=${B}
)");
  put(tree_ / "one.env", "A=one\nB=one\n");
  put(tree_ / "two.env", "B=two\n");
  auto j = config_in(tree_, {"--env-file", "one.env", "--env-file", "two.env"});
  EXPECT_EQ(j["services"]["web"]["environment"], nlohmann::json({{"A", "one"}, {"B", "two"}}));
}

TEST_F(ProjectDiscoveryTest, AnInvalidExplicitNameIsOneLineNamingTheRule) {
  put(tree_ / "compose.yaml", service("web"));
  const std::string rule =
      "must consist only of lowercase alphanumeric characters, hyphens, and underscores as well "
      "as start with a letter or number";
  Result r = lit_in(tree_, {"-p", "My Shop", "config"});
  EXPECT_NE(r.exit_code, 0) << r;
  EXPECT_EQ(r.err, "lit: invalid project name \"My Shop\": " + rule + "\n") << r;
  put(tree_ / "compose.yaml", std::string("name: Shop\n") + service("web"));
  r = lit_in(tree_, {"config"});
  EXPECT_NE(r.exit_code, 0) << r;
  EXPECT_EQ(r.err_lines().size(), 1u) << r;
  EXPECT_NE(r.err.find("invalid project name \"Shop\": " + rule), std::string::npos) << r;
}

// `lit config` prints a compose file: -o writes it (nothing on stdout), and
// the file it wrote loads back (lit -f FILE config) into the same output.
TEST_F(ProjectDiscoveryTest, ConfigOutputFileIsAComposeFileThatLoadsBack) {
  put(tree_ / "compose.yaml", R"(services:
  web:
    image: localhost/lit-test:latest
    ports: ["8080:80"]
    environment: ["COST=$$5", "COLOR=${COLOR:-blue}"]
    volumes: ["./data:/data", "cache:/cache"]
volumes:
  cache:
)");
  Result shown = lit_in(tree_, {"config"});
  ASSERT_EQ(shown.exit_code, 0) << shown;
  EXPECT_EQ(shown.err, "") << shown;
  Result r = lit_in(tree_, {"config", "-o", "out.yaml"});
  EXPECT_EQ(r.exit_code, 0) << r;
  EXPECT_EQ(r.out, "") << r;
  std::ifstream in(tree_ / "out.yaml");
  std::string written((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  EXPECT_EQ(written, shown.out);
  EXPECT_NE(written.find("        published: \"8080\"\n"), std::string::npos) << written;
  EXPECT_NE(written.find("      COST: $$5\n"), std::string::npos) << written;
  Result again = lit_in(tree_, {"-f", "out.yaml", "config"});
  ASSERT_EQ(again.exit_code, 0) << again;
  EXPECT_EQ(again.out, shown.out);
}

TEST_F(ProjectDiscoveryTest, ConfigSwitchesAndListings) {
  put(tree_ / "compose.yaml", R"(services:
  web:
    image: "localhost/lit-test:${TAG:-latest}"
    profiles: [web]
  debug:
    image: localhost/lit-test:latest
    profiles: [debug, tools]
)");
  Result r = lit_in(tree_, {"--profile", "web", "config", "--no-interpolate"});
  ASSERT_EQ(r.exit_code, 0) << r;
  EXPECT_NE(r.out.find("image: localhost/lit-test:${TAG:-latest}"), std::string::npos) << r;
  EXPECT_EQ(lit_in(tree_, {"config", "--profiles"}).out, "debug\ntools\nweb\n");
  r = lit_in(tree_, {"config", "--variables"});
  EXPECT_EQ(r.out,
            "NAME                REQUIRED            DEFAULT VALUE       ALTERNATE VALUE\n"
            "TAG                 false               latest              \n")
      << r;
  r = lit_in(tree_, {"config", "--environment"}, {"TAG=v1"});
  EXPECT_TRUE(contains_line_with(r.out, {"TAG=v1"})) << r;
  EXPECT_TRUE(contains_line_with(r.out, {"COMPOSE_PROJECT_NAME=tree"})) << r;
}

TEST_F(ProjectDiscoveryTest, ConfigOfNamedServicesHasThemAndTheirDependencies) {
  put(tree_ / "compose.yaml", R"(services:
  web:
    image: localhost/lit-test:latest
    depends_on: [api]
  api:
    image: localhost/lit-test:latest
  other:
    image: localhost/lit-test:latest
)");
  EXPECT_EQ(services_of(config_in(tree_, {})), (std::vector<std::string>{"api", "other", "web"}));
  Result r = lit_in(tree_, {"config", "--format", "json", "web"});
  ASSERT_EQ(r.exit_code, 0) << r;
  EXPECT_EQ(services_of(nlohmann::json::parse(r.out)), (std::vector<std::string>{"api", "web"}));
}

TEST_F(ProjectDiscoveryTest, ConfigErrorsAreOneLineAndNonZero) {
  put(tree_ / "compose.yaml", "services:\n  web:\n    image: \"${IMG:?set IMG}\"\n");
  Result r = lit_in(tree_, {"config"});
  EXPECT_NE(r.exit_code, 0) << r;
  EXPECT_EQ(r.out, "") << r;
  EXPECT_EQ(r.err_lines().size(), 1u) << r;
  EXPECT_NE(r.err.find("IMG"), std::string::npos) << r;
  r = lit_in(tree_, {"config", "-o", (tree_ / "no" / "such" / "dir.yaml").string()}, {"IMG=x"});
  EXPECT_NE(r.exit_code, 0) << r;
  EXPECT_EQ(r.err_lines().size(), 1u) << r;
  EXPECT_NE(r.err.find("-o "), std::string::npos) << r;
}

}  // namespace
}  // namespace lit::test
