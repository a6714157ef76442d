// The plans of `lit run` (its dependencies), `lit start/stop/restart`, and how
// up and down treat one-off containers.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <algorithm>

#include "reconciler/plan.hpp"
#include "tests/unit/error_of.hpp"
#include "tests/unit/reconciler/plan_lines.hpp"

namespace lit::reconciler {
namespace {

using lit::testing::error_of;
using lit::testing::plan_lines;
using ::testing::ElementsAre;
using ::testing::IsEmpty;

// web -> api -> db, all on p_default, every replica running with hash "h".
struct Project3 {
  DesiredState d{.project = "p", .networks = {{.name = "p_default", .hash = "n"}}};
  ObservedState o{.networks = {{.name = "p_default", .hash = "n", .project = "p"}}};

  Project3() {
    using Edge = std::pair<const char*, const char*>;
    for (auto [name, dep] :
         std::initializer_list<Edge>{{"web", "api"}, {"api", "db"}, {"db", ""}}) {
      DesiredService s{.name = name, .hash = "h", .networks = {"p_default"}};
      if (*dep) s.depends_on.push_back({.service = dep});
      d.services.push_back(s);
      add(name, 1, runtime::ContainerStatus::Running);
    }
  }

  ObservedContainer& add(const std::string& service, int number, runtime::ContainerStatus status,
                         bool oneoff = false) {
    std::string n = oneoff ? "run-" + std::to_string(o.containers.size()) : std::to_string(number);
    o.containers.push_back({.id = "id-" + service + "-" + n,
                            .name = "p-" + service + "-" + n,
                            .service = service,
                            .number = number,
                            .hash = "h",
                            .status = status,
                            .oneoff = oneoff});
    o.networks[0].attached.push_back(o.containers.back().id);
    return o.containers.back();
  }

  void set_status(runtime::ContainerStatus status) {
    for (auto& c : o.containers) c.status = status;
  }
};

TEST(PlanLifecycle, StopsDependantsFirstAndOnlyRunningContainers) {
  Project3 p;
  p.add("web", 2, runtime::ContainerStatus::Exited);
  Plan plan = plan_lifecycle(p.d, p.o, Lifecycle::Stop, {});
  EXPECT_THAT(plan_lines(plan), ElementsAre("stop container p-web-1", "stop container p-api-1",
                                            "stop container p-db-1"));
  EXPECT_THAT(plan.actions[1].after, ElementsAre(0));
  EXPECT_THAT(plan.actions[2].after, ElementsAre(1));
}

TEST(PlanLifecycle, StartsDependenciesFirstWaitingOnTheirConditions) {
  Project3 p;
  p.set_status(runtime::ContainerStatus::Exited);
  Plan plan = plan_lifecycle(p.d, p.o, Lifecycle::Start, {});
  EXPECT_THAT(plan_lines(plan), ElementsAre("start container p-db-1", "start container p-api-1",
                                            "start container p-web-1"));
  EXPECT_THAT(plan.actions[2].after, ElementsAre(1));
  ASSERT_EQ(plan.actions[2].wait_for.size(), 1u);
  EXPECT_EQ(plan.actions[2].wait_for[0].service, "api");
  // Running ones are left alone.
  EXPECT_THAT(plan_lines(plan_lifecycle(p.d, Project3().o, Lifecycle::Start, {})), IsEmpty());
}

TEST(PlanLifecycle, SelectedServicesOnlyKeepingTheOrderThroughOthers) {
  Project3 p;
  Plan plan = plan_lifecycle(p.d, p.o, Lifecycle::Restart, {"web", "db"});
  EXPECT_THAT(plan_lines(plan),
              ElementsAre("restart container p-db-1", "restart container p-web-1"));
  EXPECT_THAT(plan.actions[1].after, ElementsAre(0));  // through api, which has no action
  EXPECT_EQ(error_of([&] { plan_lifecycle(p.d, p.o, Lifecycle::Stop, {"nope"}); }),
            "no such service: nope");
}

TEST(PlanLifecycle, LeavesOneOffsAlone) {
  Project3 p;
  p.add("web", 1, runtime::ContainerStatus::Running, true);
  EXPECT_THAT(plan_lines(plan_lifecycle(p.d, p.o, Lifecycle::Stop, {"web"})),
              ElementsAre("stop container p-web-1"));
}

TEST(PlanRunDependencies, StartsWhatTheServiceNeedsButNotTheServiceItself) {
  Project3 p;
  p.o = {};
  Plan plan = plan_run_dependencies(p.d, p.o, "api", true);
  EXPECT_THAT(plan_lines(plan), ElementsAre("create network p_default (missing)",
                                            "create container p-db-1 (missing)"));
  EXPECT_THAT(plan.actions[1].after, ElementsAre(0));
  // --no-deps: the network only.
  EXPECT_THAT(plan_lines(plan_run_dependencies(p.d, p.o, "api", false)),
              ElementsAre("create network p_default (missing)"));
  // Everything up: nothing to do.
  EXPECT_THAT(plan_lines(plan_run_dependencies(p.d, Project3().o, "web", true)), IsEmpty());
}

TEST(PlanUpDown, OneOffsAreNeitherReplicasNorOrphansButDownRemovesThem) {
  Project3 p;
  p.add("web", 1, runtime::ContainerStatus::Running, true);
  // a one-off of a service no longer in the file
  p.add("gone", 1, runtime::ContainerStatus::Exited, true);
  Plan up = plan_up(p.d, p.o, {});
  EXPECT_THAT(plan_lines(up), IsEmpty());
  EXPECT_THAT(up.warnings, IsEmpty());
  Plan down = plan_down(p.d, p.o, {.remove_orphans = true});
  auto l = plan_lines(down);
  EXPECT_EQ(std::count(l.begin(), l.end(), "remove container p-web-run-3"), 1) << render_plan(down);
  EXPECT_EQ(
      std::count(
          l.begin(), l.end(),
          "remove container p-gone-run-4 (orphan: service 'gone' is no longer in the project)"),
      1)
      << render_plan(down);
  EXPECT_EQ(l.back(), "remove network p_default");
}

}  // namespace
}  // namespace lit::reconciler
