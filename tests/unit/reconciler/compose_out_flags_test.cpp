// What each `lit config` switch changes, on small projects written to a
// temporary directory: --no-normalize, --no-path-resolution, --no-interpolate,
// --no-consistency, --profiles, --environment (the loader side of them), and
// compose's scalar forms (durations, `$` escaping).
#include <gtest/gtest.h>
#include <stdlib.h>

#include <filesystem>
#include <fstream>

#include "reconciler/compose_out.hpp"
#include "reconciler/load/load.hpp"
#include "reconciler/yaml_out.hpp"
#include "runtime/util/error.hpp"

namespace lit::reconciler {
namespace {

namespace fs = std::filesystem;

class ConfigFlags : public ::testing::Test {
 protected:
  void SetUp() override {
    std::string tmpl = (fs::temp_directory_path() / "lit-config-XXXXXX").string();
    dir_ = fs::path(::mkdtemp(tmpl.data())) / "proj";
    fs::create_directories(dir_);
  }
  void TearDown() override {
    std::error_code ec;
    fs::remove_all(dir_.parent_path(), ec);
  }
  void write(const std::string& name, const std::string& text) {
    std::ofstream(dir_ / name) << text;
  }
  LoadOptions options() const {
    LoadOptions o;
    o.working_dir = dir_.string();
    o.environment = [this](const std::string& k) -> std::optional<std::string> {
      auto it = env_.find(k);
      return it == env_.end() ? std::nullopt : std::optional<std::string>(it->second);
    };
    return o;
  }
  std::string config(ComposeOutOptions out = {}) {
    RawProject raw = load_raw(options(), true);
    out.extensions = raw.extensions;
    out.written = raw.tree;
    return to_yaml(compose_tree(load_project(options()), out));
  }
  std::string shown(std::string s) const {
    for (std::size_t pos; (pos = s.find(dir_.string())) != std::string::npos;)
      s.replace(pos, dir_.string().size(), "$DIR");
    return s;
  }

  fs::path dir_;
  std::map<std::string, std::string> env_;
};

constexpr const char* kSmall = R"(name: small
services:
  web:
    build: .
    volumes:
      - data:/data
      - ./html:/usr/share/nginx/html
volumes:
  data:
)";

TEST_F(ConfigFlags, DefaultIsNormalizedWithAbsolutePaths) {
  write("compose.yaml", kSmall);
  EXPECT_EQ(shown(config()),
            "name: small\n"
            "services:\n"
            "  web:\n"
            "    build:\n"
            "      context: $DIR\n"
            "      dockerfile: Dockerfile\n"
            "    networks:\n"
            "      default: null\n"
            "    volumes:\n"
            "      - type: volume\n"
            "        source: data\n"
            "        target: /data\n"
            "        volume: {}\n"
            "      - type: bind\n"
            "        source: $DIR/html\n"
            "        target: /usr/share/nginx/html\n"
            "        bind:\n"
            "          create_host_path: true\n"
            "networks:\n"
            "  default:\n"
            "    name: small_default\n"
            "volumes:\n"
            "  data:\n"
            "    name: small_data\n");
}

TEST_F(ConfigFlags, NoNormalizeLeavesOutWhatNormalizationAdds) {
  write("compose.yaml", kSmall);
  ComposeOutOptions o;
  o.normalize = false;
  std::string out = shown(config(o));
  EXPECT_EQ(out.find("networks"), std::string::npos) << out;
  EXPECT_EQ(out.find("name: small_data"), std::string::npos) << out;
  EXPECT_EQ(out.find("dockerfile"), std::string::npos) << out;
  EXPECT_NE(out.find("  data: {}\n"), std::string::npos) << out;
}

TEST_F(ConfigFlags, NoPathResolutionKeepsPathsRelativeToTheProject) {
  write("compose.yaml", kSmall);
  ComposeOutOptions o;
  o.resolve_paths = false;
  std::string out = shown(config(o));
  EXPECT_NE(out.find("      context: .\n"), std::string::npos) << out;
  EXPECT_NE(out.find("        source: ./html\n"), std::string::npos) << out;
  EXPECT_EQ(out.find("$DIR"), std::string::npos) << out;
}

TEST_F(ConfigFlags, NoInterpolateKeepsVariablesAsWritten) {
  write("compose.yaml", R"(services:
  web:
    image: "nginx:${TAG:-latest}"
    ports: ["${PORT:?set PORT}:80"]
    environment:
      COST: $$5
)");
  RawProject raw = load_raw(options(), false);
  EXPECT_EQ(to_yaml(raw.tree),
            "name: proj\n"
            "services:\n"
            "  web:\n"
            "    image: nginx:${TAG:-latest}\n"
            "    ports:\n"
            "      - ${PORT:?set PORT}:80\n"
            "    environment:\n"
            "      COST: $$5\n");
  // Interpolated, the same project needs PORT.
  EXPECT_THROW(load_project(options()), Error);
}

TEST_F(ConfigFlags, NoConsistencyAllowsADependencyOnAMissingService) {
  write("compose.yaml", "services:\n  web:\n    image: x\n    depends_on: [db]\n");
  EXPECT_THROW(load_project(options()), Error);
  LoadOptions o = options();
  o.consistency = false;
  EXPECT_EQ(load_project(o).services.at("web").depends_on.count("db"), 1u);
}

TEST_F(ConfigFlags, ProfilesListsEveryServicesProfiles) {
  write("compose.yaml", R"(services:
  web: {image: x}
  debug: {image: x, profiles: [debug, tools]}
  admin: {image: x, profiles: [admin]}
)");
  RawProject raw = load_raw(options(), true);
  EXPECT_EQ(raw.profiles, (std::set<std::string>{"admin", "debug", "tools"}));
  // Only the active services are in the tree.
  EXPECT_EQ(raw.tree["services"].size(), 1u);
}

TEST_F(ConfigFlags, EnvironmentIsTheDotEnvUnderTheProcessEnvironment) {
  write("compose.yaml", "services:\n  web: {image: x}\n");
  write(".env", "A=from-dotenv\nB=also\n");
  env_["A"] = "from-shell";
  RawProject raw = load_raw(options(), true);
  EXPECT_EQ(raw.environment,
            (std::map<std::string, std::string>{
                {"A", "from-shell"}, {"B", "also"}, {"COMPOSE_PROJECT_NAME", "proj"}}));
}

TEST_F(ConfigFlags, ExtensionsAreKeptWhereTheyWereWritten) {
  write("compose.yaml", R"(x-top: {a: 1}
services:
  web:
    image: x
    x-note: "hi"
volumes:
  data:
    x-backup: true
)");
  std::string out = config();
  EXPECT_NE(out.find("    x-note: hi\n"), std::string::npos) << out;
  EXPECT_NE(out.find("    x-backup: true\n"), std::string::npos) << out;
  EXPECT_NE(out.find("x-top:\n  a: 1\n"), std::string::npos) << out;
}

TEST(ComposeScalars, DurationsAsGoPrintsThem) {
  EXPECT_EQ(go_duration(0), "0s");
  EXPECT_EQ(go_duration(30'000'000'000), "30s");
  EXPECT_EQ(go_duration(90'000'000'000), "1m30s");
  EXPECT_EQ(go_duration(3'600'000'000'000), "1h0m0s");
  EXPECT_EQ(go_duration(1'500'000'000), "1.5s");
  EXPECT_EQ(go_duration(500'000'000), "500ms");
  EXPECT_EQ(go_duration(1'500'000), "1.5ms");
  EXPECT_EQ(go_duration(2'000), "2\u00b5s");
  EXPECT_EQ(go_duration(7), "7ns");
}

TEST(ComposeScalars, DollarsAreEscapedInKeysAndValues) {
  nlohmann::ordered_json j = {{"a$", {"x$y", 1}}, {"b", "$$"}};
  escape_dollars(j);
  EXPECT_EQ(j.dump(), R"({"a$$":["x$$y",1],"b":"$$$$"})");
}

}  // namespace
}  // namespace lit::reconciler
