#pragma once
// Fixture for project (compose file) tests: the test image loaded, a project
// directory with its compose.yaml, `project(...)` running lit on it, and a
// `down -v` at the end before the leak check.
#include <fstream>
#include <map>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "tests/integration/expect.hpp"
#include "tests/integration/sandbox.hpp"

namespace lit::test {

class ProjectFixture : public LitTest {
 protected:
  void SetUp() override {
    LitTest::SetUp();
    if (IsSkipped() || HasFatalFailure()) return;
    load_test_image();
    dir_ = base_ / "shop";
    fs::create_directories(dir_);
  }

  void TearDown() override {
    if (!IsSkipped()) project({"down", "-v", "-t", "1"});
    LitTest::TearDown();
  }

  void write(const std::string& text) { std::ofstream(dir_ / "compose.yaml") << text; }

  // The lit command line for args on this project, for run_process and friends.
  std::vector<std::string> project_argv(const std::vector<std::string>& args) const {
    std::vector<std::string> full{LIT_BINARY,
                                  "--root",
                                  root_.string(),
                                  "--run-root",
                                  run_root_.string(),
                                  "--project-directory",
                                  dir_.string(),
                                  "-f",
                                  (dir_ / "compose.yaml").string()};
    full.insert(full.end(), args.begin(), args.end());
    return full;
  }

  // `lit --project-directory DIR -f DIR/compose.yaml args...`
  Result project(const std::vector<std::string>& args, const std::vector<std::string>& env = {},
                 RunOptions o = {}) {
    o.extra_env.insert(o.extra_env.end(), env.begin(), env.end());
    return project_with(args, o);
  }

  Result project_with(const std::vector<std::string>& args, const RunOptions& o) {
    std::vector<std::string> full{"--project-directory", dir_.string(), "-f",
                                  (dir_ / "compose.yaml").string()};
    full.insert(full.end(), args.begin(), args.end());
    return lit(full, o);
  }

  // service -> container id, from `lit ps -a --format json` (one-offs too).
  std::map<std::string, std::string> ids() {
    std::map<std::string, std::string> out;
    for (const auto& line : project({"ps", "-a", "--format", "json"}).out_lines()) {
      auto j = nlohmann::json::parse(line);
      out[j.at("Service")] = j.at("ID");
    }
    return out;
  }

  // container name -> `ps -a --format json` object.
  std::map<std::string, nlohmann::json> ps_all() {
    std::map<std::string, nlohmann::json> out;
    for (const auto& line : project({"ps", "-a", "--format", "json"}).out_lines()) {
      auto j = nlohmann::json::parse(line);
      out[j.at("Name")] = j;
    }
    return out;
  }

  // container name -> its State ("running", "created"...) in `ps -a`.
  std::map<std::string, std::string> states() {
    std::map<std::string, std::string> out;
    for (const auto& [name, j] : ps_all()) out[name] = j.at("State");
    return out;
  }

  fs::path dir_;
};

}  // namespace lit::test
