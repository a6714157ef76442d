#include "runtime/logs/log_reader.hpp"

#include <fcntl.h>
#include <gtest/gtest.h>
#include <unistd.h>

#include <chrono>
#include <thread>

#include "runtime/shim/log_time.hpp"
#include "runtime/util/error.hpp"
#include "runtime/util/fs.hpp"

using namespace lit::shim;
namespace fs = std::filesystem;

namespace {

constexpr int64_t kT = 1764072000000000000;  // 2025-11-25T12:00:00Z
constexpr int64_t kS = 1000000000;

std::vector<std::string> texts(const std::vector<LogEntry>& es) {
  std::vector<std::string> out;
  for (const auto& e : es) out.push_back(e.text);
  return out;
}

std::vector<std::string> lines(int from, int to) {  // "line from\n" .. "line to-1\n"
  std::vector<std::string> out;
  for (int i = from; i < to; ++i) out.push_back("line " + std::to_string(i) + "\n");
  return out;
}

// Writes n lines, line i at kT + i seconds, stderr for odd i; returns the log path.
fs::path write_lines(const fs::path& dir, int n, LogOptions opts = {}) {
  const auto path = dir / "container.log";
  LogWriter w(path, opts);
  for (int i = 0; i < n; ++i)
    w.write(i % 2 ? Stream::Stderr : Stream::Stdout, "line " + std::to_string(i) + "\n",
            kT + i * kS);
  return path;
}

std::string since_error(std::string_view v) {
  try {
    parse_since(v, kT);
  } catch (const lit::Error& e) {
    return e.what();
  }
  return "";
}

}  // namespace

TEST(ShimLogReader, ParsesEntriesWithEscapes) {
  LogEntry e;
  ASSERT_TRUE(parse_log_line(
      R"({"log":"a\"b\\c\u0001\u00e9\ud83d\ude00\n","stream":"stderr","time":"2025-11-25T12:00:00.5Z"})",
      e));
  EXPECT_EQ(e.text, "a\"b\\c\x01\xC3\xA9\xF0\x9F\x98\x80\n");
  EXPECT_EQ(e.stream, Stream::Stderr);
  EXPECT_EQ(e.time_ns, kT + kS / 2);
  EXPECT_FALSE(e.partial());
  ASSERT_TRUE(parse_log_line(R"({ "time":"2025-11-25T12:00:00Z", "log":"x" })", e));
  EXPECT_TRUE(e.partial());
  EXPECT_FALSE(parse_log_line(R"({"log":"x","stream":"stdout"})", e)) << "no time";
  EXPECT_FALSE(parse_log_line(R"({"log":"x","stream":"stdout","time":"2025-11-25T12:00:00Z")", e));
  EXPECT_FALSE(parse_log_line(R"({"log":"x","stream":"nope","time":"2025-11-25T12:00:00Z"})", e));
  EXPECT_FALSE(parse_log_line("garbage", e));
}

TEST(ShimLogReader, ParsesSinceLikeDocker) {
  EXPECT_EQ(parse_since("2025-11-25T12:00:00Z", 0), kT);
  EXPECT_EQ(parse_since("2025-11-25T13:00:00+01:00", 0), kT);
  EXPECT_EQ(parse_since("2025-11-25", 0), kT - 12 * 3600 * kS);
  EXPECT_EQ(parse_since("1764072000", 0), kT);
  EXPECT_EQ(parse_since("1764072000.000000123", 0), kT + 123);
  EXPECT_EQ(parse_since("10m", kT), kT - 600 * kS);
  EXPECT_EQ(parse_since("1h30m", kT), kT - 5400 * kS);
  EXPECT_EQ(parse_since("1.5s", kT), kT - kS * 3 / 2);
  EXPECT_EQ(since_error("yesterday"), "invalid --since yesterday");
  EXPECT_EQ(since_error("10x"), "invalid --since 10x");
  EXPECT_EQ(since_error(""), "invalid --since ");
  // Found by tests/fuzz/log_parse_fuzz.cpp: it overflowed the nanoseconds.
  EXPECT_EQ(since_error("2726-11-25"), "invalid --since 2726-11-25");
}

TEST(ShimLogReader, ReadsAllFilesOldestFirstWithStreamSelection) {
  lit::TempDir dir("/tmp", "shim-log-");
  const auto path = write_lines(dir.path(), 300, {.max_size = 2000, .max_file = 50});
  ASSERT_TRUE(fs::exists(dir.path() / "container.log.5")) << "the test needs several files";
  EXPECT_EQ(log_files(path).front(),
            dir.path() / ("container.log." + std::to_string(log_files(path).size() - 1)));
  const auto all = read_logs(path, {});
  EXPECT_EQ(texts(all), lines(0, 300));
  EXPECT_EQ(all[7].stream, Stream::Stderr);
  EXPECT_EQ(all[7].time_ns, kT + 7 * kS);
  LogQuery only_err;
  only_err.want_stdout = false;
  const auto err = read_logs(path, only_err);
  ASSERT_EQ(err.size(), 150u);
  for (const auto& e : err) EXPECT_EQ(e.stream, Stream::Stderr);
  EXPECT_TRUE(read_logs(dir.path() / "missing.log", {}).empty());
}

TEST(ShimLogReader, TailAcrossRotatedFiles) {
  lit::TempDir dir("/tmp", "shim-log-");
  const auto path = write_lines(dir.path(), 300, {.max_size = 2000, .max_file = 50});
  LogQuery q;
  for (size_t n : {0, 1, 5, 37, 150, 299, 300, 1000}) {
    q.tail = n;
    const auto got = read_logs(path, q);
    EXPECT_EQ(texts(got), lines(300 - static_cast<int>(std::min<size_t>(n, 300)), 300)) << n;
  }
  q.tail = 3;
  q.want_stdout = false;
  EXPECT_EQ(texts(read_logs(path, q)),
            (std::vector<std::string>{"line 295\n", "line 297\n", "line 299\n"}));
}

TEST(ShimLogReader, TailReadsBackwardsThroughChunkBoundaries) {
  lit::TempDir dir("/tmp", "shim-log-");
  const auto path = dir.path() / "container.log";
  {
    LogWriter w(path, {});  // one 3 MB file: many 64 KiB chunks, lines of varied length
    for (int i = 0; i < 3000; ++i)
      w.write(Stream::Stdout,
              std::to_string(i) + std::string(static_cast<size_t>(i % 2000), '.') + "\n", kT + i);
  }
  LogQuery q;
  q.tail = 2500;
  const auto got = read_logs(path, q);
  ASSERT_EQ(got.size(), 2500u);
  for (int i = 0; i < 2500; ++i)
    ASSERT_EQ(
        got[static_cast<size_t>(i)].text,
        std::to_string(i + 500) + std::string(static_cast<size_t>((i + 500) % 2000), '.') + "\n");
}

TEST(ShimLogReader, SinceFiltersAcrossFilesAndCombinesWithTail) {
  lit::TempDir dir("/tmp", "shim-log-");
  const auto path = write_lines(dir.path(), 300, {.max_size = 2000, .max_file = 50});
  LogQuery q;
  q.since_ns = kT + 250 * kS;
  EXPECT_EQ(texts(read_logs(path, q)), lines(250, 300));
  q.tail = 10;
  EXPECT_EQ(texts(read_logs(path, q)), lines(290, 300));
  q.tail = 100;
  EXPECT_EQ(texts(read_logs(path, q)), lines(250, 300));
}

TEST(ShimLogReader, SkipsAHalfWrittenLastLineAndCursorPointsBeforeIt) {
  lit::TempDir dir("/tmp", "shim-log-");
  const auto path = write_lines(dir.path(), 3);
  const auto complete = fs::file_size(path);
  {
    lit::UniqueFd fd(::open(path.c_str(), O_WRONLY | O_APPEND));
    ASSERT_EQ(::write(fd.get(), "{\"log\":\"half", 12), 12);
  }
  for (bool tail : {false, true}) {
    LogQuery q;
    if (tail) q.tail = 10;
    LogCursor c;
    EXPECT_EQ(texts(read_logs(path, q, &c)), lines(0, 3));
    EXPECT_EQ(c.offset, complete);
  }
}

TEST(ShimLogFollower, ReturnsNewEntriesAndFollowsRotation) {
  lit::TempDir dir("/tmp", "shim-log-");
  const auto path = dir.path() / "container.log";
  LogWriter w(path, {.max_size = 1000, .max_file = 3});
  w.write(Stream::Stdout, "before\n", kT);
  LogCursor cursor;
  LogQuery tail1;
  tail1.tail = 1;
  EXPECT_EQ(texts(read_logs(path, tail1, &cursor)), (std::vector<std::string>{"before\n"}));
  LogFollower f(path, cursor);
  EXPECT_TRUE(f.poll().empty());
  EXPECT_FALSE(f.wait(0));
  w.write(Stream::Stderr, "one\ntwo\n", kT + 1);
  EXPECT_TRUE(f.wait(1000));
  const auto got = f.poll();
  EXPECT_EQ(texts(got), (std::vector<std::string>{"one\n", "two\n"}));
  EXPECT_EQ(got[0].stream, Stream::Stderr);
  // Enough lines to rotate several times between polls; nothing lost or repeated
  // as long as a poll comes before the same file is rotated out twice.
  std::vector<std::string> want, seen;
  for (int i = 0; i < 200; ++i) {
    const std::string line = "line " + std::to_string(i) + "\n";
    want.push_back(line);
    w.write(Stream::Stdout, line, kT + 2 + i);
    if (i % 5 == 4)
      for (auto& s : texts(f.poll())) seen.push_back(s);
  }
  ASSERT_TRUE(fs::exists(dir.path() / "container.log.2"));
  EXPECT_EQ(seen, want);
}

TEST(ShimLogFollower, WakesOnWritesFromAnotherThread) {
  lit::TempDir dir("/tmp", "shim-log-");
  const auto path = dir.path() / "container.log";
  LogFollower f(path);  // before the file exists
  std::thread writer([&] {
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
    LogWriter w(path, {});
    w.write(Stream::Stdout, "late\n", kT);
  });
  std::vector<std::string> seen;
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(5);
  while (seen.empty() && std::chrono::steady_clock::now() < deadline) {
    f.wait(1000);
    for (auto& s : texts(f.poll())) seen.push_back(s);
  }
  writer.join();
  EXPECT_EQ(seen, (std::vector<std::string>{"late\n"}));
}

TEST(ShimLogFollower, StartsAtTheEndWithoutACursor) {
  lit::TempDir dir("/tmp", "shim-log-");
  const auto path = write_lines(dir.path(), 5);
  LogFollower f(path);
  EXPECT_TRUE(f.poll().empty());
  LogWriter w(path, {});
  w.write(Stream::Stdout, "new\n", kT + 100 * kS);
  LogQuery q;
  q.want_stdout = false;
  EXPECT_TRUE(f.poll(q).empty()) << "stream filter applies";
  w.write(Stream::Stdout, "newer\n", kT + 101 * kS);
  EXPECT_EQ(texts(f.poll()), (std::vector<std::string>{"newer\n"}));
}
