// `lit config --variables` and `--environment`, as compose prints them.
#include "app/views/config_views.hpp"

#include <gtest/gtest.h>

namespace lit::app {
namespace {

TEST(ConfigViews, VariablesTableIsComposesTabwriterLayout) {
  Variables vars;
  vars["PORT"] = {"PORT", true, "", ""};
  vars["TAG"] = {"TAG", false, "latest", ""};
  vars["A_RATHER_LONG_VARIABLE_NAME"] = {"A_RATHER_LONG_VARIABLE_NAME", false, "", "on"};
  EXPECT_EQ(
      variables_table(vars),
      "NAME                          REQUIRED            DEFAULT VALUE       ALTERNATE VALUE\n"
      "A_RATHER_LONG_VARIABLE_NAME   false                                   on\n"
      "PORT                          true                                    \n"
      "TAG                           false               latest              \n");
}

TEST(ConfigViews, VariablesAsJsonAndYamlUseComposesFieldNames) {
  Variables vars;
  vars["TAG"] = {"TAG", false, "latest", ""};
  EXPECT_EQ(
      variables_object(vars, false).dump(),
      R"({"TAG":{"Name":"TAG","DefaultValue":"latest","PresenceValue":"","Required":false}})");
  EXPECT_EQ(
      variables_object(vars, true).dump(),
      R"({"TAG":{"name":"TAG","defaultvalue":"latest","presencevalue":"","required":false}})");
}

TEST(ConfigViews, EnvironmentIsSortedWithTheProcessEnvironmentWinning) {
  std::string a = "A=shell", z = "Z=1";
  char* env[] = {z.data(), a.data(), nullptr};
  EXPECT_EQ(environment_lines({{"A", "dotenv"}, {"B", "2"}}, env), "A=shell\nB=2\nZ=1\n");
}

}  // namespace
}  // namespace lit::app
