#include "runtime/shim/log_writer.hpp"

#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

#include "runtime/shim/log_time.hpp"
#include "runtime/util/error.hpp"
#include "runtime/util/fs.hpp"
#include "tests/unit/error_of.hpp"

using namespace lit::shim;
namespace fs = std::filesystem;
using lit::testing::error_of;

namespace {

std::vector<nlohmann::json> entries_of(const fs::path& p) {
  std::vector<nlohmann::json> out;
  const std::string text = lit::read_file(p);
  size_t start = 0;
  for (size_t nl; (nl = text.find('\n', start)) != std::string::npos; start = nl + 1)
    out.push_back(nlohmann::json::parse(text.substr(start, nl - start)));
  EXPECT_EQ(start, text.size()) << "file ends in a complete line";
  return out;
}

constexpr int64_t kT = 1764072000123456789;  // 2025-11-25T12:00:00.123456789Z

}  // namespace

TEST(ShimLogTime, FormatsAndParsesNanoseconds) {
  char buf[40];
  ASSERT_EQ(format_rfc3339_nano(kT, buf), 30u);
  EXPECT_STREQ(buf, "2025-11-25T12:00:00.123456789Z");
  int64_t t = 0;
  ASSERT_TRUE(parse_rfc3339(buf, t));
  EXPECT_EQ(t, kT);
  ASSERT_TRUE(parse_rfc3339("2025-11-25T13:00:00.5+01:00", t));
  EXPECT_EQ(t, 1764072000500000000);
  EXPECT_FALSE(parse_rfc3339("2025-11-25 12:00:00Z", t));
  EXPECT_FALSE(parse_rfc3339("2025-13-25T12:00:00Z", t));
}

// Found by tests/fuzz/log_parse_fuzz.cpp: year 2726 overflowed the nanoseconds.
TEST(ShimLogTime, RejectsTimesOutsideTheNanosecondRange) {
  int64_t t = 0;
  EXPECT_FALSE(parse_rfc3339("2726-11-25T00:00:00Z", t));
  EXPECT_FALSE(parse_rfc3339("9999-12-31T23:59:59.999999999-23:59", t));
  EXPECT_FALSE(parse_rfc3339("0000-01-01T00:00:00+23:59", t));
  EXPECT_FALSE(parse_rfc3339("1600-01-01T00:00:00Z", t));
  ASSERT_TRUE(parse_rfc3339("2262-04-11T23:47:15.999999999Z", t));
  EXPECT_EQ(t, 9223372035999999999);
  ASSERT_TRUE(parse_rfc3339("1677-09-21T00:12:45Z", t));
  EXPECT_EQ(t, -9223372035000000000);
}

TEST(ShimLogWriter, WritesDockerJsonFileEntries) {
  lit::TempDir dir("/tmp", "shim-log-");
  const auto path = dir.path() / "container.log";
  {
    LogWriter w(path, {});
    w.write(Stream::Stdout, "hello\nwor", kT);
    w.write(Stream::Stderr, "oops\n", kT + 1);
    w.write(Stream::Stdout, "ld\n", kT + 2);
    w.write(Stream::Stdout, "no newline", kT + 3);
    w.close(kT + 4);
  }
  const std::string text = lit::read_file(path);
  EXPECT_EQ(text.substr(0, text.find('\n')),
            R"({"log":"hello\n","stream":"stdout","time":"2025-11-25T12:00:00.123456789Z"})");
  const auto e = entries_of(path);
  ASSERT_EQ(e.size(), 4u);
  EXPECT_EQ(e[1]["log"], "oops\n");
  EXPECT_EQ(e[1]["stream"], "stderr");
  EXPECT_EQ(e[2]["log"], "world\n");     // joined across two reads
  EXPECT_EQ(e[3]["log"], "no newline");  // flushed at close, as a partial entry
  EXPECT_EQ(e[3]["time"], "2025-11-25T12:00:00.123456793Z");
}

TEST(ShimLogWriter, EscapingRoundTripsThroughAJsonParser) {
  lit::TempDir dir("/tmp", "shim-log-");
  const auto path = dir.path() / "container.log";
  std::string all_controls;
  for (int c = 1; c < 0x20; ++c)
    if (c != '\n') all_controls += static_cast<char>(c);
  const std::string valid = "quote\" back\\slash tab\t cr\r " + all_controls +
                            " \xC3\xA9t\xC3\xA9 \xE2\x82\xAC \xF0\x9F\x98\x80 del\x7F\n";
  {
    LogWriter w(path, {});
    w.write(Stream::Stdout, valid, kT);
    // Invalid: stray continuation, truncated sequence, overlong '/', surrogate, > U+10FFFF.
    w.write(Stream::Stdout,
            "a\x80"
            "b\xE2\x82"
            "c\xC0\xAF"
            "d\xED\xA0\x80"
            "e\xF4\x90\x80\x80\n",
            kT);
  }
  const auto e = entries_of(path);
  ASSERT_EQ(e.size(), 2u);
  EXPECT_EQ(e[0]["log"].get<std::string>(), valid);
  const std::string r = "\xEF\xBF\xBD";
  EXPECT_EQ(e[1]["log"].get<std::string>(),
            "a" + r + "b" + r + r + "c" + r + r + "d" + r + r + r + "e" + r + r + r + r + "\n");
  EXPECT_NE(lit::read_file(path).find("\\u0001"), std::string::npos);
}

TEST(ShimLogWriter, SplitsLinesLongerThan16KiBIntoPartialEntries) {
  lit::TempDir dir("/tmp", "shim-log-");
  const auto path = dir.path() / "container.log";
  {
    LogWriter w(path, {});
    w.write(Stream::Stdout, std::string(40000, 'x') + "\n", kT);
  }
  const auto e = entries_of(path);
  ASSERT_EQ(e.size(), 3u);
  EXPECT_EQ(e[0]["log"].get<std::string>(), std::string(16384, 'x'));
  EXPECT_EQ(e[1]["log"].get<std::string>(), std::string(16384, 'x'));
  EXPECT_EQ(e[2]["log"].get<std::string>(), std::string(40000 - 32768, 'x') + "\n");
}

TEST(ShimLogWriter, SplitsLongLinesBetweenUtf8Characters) {
  lit::TempDir dir("/tmp", "shim-log-");
  const auto path = dir.path() / "container.log";
  {
    LogWriter w(path, {});
    w.write(Stream::Stdout, std::string(16383, 'x') + "\xE2\x82\xAC" + "\n", kT);  // a euro sign
  }
  const auto e = entries_of(path);
  ASSERT_EQ(e.size(), 2u);
  EXPECT_EQ(e[0]["log"].get<std::string>(), std::string(16383, 'x'));
  EXPECT_EQ(e[1]["log"].get<std::string>(), "\xE2\x82\xAC\n");
}

TEST(ShimLogWriter, RotationCapsDiskUseAtMaxSizeTimesMaxFile) {
  lit::TempDir dir("/tmp", "shim-log-");
  const auto path = dir.path() / "container.log";
  LogOptions opts;
  opts.max_size = 4096;
  opts.max_file = 3;
  {
    LogWriter w(path, opts);
    for (int i = 0; i < 2000; ++i)
      w.write(i % 2 ? Stream::Stderr : Stream::Stdout, "line " + std::to_string(i) + "\n", kT + i);
  }
  uint64_t total = 0;
  int files = 0;
  for (const auto& ent : fs::directory_iterator(dir.path())) {
    ++files;
    EXPECT_LE(ent.file_size(), opts.max_size) << ent.path();
    total += ent.file_size();
  }
  EXPECT_EQ(files, 3);
  EXPECT_LE(total, opts.max_size * opts.max_file);
  EXPECT_GT(total, opts.max_size * 2);  // the kept files are (nearly) full
  // Oldest to newest, the kept lines are consecutive and end with the last one.
  std::vector<nlohmann::json> all;
  for (auto name : {"container.log.2", "container.log.1", "container.log"})
    for (auto& j : entries_of(dir.path() / name)) all.push_back(j);
  ASSERT_FALSE(all.empty());
  EXPECT_EQ(all.back()["log"], "line 1999\n");
  const int first = std::stoi(all.front()["log"].get<std::string>().substr(5));
  for (size_t i = 0; i < all.size(); ++i)
    EXPECT_EQ(all[i]["log"], "line " + std::to_string(first + static_cast<int>(i)) + "\n");
}

TEST(ShimLogWriter, MaxFileOneStartsTheFileOver) {
  lit::TempDir dir("/tmp", "shim-log-");
  const auto path = dir.path() / "container.log";
  {
    LogWriter w(path, {.max_size = 1000, .max_file = 1});
    for (int i = 0; i < 100; ++i) w.write(Stream::Stdout, "line\n", kT);
  }
  EXPECT_LE(fs::file_size(path), 1000u);
  EXPECT_FALSE(fs::exists(dir.path() / "container.log.1"));
}

TEST(ShimLogOpts, ParsesSizesAndCounts) {
  LogOptions o;
  EXPECT_EQ(o.max_size, 10u * 1024 * 1024);
  EXPECT_EQ(o.max_file, 3u);
  apply_log_opt(o, "max-size=64k");
  EXPECT_EQ(o.max_size, 65536u);
  apply_log_opt(o, "max-size=10M");
  EXPECT_EQ(o.max_size, 10u * 1024 * 1024);
  apply_log_opt(o, "max-size=1gb");
  EXPECT_EQ(o.max_size, 1024ull * 1024 * 1024);
  apply_log_opt(o, "max-size=500");
  EXPECT_EQ(o.max_size, 500u);
  apply_log_opt(o, "max-file=5");
  EXPECT_EQ(o.max_file, 5u);
}

TEST(ShimLogOpts, BadValuesNameTheOption) {
  LogOptions o;
  EXPECT_EQ(error_of([&] { apply_log_opt(o, "max-size=ten"); }), "invalid --log-opt max-size=ten");
  EXPECT_EQ(error_of([&] { apply_log_opt(o, "max-size=10x"); }), "invalid --log-opt max-size=10x");
  EXPECT_EQ(error_of([&] { apply_log_opt(o, "max-size=0"); }), "invalid --log-opt max-size=0");
  EXPECT_EQ(error_of([&] { apply_log_opt(o, "max-file=0"); }), "invalid --log-opt max-file=0");
  EXPECT_EQ(error_of([&] { apply_log_opt(o, "max-file=2x"); }), "invalid --log-opt max-file=2x");
  EXPECT_EQ(error_of([&] { apply_log_opt(o, "compress=true"); }), "unknown --log-opt compress");
  EXPECT_EQ(error_of([&] { apply_log_opt(o, "max-size"); }), "invalid --log-opt max-size");
  EXPECT_EQ(o.max_size, 10u * 1024 * 1024);  // untouched by the failures
}
