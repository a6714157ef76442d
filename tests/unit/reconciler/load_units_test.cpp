// The loader's building blocks alone: interpolation, .env files, durations,
// sizes, shell words, merging, discovery, project names.
#include <gtest/gtest.h>

#include <filesystem>
#include <map>

#include "reconciler/load/dotenv.hpp"
#include "reconciler/load/interpolate.hpp"
#include "reconciler/load/load.hpp"
#include "reconciler/load/merge.hpp"
#include "reconciler/load/units.hpp"
#include "runtime/util/fs.hpp"
#include "tests/unit/error_of.hpp"

namespace lit::reconciler::load {
namespace {

using lit::testing::error_of;

Lookup env(std::map<std::string, std::string> m) {
  return [m](const std::string& k) -> std::optional<std::string> {
    auto it = m.find(k);
    return it == m.end() ? std::nullopt : std::optional<std::string>(it->second);
  };
}

TEST(Interpolate, AllForms) {
  auto e = env({{"A", "a"}, {"EMPTY", ""}});
  EXPECT_EQ(interpolate("${A}-$A-${A}b", e), "a-a-ab");
  EXPECT_EQ(interpolate("${EMPTY:-d} ${EMPTY-d} ${NO:-d} ${NO-d}", e), "d  d d");
  EXPECT_EQ(interpolate("${A:+alt}|${EMPTY:+alt}|${EMPTY+alt}|${NO+alt}", e), "alt||alt|");
  EXPECT_EQ(interpolate("$$A $${A} $1 100$", e), "$A ${A} $1 100$");
  EXPECT_EQ(interpolate("${NO:-${A:-x}/${NO2:-y}}", e), "a/y");
  EXPECT_EQ(interpolate("${A:?must}", e), "a");
}

TEST(Interpolate, ErrorsAndUnsetWarnings) {
  auto e = env({{"EMPTY", ""}});
  EXPECT_EQ(error_of([&] { interpolate("${NO:?set NO please}", e); }),
            "required variable NO is missing a value: set NO please");
  EXPECT_EQ(error_of([&] { interpolate("${EMPTY:?}", e); }),
            "required variable EMPTY is missing a value");
  EXPECT_EQ(error_of([&] { interpolate("${EMPTY?}", e); }), "");
  EXPECT_EQ(error_of([&] { interpolate("${A", e); }), "invalid interpolation format in '${A'");
  EXPECT_EQ(error_of([&] { interpolate("${1A}", e); }), "invalid interpolation format in '${1A}'");
  std::vector<std::string> unset;
  EXPECT_EQ(interpolate("x${U1}y$U2", e, [&](const std::string& n) { unset.push_back(n); }), "xy");
  EXPECT_EQ(unset, (std::vector<std::string>{"U1", "U2"}));
}

TEST(Dotenv, QuotesCommentsExportsAndReferences) {
  auto vars = parse_dotenv(
      "# c\n\nexport A=1\nB = two words # comment\nC='${A} literal'\nD=\"x\\ny ${A}\"\n"
      "E=${B}-${OUT}\nM=\"multi\nline\"\nBARE\n",
      ".env", env({{"OUT", "o"}, {"BARE", "from-env"}}));
  std::map<std::string, std::string> m(vars.begin(), vars.end());
  EXPECT_EQ(m.at("A"), "1");
  EXPECT_EQ(m.at("B"), "two words");
  EXPECT_EQ(m.at("C"), "${A} literal");
  EXPECT_EQ(m.at("D"), "x\ny 1");
  EXPECT_EQ(m.at("E"), "two words-o");
  EXPECT_EQ(m.at("M"), "multi\nline");
  EXPECT_EQ(m.at("BARE"), "from-env");
  EXPECT_EQ(error_of([] { parse_dotenv("A=1\nbad key=2\n", "x.env", env({})); }),
            "x.env:2: invalid variable name 'bad key'");
  EXPECT_EQ(error_of([] { parse_dotenv("A=\"open\n", "x.env", env({})); }),
            "x.env:1: unterminated quoted value for A");
}

TEST(Units, Durations) {
  EXPECT_EQ(parse_duration("1m30s"), 90000000000);
  EXPECT_EQ(parse_duration("1.5s"), 1500000000);
  EXPECT_EQ(parse_duration("250ms"), 250000000);
  EXPECT_EQ(parse_duration("2h"), 7200000000000);
  EXPECT_EQ(parse_duration("10us"), 10000);
  EXPECT_EQ(format_duration(90000000000), "1m30s");
  EXPECT_EQ(format_duration(3600000000000), "1h0m0s");
  EXPECT_EQ(format_duration(1500000000), "1.5s");
  EXPECT_EQ(format_duration(250000000), "250ms");
  EXPECT_EQ(format_duration(0), "0s");
  EXPECT_EQ(error_of([] { parse_duration("10"); }),
            "invalid duration '10' (expected e.g. 30s, 1m30s, 500ms)");
  EXPECT_NE(error_of([] { parse_duration("5x"); }), "");
}

TEST(Units, Sizes) {
  EXPECT_EQ(parse_bytes("512"), 512);
  EXPECT_EQ(parse_bytes("32m"), 32 << 20);
  EXPECT_EQ(parse_bytes("512M"), 512 << 20);
  EXPECT_EQ(parse_bytes("1GiB"), 1LL << 30);
  EXPECT_EQ(parse_bytes("64mb"), 64 << 20);
  EXPECT_EQ(parse_bytes("1.5k"), 1536);
  EXPECT_EQ(parse_bytes("10b"), 10);
  EXPECT_NE(error_of([] { parse_bytes("12q"); }), "");
  EXPECT_NE(error_of([] { parse_bytes("m"); }), "");
}

TEST(Units, ShellWords) {
  EXPECT_EQ(shell_words("python app.py"), (std::vector<std::string>{"python", "app.py"}));
  EXPECT_EQ(shell_words(R"(sh -c 'echo "hi there"' "a b" c\ d "x\"y")"),
            (std::vector<std::string>{"sh", "-c", "echo \"hi there\"", "a b", "c d", "x\"y"}));
  EXPECT_EQ(shell_words("  a   ''  "), (std::vector<std::string>{"a", ""}));
  EXPECT_EQ(error_of([] { shell_words("echo 'open"); }), "unterminated ' quote in 'echo 'open'");
}

Node yaml(const std::string& text) {
  Node n = parse_yaml(text, "t.yml");
  canonicalize_services(n);
  return n;
}

TEST(Merge, ComposeRules) {
  Node base = yaml(R"(
services:
  s:
    image: a
    command: [x, y]
    environment: [A=1, B=2]
    ports: ["80:80"]
    volumes: ["./a:/data", "v:/keep"]
    depends_on:
      db: {condition: service_healthy}
    healthcheck: {test: [CMD, a, b], interval: 5s}
)");
  Node over = yaml(R"(
services:
  s:
    image: b
    command: [z]
    environment: {B: "3"}
    ports: ["80:80", "443:443"]
    volumes: ["./b:/data"]
    depends_on: [cache]
    healthcheck: {test: [CMD, c]}
)");
  merge_into(base, over, "");
  const Node& s = *base.find("services")->find("s");
  EXPECT_EQ(s.find("image")->text, "b");
  ASSERT_EQ(s.find("command")->items.size(), 1u);
  EXPECT_EQ(s.find("environment")->find("A")->text, "1");
  EXPECT_EQ(s.find("environment")->find("B")->text, "3");
  EXPECT_EQ(s.find("ports")->items.size(), 2u);
  ASSERT_EQ(s.find("volumes")->items.size(), 2u);
  EXPECT_EQ(s.find("volumes")->items[0].text, "./b:/data");
  EXPECT_TRUE(s.find("depends_on")->find("db")->is_map());
  EXPECT_TRUE(s.find("depends_on")->find("cache"));
  EXPECT_EQ(s.find("healthcheck")->find("test")->items.size(), 2u);
  EXPECT_EQ(s.find("healthcheck")->find("interval")->text, "5s");
}

TEST(Tree, MarksAndErrors) {
  Node n = parse_yaml("a:\n  b: [1, 2]\n", "f.yml");
  const Node& b = *n.find("a")->find("b");
  EXPECT_EQ(b.items[1].loc.str(), "f.yml:2:10");
  EXPECT_EQ(error_of([] { parse_yaml("a: 1\na: 2\n", "f.yml"); }), "f.yml:2:1: duplicate key 'a'");
}

// Found by tests/fuzz/project_load_fuzz.cpp: an alias inside the node its
// anchor names made a cycle, and converting it overflowed the stack.
TEST(Tree, AliasInsideItsOwnAnchorIsAnError) {
  EXPECT_EQ(error_of([] { parse_yaml("x: &a\n  b:\n    <<: *a\n", "f.yml"); }),
            "f.yml:1:4: an alias inside this anchored node refers back to it");
  EXPECT_EQ(error_of([] { parse_yaml("x: &a [1, *a]\n", "f.yml"); }),
            "f.yml:1:4: an alias inside this anchored node refers back to it");
  Node n = parse_yaml("x: &a {k: v}\ny: [*a, *a]\nz: {<<: *a}\n", "f.yml");
  EXPECT_EQ(n.find("y")->items.size(), 2u) << "the same anchor twice, side by side, is fine";
  EXPECT_EQ(n.find("z")->find("k")->text, "v");
}

// Nine aliases of nine aliases ... of nine values: 9^7 nodes from 400 bytes
// made lit hang and run out of memory.
TEST(Tree, AliasBombIsAnError) {
  std::string text = "a: &a [x, x, x, x, x, x, x, x, x]\n";
  for (char c = 'b', prev = 'a'; c <= 'g'; prev = c++) {
    text += std::string(1, c) + ": &" + c + " [";
    for (int i = 0; i < 9; ++i) text += std::string(i ? ", *" : "*") + prev;
    text += "]\n";
  }
  EXPECT_EQ(error_of([&] { parse_yaml(text, "f.yml"); }),
            "f.yml: more than 250000 values once aliases are expanded");
}

TEST(Discovery, LitYmlFirstThenComposeWithOverride) {
  TempDir dir(std::filesystem::temp_directory_path(), "lit-load-");
  namespace fs = std::filesystem;
  write_file_atomic(dir.path() / "docker-compose.yml", "services: {}\n");
  write_file_atomic(dir.path() / "compose.override.yaml", "services: {}\n");
  EXPECT_EQ(discover_files(dir.path().string()),
            (std::vector<std::string>{(dir.path() / "docker-compose.yml").string(),
                                      (dir.path() / "compose.override.yaml").string()}));
  write_file_atomic(dir.path() / "compose.yaml", "services: {}\n");
  EXPECT_EQ(discover_files(dir.path().string()).front(), (dir.path() / "compose.yaml").string());
  write_file_atomic(dir.path() / "lit.yml", "services: {}\n");
  EXPECT_EQ(discover_files(dir.path().string()),
            (std::vector<std::string>{(dir.path() / "lit.yml").string()}));
  fs::create_directories(dir.path() / "a/b");
  EXPECT_EQ(discover_files((dir.path() / "a/b").string()).front(),
            (dir.path() / "lit.yml").string());
}

TEST(ProjectName, FromDirectory) {
  EXPECT_EQ(normalize_project_name("My_App.v2"), "my_appv2");
  EXPECT_EQ(normalize_project_name("-_x"), "x");
  EXPECT_EQ(normalize_project_name("..."), "");
}

TEST(Load, NoProjectFileIsAClearError) {
  TempDir dir(std::filesystem::temp_directory_path(), "lit-load-");
  LoadOptions o;
  o.files = {(dir.path() / "nope.yml").string()};
  o.environment = env({});
  EXPECT_EQ(error_of([&] { load_project(o); }),
            "-f " + (dir.path() / "nope.yml").string() + ": no such file");
}

TEST(Load, StrictTurnsWarningsIntoErrorsButNotVersion) {
  TempDir dir(std::filesystem::temp_directory_path(), "lit-load-");
  write_file_atomic(dir.path() / "lit.yml",
                    "version: '3'\nname: x\nservices: {a: {image: i, oom_score_adj: 5}}\n");
  LoadOptions o;
  o.working_dir = dir.path().string();
  o.environment = env({});
  Project p = load_project(o);
  EXPECT_EQ(p.warnings,
            (std::vector<std::string>{
                "lit.yml:1:1: version: obsolete, ignored",
                "lit.yml:3:26: services.a.oom_score_adj: not supported by lit, ignored"}));
  o.strict = true;
  EXPECT_EQ(error_of([&] { load_project(o); }),
            "lit.yml:3:26: services.a.oom_score_adj: not supported by lit (--strict)");
}

TEST(Load, ComposeFileFromTheEnvironmentOrDotEnvSplitOnTheSeparator) {
  TempDir dir(std::filesystem::temp_directory_path(), "lit-load-");
  write_file_atomic(dir.path() / "a.yml", "services: {a: {image: i}}\n");
  write_file_atomic(dir.path() / "b.yml", "services: {b: {image: i}}\n");
  write_file_atomic(dir.path() / "compose.yaml", "services: {c: {image: i}}\n");
  LoadOptions o;
  o.working_dir = dir.path().string();
  o.environment = env({{"COMPOSE_FILE", "a.yml;b.yml"}, {"COMPOSE_PATH_SEPARATOR", ";"}});
  EXPECT_EQ(load_project(o).files, (std::vector<std::string>{(dir.path() / "a.yml").string(),
                                                             (dir.path() / "b.yml").string()}));
  write_file_atomic(dir.path() / ".env", "COMPOSE_FILE=b.yml\n");
  o.environment = env({});
  Project p = load_project(o);
  EXPECT_EQ(p.services.size(), 1u);
  EXPECT_TRUE(p.services.count("b"));
  o.environment = env({{"COMPOSE_FILE", "missing.yml"}});
  EXPECT_EQ(error_of([&] { load_project(o); }), "COMPOSE_FILE missing.yml: no such file");
}

TEST(Load, ProjectDirectoryIsWhereDiscoveryStarts) {
  TempDir dir(std::filesystem::temp_directory_path(), "lit-load-");
  std::filesystem::create_directories(dir.path() / "app");
  write_file_atomic(dir.path() / "app" / "compose.yaml", "services: {a: {image: i}}\n");
  LoadOptions o;
  o.working_dir = dir.path().string();
  o.project_dir = "app";
  o.environment = env({});
  Project p = load_project(o);
  EXPECT_EQ(p.files, (std::vector<std::string>{(dir.path() / "app" / "compose.yaml").string()}));
  EXPECT_EQ(p.name, "app");
}

// Compose reads only the env files of the services a command uses: `ps`,
// `logs`, `down` (no service) and `up api` load despite web's missing file.
TEST(Load, AMissingEnvFileBreaksOnlyTheCommandsThatUseItsService) {
  TempDir dir(std::filesystem::temp_directory_path(), "lit-load-");
  write_file_atomic(dir.path() / "compose.yaml",
                    "services:\n"
                    "  web: {image: i, env_file: web.env}\n"
                    "  api: {image: i, env_file: api.env, depends_on: [db]}\n"
                    "  db: {image: i}\n");
  write_file_atomic(dir.path() / "api.env", "A=1\n");
  LoadOptions o;
  o.working_dir = dir.path().string();
  o.environment = env({});
  std::string missing = "compose.yaml:2:29: services.web.env_file[0]: cannot read env file " +
                        (dir.path() / "web.env").string();
  for (const auto& selection : std::vector<std::vector<std::string>>{{}, {"api"}, {"db"}}) {
    o.env_file_services = selection;
    Project p = load_project(o);
    EXPECT_EQ(p.services.at("web").missing_env_files, std::vector<std::string>{missing});
    EXPECT_EQ(p.services.at("api").environment, std::vector<std::string>{"A=1"});
  }
  o.env_file_services = std::vector<std::string>{"web"};
  EXPECT_EQ(error_of([&] { load_project(o); }),
            missing + " (set required: false to make it optional)");
  o.env_file_services.reset();  // every service: up, config
  EXPECT_EQ(error_of([&] { load_project(o); }),
            missing + " (set required: false to make it optional)");
}

TEST(Load, AShellVariableWinsOverDotEnvInInterpolation) {
  TempDir dir(std::filesystem::temp_directory_path(), "lit-load-");
  write_file_atomic(dir.path() / "compose.yaml", "services: {a: {image: \"i:${TAG}\"}}\n");
  write_file_atomic(dir.path() / ".env", "TAG=from-dotenv\n");
  LoadOptions o;
  o.working_dir = dir.path().string();
  o.environment = env({});
  EXPECT_EQ(load_project(o).services.at("a").image, "i:from-dotenv");
  o.environment = env({{"TAG", "from-shell"}});
  EXPECT_EQ(load_project(o).services.at("a").image, "i:from-shell");
  o.environment = env({{"TAG", ""}});  // set, even empty, it still wins
  EXPECT_EQ(load_project(o).services.at("a").image, "i:");
}

TEST(DotEnv, RawFormatTakesValuesLiterally) {
  auto read = parse_raw_env("# c\nA=\"q\" # x\nB=${X}\n\nC='s'\nD=\nE=a=b\r\nF\n", "raw.env",
                            env({{"X", "x"}, {"F", "from-env"}}));
  EXPECT_EQ(read, (EnvList{{"A", "\"q\" # x"},
                           {"B", "${X}"},
                           {"C", "'s'"},
                           {"D", ""},
                           {"E", "a=b"},
                           {"F", "from-env"}}));
  EXPECT_EQ(error_of([] { parse_raw_env("BAD KEY=1\n", "raw.env", env({})); }),
            "raw.env:1: invalid variable name 'BAD KEY'");
}

TEST(ProjectName, AnInvalidNameIsComposesError) {
  EXPECT_TRUE(valid_project_name("shop_1-a"));
  EXPECT_FALSE(valid_project_name("Shop"));
  EXPECT_FALSE(valid_project_name("_shop"));
  EXPECT_EQ(error_of([] { check_project_name("Shop"); }),
            "invalid project name \"Shop\": must consist only of lowercase alphanumeric "
            "characters, hyphens, and underscores as well as start with a letter or number");
}

}  // namespace
}  // namespace lit::reconciler::load
