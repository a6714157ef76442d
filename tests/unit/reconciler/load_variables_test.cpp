// `lit config --variables`: the variables of the files as written.
#include <gtest/gtest.h>

#include "reconciler/load/variables.hpp"

namespace lit::reconciler::load {
namespace {

TEST(Variables, EveryFormWithItsDefaultRequiredAndAlternate) {
  nlohmann::ordered_json tree = {{"services",
                                  {{"web",
                                    {{"image", "nginx:${TAG:-latest}"},
                                     {"ports", {"${PORT?need a port}:80", "$$HOST"}},
                                     {"environment",
                                      {{"A", "$PLAIN and ${BRACED}"},
                                       {"B", "${OPT:+on}"},
                                       {"C", "${DASH-x}"},
                                       {"D", "${OUTER:-${INNER:?inner}}"}}}}}}}};
  auto vars = extract_variables(tree);
  std::vector<std::string> names;
  for (const auto& [n, _] : vars) names.push_back(n);
  EXPECT_EQ(names, (std::vector<std::string>{"BRACED", "DASH", "INNER", "OPT", "OUTER", "PLAIN",
                                             "PORT", "TAG"}));
  EXPECT_EQ(vars["TAG"].default_value, "latest");
  EXPECT_FALSE(vars["TAG"].required);
  EXPECT_TRUE(vars["PORT"].required);
  EXPECT_EQ(vars["OPT"].alternate_value, "on");
  EXPECT_EQ(vars["DASH"].default_value, "x");
  EXPECT_EQ(vars["OUTER"].default_value, "${INNER:?inner}");
  EXPECT_TRUE(vars["INNER"].required);
  EXPECT_FALSE(vars.contains("HOST"));  // $$ is a literal dollar
}

}  // namespace
}  // namespace lit::reconciler::load
