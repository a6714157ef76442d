#include "runtime/state/memory_samples.hpp"

#include <gtest/gtest.h>

#include "runtime/lifecycle/memory_tune.hpp"

using namespace lit::runtime;

namespace {
constexpr std::int64_t kMiB = 1 << 20;
}

TEST(MemorySamples, ALineRoundTripsAndATornOneIsSkipped) {
  MemorySample s{1700000000123, 1700000000000, 30 * kMiB, 33 * kMiB, 64 * kMiB, 5, 1, 777};
  EXPECT_EQ(parse_sample(format_sample(s)), s);
  EXPECT_EQ(parse_sample("1700000000123 1700000000000 31457280 34603008"), std::nullopt);
  EXPECT_EQ(parse_sample("1 2 3 4 5 6 7 8 9"), std::nullopt);
  EXPECT_EQ(parse_sample("1 2 -3 4 5 6 7 8"), std::nullopt);
  EXPECT_EQ(parse_sample(""), std::nullopt);
}

TEST(MemorySamples, SummaryTakesThePeakThePercentileAndEachRunsCounters) {
  std::vector<MemorySample> v;
  // Run 1: 20 buckets at 10 MiB, one at 50; 2 hits, then run 2 (counters restart): 3 hits, 1 OOM
  // kill.
  for (int i = 0; i < 19; ++i)
    v.push_back({i * 10000, 0, 10 * kMiB, 12 * kMiB, 64 * kMiB, 2, 0, 5});
  v.push_back({190000, 0, 50 * kMiB, 55 * kMiB, 64 * kMiB, 2, 0, 5});
  v.push_back({200000, 195000, 8 * kMiB, 9 * kMiB, 64 * kMiB, 3, 1, 7});
  MemorySummary m = summarize(v);
  EXPECT_EQ(m.samples, 21u);
  EXPECT_EQ(m.first_ms, 0);
  EXPECT_EQ(m.last_ms, 200000);
  EXPECT_EQ(m.peak, 55 * kMiB);
  EXPECT_EQ(m.p95, 10 * kMiB) << "one high bucket in 21 is above the 95th percentile";
  EXPECT_EQ(m.limit, 64 * kMiB);
  EXPECT_EQ(m.limit_hits, 5u);
  EXPECT_EQ(m.oom_kills, 1u);
  EXPECT_EQ(m.stall_us, 12u);
  EXPECT_EQ(summarize({}).samples, 0u);
}

TEST(MemoryTune, RaisesAQuarterInWholeStepsUpToTheCeiling) {
  EXPECT_EQ(raised_limit(32 * kMiB, 256 * kMiB), 48 * kMiB);    // +16 MiB at least
  EXPECT_EQ(raised_limit(100 * kMiB, 256 * kMiB), 128 * kMiB);  // 125 -> a step up
  EXPECT_EQ(raised_limit(240 * kMiB, 256 * kMiB), 256 * kMiB);  // never above the ceiling
  EXPECT_EQ(raised_limit(256 * kMiB, 256 * kMiB), std::nullopt);
  EXPECT_EQ(raised_limit(300 * kMiB, 256 * kMiB), std::nullopt);
  EXPECT_EQ(round_up_to_step(1), 16 * kMiB);
  EXPECT_EQ(round_up_to_step(32 * kMiB), 32 * kMiB);
}
