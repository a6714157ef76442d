#include "runtime/lifecycle/health_state.hpp"

#include <gtest/gtest.h>

using namespace lit::runtime;

namespace {
constexpr int64_t kS = 1000000000;
ProbeResult probe(int64_t at_s, int code, std::string out = "") {
  return {at_s * kS, at_s * kS + kS / 10, code, std::move(out)};
}
}  // namespace

TEST(ShimHealthState, StartingHealthyUnhealthyAndBack) {
  HealthState s;
  HealthConfig c;
  c.retries = 3;
  EXPECT_EQ(s.status, Health::Starting);
  EXPECT_TRUE(record_probe(s, c, 0, probe(1, 0, "ok")));
  EXPECT_EQ(s.status, Health::Healthy);
  EXPECT_FALSE(record_probe(s, c, 0, probe(2, 1)));
  EXPECT_FALSE(record_probe(s, c, 0, probe(3, -1)));  // a timeout counts as a failure
  EXPECT_EQ(s.status, Health::Healthy);
  EXPECT_TRUE(record_probe(s, c, 0, probe(4, 1, "down")));
  EXPECT_EQ(s.status, Health::Unhealthy);
  EXPECT_EQ(s.failing_streak, 3u);
  EXPECT_TRUE(record_probe(s, c, 0, probe(5, 0)));
  EXPECT_EQ(s.status, Health::Healthy);
  EXPECT_EQ(s.failing_streak, 0u);
}

TEST(ShimHealthState, FailuresInTheStartPeriodDoNotCountWhileStarting) {
  HealthState s;
  HealthConfig c;
  c.retries = 1;
  c.start_period_ns = 10 * kS;
  EXPECT_FALSE(record_probe(s, c, 0, probe(2, 1)));
  EXPECT_FALSE(record_probe(s, c, 0, probe(9, 1)));
  EXPECT_EQ(s.status, Health::Starting);
  EXPECT_EQ(s.failing_streak, 0u);
  EXPECT_TRUE(record_probe(s, c, 0, probe(10, 1)));
  EXPECT_EQ(s.status, Health::Unhealthy);
  // Once healthy, the start period no longer shields failures.
  HealthState h;
  record_probe(h, c, 0, probe(1, 0));
  EXPECT_TRUE(record_probe(h, c, 0, probe(2, 1)));
  EXPECT_EQ(h.status, Health::Unhealthy);
}

TEST(ShimHealthState, StartIntervalWhileStartingInsideTheStartPeriodThenTheInterval) {
  HealthConfig c;
  c.interval_ns = 30 * kS;
  c.start_period_ns = 10 * kS;
  EXPECT_EQ(next_probe_delay_ns(c, Health::Starting, 0), 30 * kS);  // no start_interval
  c.start_interval_ns = 1 * kS;
  EXPECT_EQ(next_probe_delay_ns(c, Health::Starting, 0), 1 * kS);
  EXPECT_EQ(next_probe_delay_ns(c, Health::Starting, 9 * kS), 1 * kS);
  EXPECT_EQ(next_probe_delay_ns(c, Health::Starting, 10 * kS), 30 * kS);  // the period is over
  EXPECT_EQ(next_probe_delay_ns(c, Health::Healthy, 2 * kS), 30 * kS);    // healthy early
  EXPECT_EQ(next_probe_delay_ns(c, Health::Unhealthy, 2 * kS), 30 * kS);
}

TEST(ShimHealthState, KeepsTheLastFiveProbesWithOutputCapped) {
  HealthState s;
  for (int i = 0; i < 8; ++i) record_probe(s, {}, 0, probe(i, 0, std::to_string(i)));
  record_probe(s, {}, 0, probe(9, 0, std::string(10000, 'o')));
  ASSERT_EQ(s.log.size(), 5u);
  EXPECT_EQ(s.log.front().output, "4");
  EXPECT_EQ(s.log.back().output.size(), kMaxProbeOutput);
}
