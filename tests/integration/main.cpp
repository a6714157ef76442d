// The integration tests' main: each test runs as its own process (ctest runs
// one TEST per process), so entering namespaces here gives one sandbox per test.
#include <gtest/gtest.h>
#include <unistd.h>

#include <csignal>
#include <cstdio>
#include <exception>

#include "tests/integration/sandbox.hpp"

int main(int argc, char** argv) {
  ::testing::InitGoogleTest(&argc, argv);
  // Listing tests (ctest discovery) needs no sandbox; without root, tests skip.
  if (!GTEST_FLAG_GET(list_tests) && geteuid() == 0) {
    try {
      lit::test::enter_sandbox();
    } catch (const std::exception& e) {
      std::fprintf(stderr, "integration sandbox: %s\n", e.what());
      return 1;
    }
  }
  // A container that closes stdin early must not kill the test runner.
  std::signal(SIGPIPE, SIG_IGN);
  return RUN_ALL_TESTS();
}
