#pragma once
// Fixture for `lit container run` tests: the busybox test image is loaded in
// every test's private store, and sh() runs a script in a --rm container.
#include <string>
#include <vector>

#include "tests/integration/expect.hpp"
#include "tests/integration/sandbox.hpp"

namespace lit::test {

class RunTest : public LitTest {
 protected:
  void SetUp() override {
    LitTest::SetUp();
    if (IsSkipped() || HasFatalFailure()) return;
    load_test_image();
  }

  // `lit container run --rm FLAGS... IMAGE sh -c SCRIPT`
  Result sh(const std::string& script, std::vector<std::string> flags = {},
            const RunOptions& opts = {}) {
    std::vector<std::string> args{"--rm"};
    args.insert(args.end(), flags.begin(), flags.end());
    args.insert(args.end(), {kTestImage, "sh", "-c", script});
    return run(args, opts);
  }

  // `lit container run -d FLAGS... IMAGE sh -c SCRIPT`: the new container's id,
  // or "" after reporting the failure.
  std::string detach_sh(const std::string& script, std::vector<std::string> flags = {}) {
    std::vector<std::string> args{"-d"};
    args.insert(args.end(), flags.begin(), flags.end());
    args.insert(args.end(), {kTestImage, "sh", "-c", script});
    Result r = run(args);
    EXPECT_EQ(r.exit_code, 0) << r;
    auto lines = r.out_lines();
    EXPECT_EQ(lines.size(), 1u) << r;
    return r.exit_code == 0 && lines.size() == 1 ? lines[0] : "";
  }
};

}  // namespace lit::test
