// The supervisor's memory sampler against fake cgroup directories (v2 and v1
// files as the kernel writes them); its lines read back with the reader
// `lit optimize report` uses, so the two cannot drift apart.
#include "runtime/shim/memory_sampler.hpp"

#include <gtest/gtest.h>

#include <fstream>

#include "runtime/state/memory_samples.hpp"
#include "runtime/util/fs.hpp"

using namespace lit::shim;
using lit::runtime::MemorySample;
using lit::runtime::read_memory_samples;
namespace fs = std::filesystem;

namespace {

constexpr std::int64_t kMiB = 1 << 20;

// In place, as the kernel's files change: the sampler keeps them open.
void put(const fs::path& dir, const char* name, const std::string& text) {
  std::ofstream(dir / name, std::ios::trunc) << text;
}

void v2_files(const fs::path& d, std::int64_t current, std::int64_t peak, const std::string& max,
              int hits, int ooms) {
  put(d, "memory.current", std::to_string(current) + "\n");
  put(d, "memory.peak", std::to_string(peak) + "\n");
  put(d, "memory.max", max + "\n");
  put(d, "memory.events",
      "low 0\nhigh 0\nmax " + std::to_string(hits) + "\noom " + std::to_string(ooms) +
          "\noom_kill " + std::to_string(ooms) + "\n");
  put(d, "memory.pressure",
      "some avg10=0.00 avg60=0.00 avg300=0.00 total=1234\nfull avg10=0.00 avg60=0.00 "
      "avg300=0.00 total=99\n");
}

}  // namespace

TEST(MemorySampler, WritesOneLinePerTenTicksWithTheBucketsHighestUseV2) {
  lit::TempDir dir("/tmp", "memsampler-");
  const fs::path cg = dir.path() / "cg", samples = dir.path() / "memory.samples";
  fs::create_directories(cg);
  v2_files(cg, 10 * kMiB, 12 * kMiB, "max", 0, 0);
  MemorySampler s(cg.string(), samples.string());
  ASSERT_TRUE(s.begin_run(500));
  for (int i = 0; i < 9; ++i) {
    v2_files(cg, (10 + (i == 4 ? 20 : 0)) * kMiB, 40 * kMiB, "max", 0, 0);
    s.tick(1000 + i * 1000);
  }
  EXPECT_FALSE(fs::exists(samples)) << "nothing before a bucket is full";
  s.tick(10000);
  auto read = read_memory_samples(samples);
  ASSERT_EQ(read.size(), 1u);
  EXPECT_EQ(read[0], (MemorySample{10000, 500, 30 * kMiB, 40 * kMiB, 0, 0, 0, 1234}));
  EXPECT_FALSE(s.keeps_reaching_limit()) << "no limit";
}

TEST(MemorySampler, TellsWhenTheWorkingSetIsNearTheLimitThreeTicksInARow) {
  lit::TempDir dir("/tmp", "memsampler-");
  const fs::path cg = dir.path() / "cg", samples = dir.path() / "memory.samples";
  fs::create_directories(cg);
  const std::string limit = std::to_string(64 * kMiB);
  auto at = [&](std::int64_t use, std::int64_t inactive_file) {
    v2_files(cg, use, 64 * kMiB, limit, 0, 0);
    put(cg, "memory.stat",
        "anon 1000\nfile 2000\nactive_file 0\ninactive_file " + std::to_string(inactive_file) +
            "\n");
  };
  at(60 * kMiB, 0);
  MemorySampler s(cg.string(), samples.string());
  ASSERT_TRUE(s.begin_run(500));
  for (int i = 0; i < 2; ++i) {
    at(59 * kMiB, 0);  // within a tenth of 64 MiB
    s.tick(i * 1000);
  }
  EXPECT_FALSE(s.keeps_reaching_limit());
  at(50 * kMiB, 0);  // a tick below it starts the count again
  s.tick(2000);
  EXPECT_FALSE(s.keeps_reaching_limit());
  for (int i = 0; i < 3; ++i) {
    at(63 * kMiB, 0);
    s.tick(3000 + i * 1000);
  }
  EXPECT_TRUE(s.keeps_reaching_limit());
  // A page cache filling the limit is the limit at work: it is dropped first.
  s.reset_reaching();
  for (int i = 0; i < 3; ++i) {
    at(64 * kMiB, 40 * kMiB);
    s.tick(6000 + i * 1000);
  }
  EXPECT_FALSE(s.keeps_reaching_limit());
  // Without a limit there is nothing to reach.
  v2_files(cg, 63 * kMiB, 64 * kMiB, "max", 0, 0);
  for (int i = 0; i < 3; ++i) s.tick(9000 + i * 1000);
  EXPECT_FALSE(s.keeps_reaching_limit());
}

TEST(MemorySampler, EndOfRunWritesThePartialBucketAndCountsOomKillsV1) {
  lit::TempDir dir("/tmp", "memsampler-");
  const fs::path cg = dir.path() / "cg", samples = dir.path() / "memory.samples";
  fs::create_directories(cg);
  put(cg, "memory.usage_in_bytes", std::to_string(30 * kMiB) + "\n");
  put(cg, "memory.max_usage_in_bytes", std::to_string(33 * kMiB) + "\n");
  put(cg, "memory.limit_in_bytes", "9223372036854771712\n");  // v1's "no limit"
  put(cg, "memory.failcnt", "0\n");
  put(cg, "memory.oom_control", "oom_kill_disable 0\nunder_oom 0\noom_kill 0\n");
  MemorySampler s(cg.string(), samples.string());
  ASSERT_TRUE(s.begin_run(500));
  EXPECT_EQ(s.oom_kills_now(), 0u);
  s.tick(1000);
  put(cg, "memory.limit_in_bytes", std::to_string(32 * kMiB) + "\n");
  put(cg, "memory.failcnt", "17\n");
  put(cg, "memory.oom_control", "oom_kill_disable 0\nunder_oom 0\noom_kill 1\n");
  EXPECT_EQ(s.oom_kills_now(), 1u);
  s.end_run(2500);
  auto read = read_memory_samples(samples);
  ASSERT_EQ(read.size(), 1u);
  EXPECT_EQ(read[0], (MemorySample{2500, 500, 30 * kMiB, 33 * kMiB, 32 * kMiB, 17, 1, 0}));
}

TEST(MemorySampler, WithoutMemoryFilesItDoesNotStartAndWritesNothing) {
  lit::TempDir dir("/tmp", "memsampler-");
  const fs::path samples = dir.path() / "memory.samples";
  MemorySampler s((dir.path() / "gone").string(), samples.string());
  EXPECT_FALSE(s.begin_run(500));
  s.end_run(1000);
  EXPECT_FALSE(fs::exists(samples));
}

TEST(MemorySampler, RotatesIntoDotOneAndTheReaderReadsBothOldestFirst) {
  lit::TempDir dir("/tmp", "memsampler-");
  const fs::path cg = dir.path() / "cg", samples = dir.path() / "memory.samples";
  fs::create_directories(cg);
  v2_files(cg, 1 * kMiB, 1 * kMiB, "max", 0, 0);
  MemorySampler s(cg.string(), samples.string(), 60);  // rotate past 60 bytes
  ASSERT_TRUE(s.begin_run(500));
  for (int i = 1; i <= 40; ++i) s.tick(i * 1000);  // 4 lines of 33 bytes: 2 + 2
  auto read = read_memory_samples(samples);
  ASSERT_TRUE(fs::exists(samples.string() + ".1"));
  ASSERT_EQ(read.size(), 4u);
  EXPECT_EQ(read.back().at_ms, 40000);
  for (std::size_t i = 1; i < read.size(); ++i) EXPECT_LT(read[i - 1].at_ms, read[i].at_ms);
}
