#pragma once
// Assertions shared by the integration tests.
#include <gtest/gtest.h>

#include <chrono>
#include <functional>
#include <initializer_list>
#include <set>
#include <sstream>
#include <string>
#include <thread>

#include "tests/integration/sandbox.hpp"

namespace lit::test {

// The exit status of lit's own failure for a command line: docker's 125 for
// the `container`, `image` and `network` groups, compose's 1 for the rest.
inline int lit_failure_code(const std::vector<std::string>& argv) {
  static const std::set<std::string> with_value{
      "--root",         "--run-root",          "--log-level", "-f",        "--file",    "-p",
      "--project-name", "--project-directory", "--env-file",  "--profile", "--progress"};
  for (std::size_t i = 1; i < argv.size(); ++i) {
    if (with_value.contains(argv[i])) {
      ++i;
      continue;
    }
    if (argv[i].starts_with("-")) continue;
    const std::string& word = argv[i];
    return word == "container" || word == "image" || word == "network" ? 125 : 1;
  }
  return 1;
}

// lit's own failure as the contract defines it: its exit status
// (lit_failure_code) and exactly one "lit: ..." line on stderr (optionally
// followed by one "hint: ..." line) that mentions `mention` (the flag, file or
// image the user got wrong).
inline void expect_lit_error(const Result& r, const std::string& mention) {
  ASSERT_FALSE(r.argv.empty()) << "not a command's result";
  EXPECT_EQ(r.exit_code, lit_failure_code(r.argv)) << r;
  auto lines = r.err_lines();
  ASSERT_FALSE(lines.empty()) << "no error message\n" << r;
  EXPECT_TRUE(lines[0].starts_with("lit: ")) << r;
  EXPECT_NE(lines[0].find(mention), std::string::npos)
      << "error does not mention '" << mention << "'\n"
      << r;
  EXPECT_LE(lines.size(), 2u) << r;
  if (lines.size() == 2) {
    EXPECT_TRUE(lines[1].starts_with("hint: ")) << r;
  }
}

// True when one line of text contains every word.
inline bool contains_line_with(const std::string& text, std::initializer_list<std::string> words) {
  std::istringstream in(text);
  for (std::string line; std::getline(in, line);) {
    bool all = true;
    for (const auto& w : words) all = all && line.find(w) != std::string::npos;
    if (all) return true;
  }
  return false;
}

// GET url from the sandbox host (busybox wget, 3 s): the body, or "" when it fails.
inline std::string fetch(const std::string& url) {
  Result r = run_process({"busybox", "timeout", "3", "busybox", "wget", "-q", "-O", "-", url});
  return r.exit_code == 0 ? r.out : "";
}

// Retries `ok` until it holds or `timeout` passes: what a container does takes
// a moment to show. True when it held.
template <typename F>
bool eventually(F&& ok, std::chrono::milliseconds timeout = std::chrono::seconds(10)) {
  auto deadline = std::chrono::steady_clock::now() + timeout;
  while (!ok()) {
    if (std::chrono::steady_clock::now() > deadline) return false;
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
  return true;
}

}  // namespace lit::test
