// Golden tests of `lit convert kubernetes` (reconciler/kube): the demo
// lit.yml, each examples/ project and the golden_kube/ projects, converted
// with a fixed environment; golden_kube/<case>.yaml is the YAML stream and
// <case>.findings the findings, one per line, compared byte for byte. The
// config hash annotation is shown as <hash>: it covers the project's absolute
// paths, which differ between checkouts (kube_convert_test checks its value).
// LIT_GOLDEN_UPDATE=1 rewrites the expected files; review the diff.
#include <gtest/gtest.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <regex>
#include <sstream>

#include "reconciler/kube/convert.hpp"
#include "reconciler/load/load.hpp"
#include "tests/unit/reconciler/kube_cases.hpp"

namespace lit::reconciler::kube {
namespace {

namespace fs = std::filesystem;

std::string slurp(const fs::path& p) {
  std::ifstream in(p);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

class KubeGolden : public ::testing::TestWithParam<KubeCase> {};

TEST_P(KubeGolden, MatchesExpected) {
  const KubeCase& c = GetParam();
  Conversion conversion = convert_case(c);
  std::string stream =
      std::regex_replace(to_stream(conversion), std::regex("lit.config-hash: [0-9a-f]{64}"),
                         "lit.config-hash: <hash>");
  std::string findings;
  for (const auto& f : conversion.findings) findings += f.text() + "\n";
  fs::path dir = fs::path(LIT_SOURCE_DIR) / "tests/unit/reconciler/golden_kube";
  if (std::getenv("LIT_GOLDEN_UPDATE")) {
    std::ofstream(dir / (c.name + ".yaml")) << stream;
    std::ofstream(dir / (c.name + ".findings")) << findings;
  }
  EXPECT_EQ(stream, slurp(dir / (c.name + ".yaml")));
  EXPECT_EQ(findings, slurp(dir / (c.name + ".findings")));
}

INSTANTIATE_TEST_SUITE_P(Convert, KubeGolden, ::testing::ValuesIn(kube_cases()),
                         [](const auto& param_info) { return param_info.param.name; });

}  // namespace
}  // namespace lit::reconciler::kube
