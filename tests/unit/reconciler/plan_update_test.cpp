// plan_up with deploy.update_config: start-first replaces as their own
// action, the fallback to stop-first, and the batches of parallelism.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "reconciler/plan.hpp"
#include "tests/unit/reconciler/plan_lines.hpp"

namespace lit::reconciler {
namespace {

using lit::testing::plan_lines;
using ::testing::ElementsAre;
using ::testing::IsEmpty;

DesiredService web(int replicas, std::optional<UpdatePolicy> update) {
  return {.name = "web",
          .hash = "w2",
          .replicas = replicas,
          .networks = {"p_default"},
          .update = update};
}

UpdatePolicy start_first(int parallelism = 1) {
  return {.parallelism = parallelism, .order = UpdateOrder::StartFirst};
}

DesiredState project(std::vector<DesiredService> services) {
  return {.project = "p",
          .services = std::move(services),
          .networks = {{.name = "p_default", .hash = "net1"}}};
}

// Every replica of every service runs with hash "w1" (an older config).
ObservedState running_old(const DesiredState& d,
                          runtime::ContainerStatus status = runtime::ContainerStatus::Running) {
  ObservedState o;
  o.networks.push_back({.name = "p_default", .hash = "net1", .project = "p"});
  for (const auto& s : d.services)
    for (int i = 1; i <= s.replicas; ++i) {
      std::string n = std::to_string(i);
      o.containers.push_back({.id = "id-" + s.name + "-" + n,
                              .name = "p-" + s.name + "-" + n,
                              .service = s.name,
                              .number = i,
                              .hash = "w1",
                              .status = status});
      o.networks[0].attached.push_back(o.containers.back().id);
    }
  return o;
}

TEST(PlanUpdate, StartFirstReplacesARunningChangedContainer) {
  DesiredState d = project({web(1, start_first())});
  Plan plan = plan_up(d, running_old(d), {});
  EXPECT_THAT(
      plan_lines(plan),
      ElementsAre("replace container p-web-1 (config changed (hash w1 -> w2); start-first)"));
  const Action& a = plan.actions[0];
  EXPECT_EQ(a.kind, ActionKind::ReplaceContainer);
  EXPECT_EQ(a.container_id, "id-web-1");
  EXPECT_EQ(a.number, 1);
  ASSERT_TRUE(a.update.has_value());
  EXPECT_EQ(a.update->order, UpdateOrder::StartFirst);
  EXPECT_THAT(plan.warnings, IsEmpty());
}

TEST(PlanUpdate, StopFirstByDefaultAndWithoutUpdateConfig) {
  for (auto update : {std::optional<UpdatePolicy>{}, std::optional<UpdatePolicy>{UpdatePolicy{}}}) {
    DesiredState d = project({web(1, update)});
    Plan plan = plan_up(d, running_old(d), {});
    EXPECT_THAT(plan_lines(plan),
                ElementsAre("recreate container p-web-1 (config changed (hash w1 -> w2))"));
    EXPECT_EQ(plan.actions[0].update.has_value(), update.has_value());
  }
}

TEST(PlanUpdate, AFixedHostPortFallsBackToStopFirstWithAWarning) {
  DesiredState d = project({web(2, start_first())});
  d.services[0].start_first_conflict = "host port 8080/tcp";
  Plan plan = plan_up(d, running_old(d), {});
  EXPECT_THAT(plan_lines(plan),
              ElementsAre("recreate container p-web-1 (config changed (hash w1 -> w2))",
                          "recreate container p-web-2 (config changed (hash w1 -> w2))"));
  EXPECT_THAT(plan.warnings,
              ElementsAre("service web: update_config.order start-first falls back to "
                          "stop-first: two containers cannot both hold host port 8080/tcp"));
}

TEST(PlanUpdate, NoFallbackWarningWhenNothingIsRecreated) {
  DesiredState d = project({web(1, start_first())});
  d.services[0].start_first_conflict = "host port 8080/tcp";
  ObservedState o = running_old(d);
  o.containers[0].hash = "w2";
  Plan plan = plan_up(d, o, {});
  EXPECT_TRUE(plan.empty());
  EXPECT_THAT(plan.warnings, IsEmpty());
}

TEST(PlanUpdate, AStoppedContainerIsRecreatedStopFirst) {
  DesiredState d = project({web(1, start_first())});
  Plan plan = plan_up(d, running_old(d, runtime::ContainerStatus::Exited), {});
  EXPECT_THAT(plan_lines(plan),
              ElementsAre("recreate container p-web-1 (config changed (hash w1 -> w2))"));
}

TEST(PlanUpdate, NoStartRecreatesStopFirst) {
  DesiredState d = project({web(1, start_first())});
  Plan plan = plan_up(d, running_old(d), {.no_start = true});
  EXPECT_THAT(plan_lines(plan),
              ElementsAre("recreate container p-web-1 (config changed (hash w1 -> "
                          "w2); not started)"));
}

TEST(PlanUpdate, ForceRecreateReplacesStartFirst) {
  DesiredState d = project({web(1, start_first())});
  ObservedState o = running_old(d);
  o.containers[0].hash = "w2";
  Plan plan = plan_up(d, o, {.force_recreate = true});
  EXPECT_THAT(plan_lines(plan),
              ElementsAre("replace container p-web-1 (forced (--force-recreate); start-first)"));
}

TEST(PlanUpdate, ParallelismMakesBatchesEachAfterTheOneBeforeAndItsDelay) {
  UpdatePolicy policy = start_first(2);
  policy.delay = std::chrono::seconds(10);
  DesiredState d = project({web(5, policy)});
  Plan plan = plan_up(d, running_old(d), {});
  const std::string changed = "config changed (hash w1 -> w2); start-first";
  EXPECT_THAT(
      plan_lines(plan),
      ElementsAre(
          "replace container p-web-1 (" + changed + ")",
          "replace container p-web-2 (" + changed + ")",
          "replace container p-web-3 (" + changed + "; after update_config.delay 10000 ms)",
          "replace container p-web-4 (" + changed + "; after update_config.delay 10000 ms)",
          "replace container p-web-5 (" + changed + "; after update_config.delay 10000 ms)"));
  EXPECT_THAT(plan.actions[0].after, IsEmpty());
  EXPECT_THAT(plan.actions[1].after, IsEmpty());
  EXPECT_THAT(plan.actions[2].after, ElementsAre(0, 1));
  EXPECT_THAT(plan.actions[3].after, ElementsAre(0, 1));
  EXPECT_THAT(plan.actions[4].after, ElementsAre(2, 3));
  EXPECT_EQ(plan.actions[0].delay.count(), 0);
  EXPECT_EQ(plan.actions[4].delay, std::chrono::milliseconds(10000));
}

TEST(PlanUpdate, ParallelismZeroReplacesAllAtOnce) {
  DesiredState d = project({web(3, start_first(0))});
  Plan plan = plan_up(d, running_old(d), {});
  ASSERT_EQ(plan.actions.size(), 3u);
  for (const auto& a : plan.actions) {
    EXPECT_EQ(a.kind, ActionKind::ReplaceContainer);
    EXPECT_THAT(a.after, IsEmpty());
  }
}

TEST(PlanUpdate, WithoutUpdateConfigRecreationsAreNotBatched) {
  DesiredState d = project({web(3, std::nullopt)});
  Plan plan = plan_up(d, running_old(d), {});
  ASSERT_EQ(plan.actions.size(), 3u);
  for (const auto& a : plan.actions) EXPECT_THAT(a.after, IsEmpty());
}

TEST(PlanUpdate, StopFirstUpdateConfigBatchesToo) {
  DesiredState d = project({web(2, UpdatePolicy{})});
  Plan plan = plan_up(d, running_old(d), {});
  ASSERT_EQ(plan.actions.size(), 2u);
  EXPECT_EQ(plan.actions[1].kind, ActionKind::RecreateContainer);
  EXPECT_THAT(plan.actions[1].after, ElementsAre(0));
}

TEST(PlanUpdate, MissingReplicasAreCreatedOutsideTheBatches) {
  DesiredState d = project({web(3, start_first())});
  ObservedState o = running_old(project({web(2, start_first())}));
  Plan plan = plan_up(d, o, {});
  EXPECT_THAT(plan_lines(plan), ElementsAre("replace container p-web-1 (config changed (hash w1 -> "
                                            "w2); start-first)",
                                            "replace container p-web-2 (config changed (hash w1 -> "
                                            "w2); start-first)",
                                            "create container p-web-3 (missing)"));
  EXPECT_THAT(plan.actions[1].after, ElementsAre(0));
  EXPECT_THAT(plan.actions[2].after, IsEmpty());
  EXPECT_FALSE(plan.actions[2].update.has_value());
}

TEST(PlanUpdate, AReplacedDependencyRestartsDependantsWithRestartTrue) {
  DesiredService api{.name = "api",
                     .hash = "a1",
                     .depends_on = {{.service = "web", .restart = true}},
                     .networks = {"p_default"}};
  DesiredState d = project({web(1, start_first()), api});
  ObservedState o = running_old(d);
  o.containers[1].hash = "a1";
  Plan plan = plan_up(d, o, {});
  EXPECT_THAT(plan_lines(plan),
              ElementsAre("replace container p-web-1 (config changed (hash w1 -> w2); start-first)",
                          "restart container p-api-1 (dependency 'web' was recreated)"));
  EXPECT_THAT(plan.actions[1].after, ElementsAre(0));
}

}  // namespace
}  // namespace lit::reconciler
