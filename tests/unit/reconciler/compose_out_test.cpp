// `lit config`'s compose file: golden texts (golden_config/<case>/compose.yaml
// -> expected.yaml, the case's directory shown as $CASE; options.json sets the
// environment and profiles; LIT_GOLDEN_UPDATE=1 rewrites them), the round trip
// (the output loads back into the same services, with the same config hashes)
// over those cases and every valid loader golden case, and the output switches.
#include "reconciler/compose_out.hpp"

#include <gtest/gtest.h>
#include <stdlib.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
#include <sstream>

#include "reconciler/hash.hpp"
#include "reconciler/load/load.hpp"
#include "reconciler/yaml_out.hpp"

namespace lit::reconciler {
namespace {

namespace fs = std::filesystem;
using nlohmann::json;
using ojson = nlohmann::ordered_json;

const fs::path kCases = fs::path(LIT_SOURCE_DIR) / "tests/unit/reconciler/golden_config";
const fs::path kLoaderCases = fs::path(LIT_SOURCE_DIR) / "tests/unit/reconciler/golden";

std::string slurp(const fs::path& p) {
  std::ifstream in(p);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

std::vector<std::string> cases(const fs::path& root, const char* needs) {
  std::vector<std::string> out;
  for (const auto& e : fs::directory_iterator(root))
    if (e.is_directory() && fs::exists(e.path() / needs)) out.push_back(e.path().filename());
  std::sort(out.begin(), out.end());
  return out;
}

LoadOptions options_for(const fs::path& dir) {
  json o =
      fs::exists(dir / "options.json") ? json::parse(slurp(dir / "options.json")) : json::object();
  LoadOptions opts;
  opts.working_dir = (dir / o.value("working_dir", ".")).lexically_normal().string();
  opts.files = o.value("files", std::vector<std::string>{});
  opts.project_name = o.value("project_name", "");
  opts.profiles = o.value("profiles", std::vector<std::string>{});
  opts.services = o.value("services", std::vector<std::string>{});
  opts.env_files = o.value("env_files", std::vector<std::string>{});
  if (o.contains("env_file_services"))
    opts.env_file_services = o["env_file_services"].get<std::vector<std::string>>();
  auto env = o.value("env", std::map<std::string, std::string>{});
  env.emplace("HOME", "/home/user");
  opts.environment = [env](const std::string& k) -> std::optional<std::string> {
    auto it = env.find(k);
    return it == env.end() ? std::nullopt : std::optional<std::string>(it->second);
  };
  return opts;
}

std::string replace_all(std::string s, const std::string& from, const std::string& to) {
  for (std::size_t pos = 0; (pos = s.find(from, pos)) != std::string::npos; pos += to.size())
    s.replace(pos, from.size(), to);
  return s;
}

ojson config_of(const LoadOptions& o, ComposeOutOptions out = {}) {
  RawProject raw = load_raw(o, true);
  out.extensions = raw.extensions;
  out.written = raw.tree;
  return compose_tree(load_project(o), out);
}

class ConfigGolden : public ::testing::TestWithParam<std::string> {};

TEST_P(ConfigGolden, PrintsWhatComposePrints) {
  fs::path dir = kCases / GetParam();
  ojson tree = config_of(options_for(dir));
  std::string yaml = replace_all(to_yaml(tree), dir.string(), "$CASE");
  std::string json_text = replace_all(compose_json_text(tree), dir.string(), "$CASE");
  if (std::getenv("LIT_GOLDEN_UPDATE")) {
    std::ofstream(dir / "expected.yaml") << yaml;
    if (fs::exists(dir / "expected.json")) std::ofstream(dir / "expected.json") << json_text;
  }
  EXPECT_EQ(yaml, slurp(dir / "expected.yaml"));
  // --format json: the same object.
  EXPECT_EQ(json::parse(compose_json_text(tree)), json::parse(tree.dump()));
  if (fs::exists(dir / "expected.json")) {
    EXPECT_EQ(json_text, slurp(dir / "expected.json"));
  }
}

INSTANTIATE_TEST_SUITE_P(Config, ConfigGolden, ::testing::ValuesIn(cases(kCases, "compose.yaml")),
                         [](const auto& param_info) { return param_info.param; });

// A fresh directory under the temporary directory, removed at the end.
struct TempDir {
  fs::path path;
  TempDir() {
    std::string tmpl = (fs::temp_directory_path() / "lit-config-XXXXXX").string();
    path = ::mkdtemp(tmpl.data());
  }
  ~TempDir() {
    std::error_code ec;
    fs::remove_all(path, ec);
  }
};

// What a service's containers are made of, minus what the output folds away:
// env_file paths (their values are in `environment`, as compose's output) and
// the shorthand's filesystem.copy (no compose form).
json model_of(Service s) {
  s.env_files.clear();
  s.copy.clear();
  return to_json(s);
}

void expect_round_trip(const fs::path& dir) {
  LoadOptions o = options_for(dir);
  Project first = load_project(o);
  TempDir tmp;
  std::ofstream(tmp.path / "compose.yaml") << to_yaml(config_of(o));
  LoadOptions again;
  again.working_dir = tmp.path.string();
  again.environment = o.environment;
  again.profiles = o.profiles;  // the output keeps each service's profiles, as compose's
  again.services = o.services;
  again.env_file_services = o.env_file_services;
  Project second = load_project(again);
  EXPECT_EQ(second.name, first.name);
  ASSERT_EQ(second.services.size(), first.services.size());
  for (const auto& [name, s] : first.services) {
    ASSERT_TRUE(second.services.contains(name)) << name;
    json want = model_of(s), got = model_of(second.services.at(name));
    EXPECT_EQ(got, want) << name << ": " << json::diff(want, got).dump(2);
    EXPECT_EQ(config_hash(got, {}), config_hash(want, {})) << name;
  }
  EXPECT_EQ(second.networks, first.networks);
  EXPECT_EQ(second.volumes, first.volumes);
  EXPECT_EQ(second.secrets, first.secrets);
  EXPECT_EQ(second.configs, first.configs);
}

class ConfigRoundTrip : public ::testing::TestWithParam<std::string> {};

TEST_P(ConfigRoundTrip, LoadsBackIntoTheSameServices) {
  std::string c = GetParam();
  expect_round_trip(c.starts_with("loader/") ? kLoaderCases / c.substr(7) : kCases / c);
}

std::vector<std::string> round_trip_cases() {
  std::vector<std::string> out = cases(kCases, "compose.yaml");
  for (const auto& c : cases(kLoaderCases, "expected.json")) out.push_back("loader/" + c);
  return out;
}

INSTANTIATE_TEST_SUITE_P(Config, ConfigRoundTrip, ::testing::ValuesIn(round_trip_cases()),
                         [](const auto& param_info) {
                           return replace_all(param_info.param, "/", "_");
                         });

}  // namespace
}  // namespace lit::reconciler
