#include "app/views/status_text.hpp"

#include <gtest/gtest.h>

#include "runtime/state/ids.hpp"

using namespace lit::app;
using lit::runtime::ContainerStatus;
using lit::runtime::Health;
using namespace std::chrono_literals;

namespace {
constexpr int64_t kS = 1000000000;
constexpr int64_t kNow = 1764072000 * kS;
}  // namespace

TEST(ShimStatusText, HumanDurationMatchesGoUnits) {
  EXPECT_EQ(human_duration(0), "Less than a second");
  EXPECT_EQ(human_duration(999999999), "Less than a second");
  EXPECT_EQ(human_duration(-5 * kS), "Less than a second");
  EXPECT_EQ(human_duration(1 * kS), "1 second");
  EXPECT_EQ(human_duration(5 * kS), "5 seconds");
  EXPECT_EQ(human_duration(59 * kS), "59 seconds");
  EXPECT_EQ(human_duration(60 * kS), "About a minute");
  EXPECT_EQ(human_duration(119 * kS), "About a minute");
  EXPECT_EQ(human_duration(120 * kS), "2 minutes");
  EXPECT_EQ(human_duration(59 * 60 * kS), "59 minutes");
  EXPECT_EQ(human_duration(60 * 60 * kS), "About an hour");
  EXPECT_EQ(human_duration(89 * 60 * kS), "About an hour");
  EXPECT_EQ(human_duration(90 * 60 * kS), "2 hours");  // rounded to the nearest hour
  EXPECT_EQ(human_duration(47 * 3600 * kS), "47 hours");
  EXPECT_EQ(human_duration(48 * 3600 * kS), "2 days");
  EXPECT_EQ(human_duration(13 * 86400 * kS), "13 days");
  EXPECT_EQ(human_duration(14 * 86400 * kS), "2 weeks");
  EXPECT_EQ(human_duration(59 * 86400 * kS), "8 weeks");
  EXPECT_EQ(human_duration(60 * 86400 * kS), "2 months");
  EXPECT_EQ(human_duration(100 * 86400 * kS), "3 months");
  EXPECT_EQ(human_duration(729 * 86400 * kS), "24 months");
  EXPECT_EQ(human_duration(730 * 86400 * kS), "2 years");
}

TEST(ShimStatusText, StatusStringsAsDockerShowsThem) {
  StatusFacts f;
  EXPECT_EQ(status_text(f, kNow), "Created");
  f.state = ContainerStatus::Running;
  f.started_ns = kNow - 5 * kS;
  EXPECT_EQ(status_text(f, kNow), "Up 5 seconds");
  f.started_ns = kNow - 70 * kS;
  EXPECT_EQ(status_text(f, kNow), "Up About a minute");
  f.started_ns = kNow - 2 * 3600 * kS;
  f.health = Health::Healthy;
  EXPECT_EQ(status_text(f, kNow), "Up 2 hours (healthy)");
  f.started_ns = kNow - 3 * kS;
  f.health = Health::Starting;
  EXPECT_EQ(status_text(f, kNow), "Up 3 seconds (health: starting)");
  f.health = Health::Unhealthy;
  EXPECT_EQ(status_text(f, kNow), "Up 3 seconds (unhealthy)");
  f = {};
  f.state = ContainerStatus::Exited;
  f.started_ns = kNow - 10 * kS;
  f.finished_ns = kNow - 3 * kS;
  f.exit_code = 1;
  EXPECT_EQ(status_text(f, kNow), "Exited (1) 3 seconds ago");
  f.state = ContainerStatus::Restarting;
  f.finished_ns = kNow - 2 * kS;
  EXPECT_EQ(status_text(f, kNow), "Restarting (1) 2 seconds ago");
  f.state = ContainerStatus::Paused;
  EXPECT_EQ(status_text(f, kNow), "Up 10 seconds (Paused)");
}

TEST(AppStatusText, ContainerStateAsDockerShowsIt) {
  auto tp = lit::runtime::parse_rfc3339("2024-05-01T12:00:00.5Z");
  ASSERT_TRUE(tp.has_value());
  auto now = *tp + 5s;
  lit::runtime::ContainerState st;
  EXPECT_EQ(status_text(st, now), "Created");
  st.status = ContainerStatus::Running;
  st.started_at = "2024-05-01T12:00:00.5Z";
  EXPECT_EQ(status_text(st, now), "Up 5 seconds");
  st.status = ContainerStatus::Exited;
  st.exit_code = 1;
  st.finished_at = "2024-05-01T12:00:02.5Z";
  EXPECT_EQ(status_text(st, now), "Exited (1) 3 seconds ago");
  st.status = ContainerStatus::Restarting;
  EXPECT_EQ(status_text(st, now), "Restarting (1) 3 seconds ago");
  st.status = ContainerStatus::Running;
  st.health = lit::runtime::HealthState{};
  st.health->status = Health::Healthy;
  EXPECT_EQ(status_text(st, now), "Up 5 seconds (healthy)");
  st.paused = true;
  EXPECT_EQ(status_text(st, now), "Up 5 seconds (Paused)");
}
