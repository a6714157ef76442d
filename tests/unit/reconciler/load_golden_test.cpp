// Golden tests of the loader: each directory under golden/ is a project. A
// valid one holds expected.json (the normalized project, its directory shown as
// $CASE); an invalid one holds expected_error.txt (the exact one-line error).
// options.json sets LoadOptions (files, project_name, profiles, services,
// env_files, env_file_services, strict, working_dir) and the environment ("env"); nothing comes
// from the real environment. LIT_GOLDEN_UPDATE=1 rewrites the expected files.
#include <gtest/gtest.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
#include <sstream>

#include "reconciler/load/load.hpp"
#include "runtime/util/error.hpp"

namespace lit::reconciler {
namespace {

namespace fs = std::filesystem;
using nlohmann::json;

const fs::path kGolden = fs::path(LIT_SOURCE_DIR) / "tests/unit/reconciler/golden";

std::string slurp(const fs::path& p) {
  std::ifstream in(p);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

std::vector<std::string> cases() {
  std::vector<std::string> out;
  for (const auto& e : fs::directory_iterator(kGolden))
    if (e.is_directory()) out.push_back(e.path().filename().string());
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
  opts.strict = o.value("strict", false);
  if (o.contains("env_file_services"))
    opts.env_file_services = o["env_file_services"].get<std::vector<std::string>>();
  std::map<std::string, std::string> env = o.value("env", std::map<std::string, std::string>{});
  env.emplace("HOME", "/home/user");
  opts.environment = [env](const std::string& k) -> std::optional<std::string> {
    auto it = env.find(k);
    return it == env.end() ? std::nullopt : std::optional<std::string>(it->second);
  };
  return opts;
}

// Replaces the case's absolute directory with $CASE in every string.
void relativize(json& j, const std::string& dir) {
  if (j.is_string()) {
    std::string s = j.get<std::string>();
    for (std::size_t pos; (pos = s.find(dir)) != std::string::npos;)
      s.replace(pos, dir.size(), "$CASE");
    j = s;
  } else if (j.is_array() || j.is_object()) {
    for (auto& v : j) relativize(v, dir);
  }
}

class Golden : public ::testing::TestWithParam<std::string> {};

TEST_P(Golden, MatchesExpected) {
  fs::path dir = kGolden / GetParam();
  bool update = std::getenv("LIT_GOLDEN_UPDATE") != nullptr;
  std::string error;
  json got;
  try {
    got = to_json(load_project(options_for(dir)));
    relativize(got, dir.string());
  } catch (const lit::Error& e) {
    error = e.what();
    std::string d = dir.string();
    for (std::size_t pos; (pos = error.find(d)) != std::string::npos;)
      error.replace(pos, d.size(), "$CASE");
  }
  if (update) {
    if (error.empty())
      std::ofstream(dir / "expected.json") << got.dump(2) << "\n";
    else
      std::ofstream(dir / "expected_error.txt") << error << "\n";
  }
  if (fs::exists(dir / "expected_error.txt")) {
    std::string want = slurp(dir / "expected_error.txt");
    while (!want.empty() && want.back() == '\n') want.pop_back();
    EXPECT_EQ(error, want);
    return;
  }
  ASSERT_EQ(error, "") << "expected a valid project";
  ASSERT_TRUE(fs::exists(dir / "expected.json")) << "missing expected.json";
  json want = json::parse(slurp(dir / "expected.json"));
  EXPECT_EQ(got, want) << "diff (expected -> got): " << json::diff(want, got).dump(2);
}

INSTANTIATE_TEST_SUITE_P(Loader, Golden, ::testing::ValuesIn(cases()),
                         [](const auto& param_info) { return param_info.param; });

}  // namespace
}  // namespace lit::reconciler
