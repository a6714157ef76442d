#include "runtime/lifecycle/restart_policy.hpp"

#include <gtest/gtest.h>

#include "runtime/util/error.hpp"

using namespace lit::runtime;

namespace {

std::string error_of(std::string_view v) {
  try {
    parse_restart_policy(v);
  } catch (const lit::Error& e) {
    return e.what();
  }
  return "";
}

ExitFacts failed(int code, unsigned count, int64_t last_delay = 0, int64_t ran_ms = 50) {
  ExitFacts f;
  f.exit_code = code;
  f.restart_count = count;
  f.last_delay_ms = last_delay;
  f.ran_ms = ran_ms;
  return f;
}

}  // namespace

TEST(ShimRestartPolicy, Parses) {
  EXPECT_EQ(parse_restart_policy("no").mode, RestartMode::No);
  EXPECT_EQ(parse_restart_policy("always").mode, RestartMode::Always);
  EXPECT_EQ(parse_restart_policy("unless-stopped").mode, RestartMode::UnlessStopped);
  auto p = parse_restart_policy("on-failure");
  EXPECT_EQ(p.mode, RestartMode::OnFailure);
  EXPECT_EQ(p.max_retries, 0u);
  p = parse_restart_policy("on-failure:3");
  EXPECT_EQ(p.max_retries, 3u);
  EXPECT_EQ(to_string(p), "on-failure:3");
  EXPECT_EQ(to_string(parse_restart_policy("unless-stopped")), "unless-stopped");
}

TEST(ShimRestartPolicy, BadValuesNameTheFlag) {
  EXPECT_EQ(error_of("sometimes"), "invalid --restart sometimes");
  EXPECT_EQ(error_of("on-failure:x"), "invalid --restart on-failure:x");
  EXPECT_EQ(error_of("on-failure:"), "invalid --restart on-failure:");
  EXPECT_EQ(error_of("on-failure:-1"), "invalid --restart on-failure:-1");
  EXPECT_EQ(error_of("always:3"), "invalid --restart always:3");
  EXPECT_EQ(error_of("Always"), "invalid --restart Always");
}

TEST(ShimRestartPolicy, OnFailureThreeRestartsExactlyThreeTimes) {
  const auto p = parse_restart_policy("on-failure:3");
  ExitFacts f = failed(1, 0);
  int restarts = 0;
  for (int run = 0; run < 10; ++run) {
    const auto d = decide_restart(p, f);
    if (!d.restart) break;
    ++restarts;
    f = failed(1, d.restart_count, d.delay_ms);
  }
  EXPECT_EQ(restarts, 3);
  EXPECT_EQ(f.restart_count, 3u);
  EXPECT_FALSE(decide_restart(p, failed(0, 0)).restart) << "a clean exit is not a failure";
}

TEST(ShimRestartPolicy, DecisionsPerPolicy) {
  const auto no = parse_restart_policy("no"), always = parse_restart_policy("always"),
             unless = parse_restart_policy("unless-stopped"),
             on_failure = parse_restart_policy("on-failure");
  EXPECT_FALSE(decide_restart(no, failed(1, 0)).restart);
  EXPECT_TRUE(decide_restart(always, failed(0, 0)).restart);
  EXPECT_TRUE(decide_restart(unless, failed(0, 0)).restart);
  EXPECT_TRUE(decide_restart(on_failure, failed(137, 500)).restart) << "no limit without :N";
  ExitFacts stopped = failed(143, 0);
  stopped.stopped_by_user = true;
  for (const auto& p : {no, always, unless, on_failure})
    EXPECT_FALSE(decide_restart(p, stopped).restart) << to_string(p);
  EXPECT_TRUE(restart_after_reboot(always, true));
  EXPECT_TRUE(restart_after_reboot(unless, false));
  EXPECT_FALSE(restart_after_reboot(unless, true));
  EXPECT_FALSE(restart_after_reboot(on_failure, false));
}

TEST(ShimRestartPolicy, BackoffDoublesFrom100msUpToAMinute) {
  const auto p = parse_restart_policy("always");
  std::vector<int64_t> delays;
  ExitFacts f = failed(1, 0);
  for (int i = 0; i < 12; ++i) {
    const auto d = decide_restart(p, f);
    ASSERT_TRUE(d.restart);
    delays.push_back(d.delay_ms);
    f = failed(1, d.restart_count, d.delay_ms);
  }
  EXPECT_EQ(delays, (std::vector<int64_t>{100, 200, 400, 800, 1600, 3200, 6400, 12800, 25600, 51200,
                                          60000, 60000}));
  f.ran_ms = 10000;  // a run of 10 s resets the back-off
  EXPECT_EQ(decide_restart(p, f).delay_ms, 100);
  f.ran_ms = 9999;
  EXPECT_EQ(decide_restart(p, f).delay_ms, 60000);
}

TEST(ShimRestartPolicy, UnhealthyKillRestartsOnlyWhenAsked) {
  auto p = parse_restart_policy("no");
  ExitFacts f = failed(137, 0);
  f.killed_unhealthy = true;
  EXPECT_FALSE(kill_when_unhealthy(p));
  EXPECT_FALSE(decide_restart(p, f).restart);
  p.restart_on_unhealthy = true;
  EXPECT_TRUE(kill_when_unhealthy(p));
  auto d = decide_restart(p, f);
  EXPECT_TRUE(d.restart);
  EXPECT_EQ(d.delay_ms, 100);
  p = parse_restart_policy("on-failure:2");
  p.restart_on_unhealthy = true;
  f.restart_count = 2;
  EXPECT_FALSE(decide_restart(p, f).restart) << "the retry limit still holds";
  f.restart_count = 1;
  f.exit_code = 0;  // even if the process exited 0 on the kill signal
  EXPECT_TRUE(decide_restart(p, f).restart);
}
