#include "app/progress.hpp"

#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

#include "runtime/util/error.hpp"

namespace lit::app {
namespace {

using reconciler::ProgressEvent;
using reconciler::ProgressState;
using namespace std::chrono_literals;

// The text of a line without its ANSI color sequences.
std::string strip_ansi(const std::string& s) {
  std::string out;
  for (size_t i = 0; i < s.size(); ++i) {
    if (s[i] == '\x1b') {
      while (i < s.size() && s[i] != 'm') ++i;
      continue;
    }
    out += s[i];
  }
  return out;
}

size_t code_points(const std::string& s) {
  size_t n = 0;
  for (unsigned char c : s) n += (c & 0xC0) != 0x80;
  return n;
}

TEST(ProgressPlain, OneLinePerEventWithTheErrorText) {
  EXPECT_EQ(plain_line({"Container shop-web-1", "Started", ProgressState::Done}),
            " Container shop-web-1  Started\n");
  EXPECT_EQ(plain_line({"Network shop_default", "Error", ProgressState::Error, "subnet in use"}),
            " Network shop_default  Error: subnet in use\n");
}

TEST(ProgressJson, OneObjectPerLine) {
  auto j = nlohmann::json::parse(json_line({"Container a-1", "Creating", ProgressState::Working}));
  EXPECT_EQ(
      j, (nlohmann::json{{"id", "Container a-1"}, {"status", "Creating"}, {"state", "working"}}));
  j = nlohmann::json::parse(json_line({"Container a-1", "Error", ProgressState::Error, "boom"}));
  EXPECT_EQ(j["state"], "error");
  EXPECT_EQ(j["text"], "boom");
}

TEST(ProgressTty, TitleCountsFinishedItemsAndLinesShowIconStatusAndTime) {
  auto t0 = ProgressClock::now();
  std::vector<ProgressItem> items{
      {{"Network shop_default", "Created", ProgressState::Done}, t0, t0 + 100ms},
      {{"Container shop-web-1", "Starting", ProgressState::Working}, t0, t0},
      {{"Container shop-api-1", "Error", ProgressState::Error, "no such image"}, t0, t0 + 2500ms},
  };
  auto lines = tty_frame("Running", items, t0 + 1200ms, 0, 80);
  ASSERT_EQ(lines.size(), 4u);
  EXPECT_EQ(strip_ansi(lines[0]), "[+] Running 2/3");
  std::string net = strip_ansi(lines[1]), web = strip_ansi(lines[2]), api = strip_ansi(lines[3]);
  EXPECT_EQ(net.rfind(" ✔ Network shop_default  Created ", 0), 0u) << net;
  EXPECT_TRUE(net.ends_with(" 0.1s")) << net;
  EXPECT_EQ(web.rfind(" ⠋ Container shop-web-1  Starting", 0), 0u) << web;
  EXPECT_TRUE(web.ends_with(" 1.2s")) << web;  // still working: time so far
  EXPECT_NE(api.find("✘ Container shop-api-1  Error     no such image"), std::string::npos) << api;
  EXPECT_TRUE(api.ends_with(" 2.5s")) << api;
  // Every line is as wide as the terminal less one column (so no terminal
  // wraps it and each redraw overwrites all of it).
  for (size_t i = 1; i < lines.size(); ++i)
    EXPECT_EQ(code_points(strip_ansi(lines[i])), 79u) << lines[i];
}

TEST(ProgressTty, LinesAreCutToANarrowTerminal) {
  auto t0 = ProgressClock::now();
  std::vector<ProgressItem> items{
      {{"Container a-very-long-project-name-service-1", "Starting"}, t0, t0}};
  auto lines = tty_frame("Running", items, t0, 3, 30);
  EXPECT_EQ(code_points(strip_ansi(lines[1])), 29u) << lines[1];
  EXPECT_TRUE(strip_ansi(lines[1]).ends_with(" 0.0s")) << lines[1];
  EXPECT_EQ(strip_ansi(lines[1]).rfind(" ⠸ Container", 0), 0u)
      << lines[1];  // frame 3 of the spinner
}

TEST(ProgressMode, BadValueNamesTheFlag) {
  EXPECT_EQ(parse_progress_mode("plain"), ProgressMode::Plain);
  try {
    parse_progress_mode("fancy");
    ADD_FAILURE();
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find("--progress"), std::string::npos);
  }
}

}  // namespace
}  // namespace lit::app
