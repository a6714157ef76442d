#include "runtime/state/status.hpp"

#include <gtest/gtest.h>

using namespace lit::runtime;

TEST(ContainerStatusWords, AreDockersAndReadBack) {
  EXPECT_EQ(to_string(ContainerStatus::Created), "created");
  EXPECT_EQ(to_string(ContainerStatus::Running), "running");
  EXPECT_EQ(to_string(ContainerStatus::Paused), "paused");
  EXPECT_EQ(to_string(ContainerStatus::Restarting), "restarting");
  EXPECT_EQ(to_string(ContainerStatus::Removing), "removing");
  EXPECT_EQ(to_string(ContainerStatus::Exited), "exited");
  EXPECT_EQ(to_string(ContainerStatus::Dead), "dead");
  for (auto s : {ContainerStatus::Created, ContainerStatus::Running, ContainerStatus::Paused,
                 ContainerStatus::Restarting, ContainerStatus::Removing, ContainerStatus::Exited,
                 ContainerStatus::Dead})
    EXPECT_EQ(parse_container_status(to_string(s)), s);
  EXPECT_EQ(parse_container_status(""), std::nullopt);
  EXPECT_EQ(parse_container_status("Running"), std::nullopt);
  EXPECT_EQ(parse_container_status("up"), std::nullopt);
}

TEST(HealthWords, AreDockersAndReadBack) {
  EXPECT_EQ(to_string(Health::None), "none");
  EXPECT_EQ(to_string(Health::Starting), "starting");
  EXPECT_EQ(to_string(Health::Healthy), "healthy");
  EXPECT_EQ(to_string(Health::Unhealthy), "unhealthy");
  for (auto h : {Health::None, Health::Starting, Health::Healthy, Health::Unhealthy})
    EXPECT_EQ(parse_health(to_string(h)), h);
  EXPECT_EQ(parse_health("sick"), std::nullopt);
}
