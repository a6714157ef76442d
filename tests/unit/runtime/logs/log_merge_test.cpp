// Several containers' logs as one: time order across logs, each log's own order
// kept, and compose's line prefixes and colors.
#include "runtime/logs/log_merge.hpp"

#include <gtest/gtest.h>

#include "runtime/logs/log_prefix.hpp"

using namespace lit::runtime;
using lit::shim::LogEntry;
using lit::shim::Stream;

namespace {

constexpr int64_t kT = 1764072000000000000;  // 2025-11-25T12:00:00Z

LogEntry at(int64_t offset_ns, std::string text, Stream s = Stream::Stdout) {
  return {kT + offset_ns, s, std::move(text)};
}

// "source:text" per merged entry, for readable expectations.
std::vector<std::string> shown(const std::vector<SourcedEntry>& merged) {
  std::vector<std::string> out;
  for (const auto& e : merged) out.push_back(std::to_string(e.source) + ":" + e.entry.text);
  return out;
}

}  // namespace

TEST(MergeInTimeOrder, InterleavesLogsByTime) {
  auto merged = merge_in_time_order({
      {at(10, "a1"), at(30, "a2"), at(50, "a3")},
      {at(20, "b1"), at(40, "b2")},
      {},
      {at(5, "c1"), at(60, "c2", Stream::Stderr)},
  });
  EXPECT_EQ(shown(merged),
            (std::vector<std::string>{"3:c1", "0:a1", "1:b1", "0:a2", "1:b2", "0:a3", "3:c2"}));
  EXPECT_EQ(merged.back().entry.stream, Stream::Stderr);
}

TEST(MergeInTimeOrder, TiesGoToTheLowerSourceAndKeepEachLogsOrder) {
  auto merged = merge_in_time_order({
      {at(10, "a1"), at(10, "a2")},
      {at(10, "b1"), at(10, "b2")},
  });
  EXPECT_EQ(shown(merged), (std::vector<std::string>{"0:a1", "0:a2", "1:b1", "1:b2"}));
}

TEST(MergeInTimeOrder, ALogWhoseClockSteppedBackIsNotReordered) {
  // a's clock went back between a2 and a3: a3 still comes after a2.
  auto merged = merge_in_time_order({
      {at(10, "a1"), at(40, "a2"), at(15, "a3")},
      {at(20, "b1"), at(50, "b2")},
  });
  EXPECT_EQ(shown(merged), (std::vector<std::string>{"0:a1", "1:b1", "0:a2", "0:a3", "1:b2"}));
}

TEST(MergeInTimeOrder, NoLogsIsEmpty) {
  EXPECT_TRUE(merge_in_time_order({}).empty());
  EXPECT_TRUE(merge_in_time_order({{}, {}}).empty());
}

TEST(LogPrefix, PadsTheNameAndColorsAsCompose) {
  EXPECT_EQ(log_prefix("web-1", 6), "web-1  | ");
  EXPECT_EQ(log_prefix("worker-1", 6), "worker-1 | ") << "a longer name is not cut";
  EXPECT_EQ(colored("web-1 | ", "36"), "\033[36mweb-1 | \033[0m");
  EXPECT_EQ(colored("plain", ""), "plain");
  // compose's palette: cyan yellow green magenta blue, then bold, then again.
  EXPECT_EQ(prefix_color(0), "36");
  EXPECT_EQ(prefix_color(1), "33");
  EXPECT_EQ(prefix_color(4), "34");
  EXPECT_EQ(prefix_color(5), "36;1");
  EXPECT_EQ(prefix_color(9), "34;1");
  EXPECT_EQ(prefix_color(10), "36");
}

TEST(PrefixedLogFormatter, EveryNameIsPaddedToTheLongestPlusOne) {
  PrefixedLogFormatter f({"web-1", "worker-1"}, {});
  EXPECT_EQ(f.format({0, at(0, "GET /\n")}), "web-1     | GET /\n");
  EXPECT_EQ(f.format({1, at(1, "job done\n")}), "worker-1  | job done\n");
  EXPECT_EQ(f.format({1, at(2, "oops\n", Stream::Stderr)}), "worker-1  | oops\n")
      << "stderr lines look the same (compose prints both to stdout)";
}

TEST(PrefixedLogFormatter, ColorsEachContainersPrefixOnly) {
  PrefixedLogFormatter f({"web-1", "db-1"}, {.prefix = true, .color = true});
  EXPECT_EQ(f.format({0, at(0, "hi\n")}), "\033[36mweb-1  | \033[0mhi\n");
  EXPECT_EQ(f.format({1, at(0, "ready\n")}), "\033[33mdb-1   | \033[0mready\n");
  EXPECT_EQ(f.status(1, "exited with code 0"), "\033[33mdb-1 exited with code 0\033[0m\n");
}

TEST(PrefixedLogFormatter, TimestampsAndNoPrefix) {
  PrefixedLogFormatter stamped({"web-1"}, {.prefix = true, .color = false, .timestamps = true});
  EXPECT_EQ(stamped.format({0, at(5, "hi\n")}), "web-1  | 2025-11-25T12:00:00.000000005Z hi\n");
  PrefixedLogFormatter bare({"web-1"}, {.prefix = false, .color = true});
  EXPECT_EQ(bare.format({0, at(0, "hi\n")}), "hi\n");
  EXPECT_EQ(bare.status(0, "exited with code 3"), "\033[36mweb-1 exited with code 3\033[0m\n");
}

TEST(PrefixedLogFormatter, APartialLineGetsOnePrefixWhenComplete) {
  PrefixedLogFormatter f({"web-1", "db-1"}, {.prefix = true, .color = false, .timestamps = true});
  EXPECT_EQ(f.format({0, at(1, "long ")}), "") << "waits for the rest of its line";
  EXPECT_EQ(f.format({1, at(2, "other\n")}), "db-1   | 2025-11-25T12:00:00.000000002Z other\n");
  EXPECT_EQ(f.format({0, at(3, "line\n")}), "web-1  | 2025-11-25T12:00:00.000000001Z long line\n")
      << "the line's time is its first part's";
  EXPECT_EQ(f.finish(0), "");
  EXPECT_EQ(f.format({1, at(4, "no newline")}), "");
  EXPECT_EQ(f.finish(1), "db-1   | 2025-11-25T12:00:00.000000004Z no newline\n")
      << "a container that is done has its last line ended";
}
