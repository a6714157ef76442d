// -f=PATH and -t=0 read as docker's parser reads them.
#include "app/flag_forms.hpp"

#include <gtest/gtest.h>

#include <string>
#include <vector>

namespace lit::app {
namespace {

TEST(FlagForms, AShortOptionsEqualsValueIsTheValue) {
  CLI::App cli{"t", "lit"};
  std::vector<std::string> files;
  std::string name;
  bool follow = false;
  int timeout = -1;
  cli.add_option("-f,--file", files)->allow_extra_args(false);
  cli.add_option("-p,--project-name", name);
  auto* stop = cli.add_subcommand("stop");
  stop->add_option("-t,--timeout", timeout)->check(CLI::NonNegativeNumber);
  stop->add_flag("-F", follow);
  accept_short_option_equals(cli);
  cli.parse("-f=a.yml -f b.yml -p=shop stop -t=0 -F", false);
  EXPECT_EQ(files, (std::vector<std::string>{"a.yml", "b.yml"}));
  EXPECT_EQ(name, "shop");
  EXPECT_EQ(timeout, 0);
  EXPECT_TRUE(follow);
  // --long=VALUE is unchanged, the value's own '=' kept.
  cli.parse("--project-name=a=b stop --timeout=7", false);
  EXPECT_EQ(timeout, 7);
  EXPECT_EQ(name, "a=b");
  EXPECT_THROW(cli.parse("stop -t=x", false), CLI::ValidationError);
}

}  // namespace
}  // namespace lit::app
