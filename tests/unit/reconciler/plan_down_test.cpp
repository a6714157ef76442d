// plan_down: what `lit down` removes, and in which order.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "reconciler/plan.hpp"
#include "tests/unit/error_of.hpp"
#include "tests/unit/reconciler/plan_lines.hpp"

namespace lit::reconciler {
namespace {

using lit::testing::error_of;
using lit::testing::plan_lines;
using ::testing::ElementsAre;
using ::testing::IsEmpty;

DesiredService svc(std::string name, std::vector<std::string> deps = {}) {
  DesiredService s{.name = std::move(name), .hash = "h", .networks = {"p_default"}};
  for (auto& d : deps) s.depends_on.push_back({.service = std::move(d)});
  return s;
}

ObservedContainer container(const std::string& service, int number,
                            runtime::ContainerStatus status = runtime::ContainerStatus::Running) {
  std::string n = std::to_string(number);
  return {.id = "id-" + service + "-" + n,
          .name = "p-" + service + "-" + n,
          .service = service,
          .number = number,
          .hash = "h",
          .status = status};
}

struct Fixture {
  DesiredState d{
      .project = "p",
      .services = {svc("web", {"api"}), svc("api", {"db"}), svc("db")},
      .networks = {{.name = "p_default", .hash = "n"}, {.name = "shared", .external = true}},
      .volumes = {{.name = "p_data"}, {.name = "keep", .external = true}}};
  ObservedState o{
      .containers = {container("db", 1), container("api", 1),
                     container("api", 2, runtime::ContainerStatus::Exited), container("web", 1)},
      .networks = {{.name = "p_default",
                    .hash = "n",
                    .attached = {"id-db-1", "id-api-1", "id-web-1"}},
                   {.name = "shared", .attached = {"id-web-1", "foreign"}}},
      .volumes = {{.name = "p_data"}, {.name = "keep"}}};
};

TEST(PlanDown, RemovesDependantsFirstThenNetworksKeepingExternalOnes) {
  Fixture f;
  Plan plan = plan_down(f.d, f.o, {});
  EXPECT_THAT(plan_lines(plan), ElementsAre("remove container p-web-1", "remove container p-api-2",
                                            "remove container p-api-1", "remove container p-db-1",
                                            "remove network p_default"));
  EXPECT_THAT(plan.actions[0].after, IsEmpty());
  EXPECT_THAT(plan.actions[1].after, ElementsAre(0));     // api waits for web
  EXPECT_THAT(plan.actions[3].after, ElementsAre(1, 2));  // db waits for both api
  EXPECT_THAT(plan.actions[4].after, ElementsAre(0, 1, 2, 3));
  EXPECT_EQ(plan.actions[3].container_id, "id-db-1");
  EXPECT_THAT(plan.warnings, IsEmpty());
}

// down SERVICE...: those services' containers only (dependants of each other
// first); networks and volumes stay, even with -v.
TEST(PlanDown, NamedServicesRemoveOnlyTheirContainers) {
  Fixture f;
  Plan plan = plan_down(f.d, f.o, {.volumes = true, .services = {"db", "web"}});
  EXPECT_THAT(plan_lines(plan), ElementsAre("remove container p-web-1", "remove container p-db-1"));
  EXPECT_THAT(plan.warnings, IsEmpty());
  EXPECT_EQ(error_of([&] { plan_down(f.d, f.o, {.services = {"nope"}}); }),
            "no such service: nope");
}

TEST(PlanDown, VolumesOnlyWithDashV) {
  Fixture f;
  Plan plan = plan_down(f.d, f.o, {.volumes = true});
  ASSERT_EQ(plan.actions.size(), 6u);
  EXPECT_EQ(plan_lines(plan).back(), "remove volume p_data");
  EXPECT_THAT(plan.actions.back().after, ElementsAre(0, 1, 2, 3));
}

TEST(PlanDown, OrderPassesThroughAServiceWithoutContainers) {
  Fixture f;
  f.o.containers.erase(f.o.containers.begin() + 1, f.o.containers.begin() + 3);  // no api
  f.o.networks[0].attached = {"id-db-1", "id-web-1"};
  Plan plan = plan_down(f.d, f.o, {});
  EXPECT_THAT(plan_lines(plan), ElementsAre("remove container p-web-1", "remove container p-db-1",
                                            "remove network p_default"));
  EXPECT_THAT(plan.actions[1].after, ElementsAre(0));
}

TEST(PlanDown, OrphansAndNetworksStillInUse) {
  Fixture f;
  f.d.inactive_services = {"debug"};
  f.o.containers.push_back(container("old", 1));
  f.o.containers.push_back(container("debug", 1));
  f.o.networks[0].attached.push_back("id-old-1");
  Plan plan = plan_down(f.d, f.o, {});
  EXPECT_EQ(plan_lines(plan).front(), "remove container p-debug-1");
  EXPECT_EQ(plan.actions.size(), 5u);  // the network stays: p-old-1 still uses it
  EXPECT_THAT(plan.warnings,
              ElementsAre("orphan containers found for service old: run with --remove-orphans to "
                          "remove them",
                          "network p_default is still used by container id-old-1: not removed"));
  plan = plan_down(f.d, f.o, {.remove_orphans = true});
  EXPECT_EQ(plan_lines(plan).front(),
            "remove container p-old-1 (orphan: service 'old' is no longer in the project)");
  EXPECT_EQ(plan_lines(plan).back(), "remove network p_default");
  EXPECT_THAT(plan.warnings, IsEmpty());
}

TEST(PlanDown, NothingToRemoveIsAnEmptyPlan) {
  Fixture f;
  EXPECT_TRUE(plan_down(f.d, {}, {.volumes = true}).empty());
}

TEST(PlanDown, CyclesAreErrorsHereToo) {
  DesiredState d{.project = "p", .services = {svc("a", {"b"}), svc("b", {"a"})}};
  EXPECT_EQ(error_of([&] { plan_down(d, {}, {}); }),
            "dependency cycle between services: a -> b -> a");
}

}  // namespace
}  // namespace lit::reconciler
