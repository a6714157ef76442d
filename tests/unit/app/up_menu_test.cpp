// up's navigation menu: when it shows (compose's --menu / COMPOSE_MENU rules)
// and what its line says.
#include "app/up_menu.hpp"

#include <gtest/gtest.h>

namespace lit::app {
namespace {

TEST(UpMenu, ComposeMenuIsReadAsGoReadsABool) {
  for (const char* yes : {"1", "t", "T", "TRUE", "true", "True"}) EXPECT_TRUE(go_bool(yes)) << yes;
  for (const char* no : {"0", "f", "F", "FALSE", "false", "False", "", "yes", "on", "tRuE"})
    EXPECT_FALSE(go_bool(no)) << no;
}

TEST(UpMenu, OnATerminalByDefaultTheFlagThenTheEnvironmentDecide) {
  EXPECT_TRUE(menu_enabled(std::nullopt, nullptr, true, "auto"));
  EXPECT_FALSE(menu_enabled(std::nullopt, "false", true, "auto"));
  EXPECT_TRUE(menu_enabled(std::nullopt, "1", true, "tty"));
  EXPECT_TRUE(menu_enabled(true, "false", true, "auto"));   // the flag wins
  EXPECT_FALSE(menu_enabled(false, "true", true, "auto"));  // --no-menu, --menu=false
  // Never without a terminal, nor with plain progress (--ansi never too).
  EXPECT_FALSE(menu_enabled(true, "true", false, "auto"));
  EXPECT_FALSE(menu_enabled(true, nullptr, true, "plain"));
}

TEST(UpMenu, TheLineOffersToEnableOrDisableWatch) {
  EXPECT_EQ(menu_line(false),
            "\x1b[38;2;0;0;0;48;2;255;255;255;1mw\x1b[0m\x1b[2m Enable Watch\x1b[0m");
  EXPECT_EQ(menu_line(true),
            "\x1b[38;2;0;0;0;48;2;255;255;255;1mw\x1b[0m\x1b[2m Disable Watch\x1b[0m");
}

}  // namespace
}  // namespace lit::app
