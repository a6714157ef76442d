// plan_up: what `lit up` would do, as `lit up --dry-run` prints it, for a
// small project "p" (services share the network p_default).
#include "reconciler/plan.hpp"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "tests/unit/error_of.hpp"
#include "tests/unit/reconciler/plan_lines.hpp"

namespace lit::reconciler {
namespace {

using lit::testing::error_of;
using lit::testing::plan_lines;
using ::testing::ElementsAre;
using ::testing::IsEmpty;

DesiredService svc(std::string name, std::string hash, std::vector<DesiredDependency> deps = {}) {
  return {.name = std::move(name),
          .hash = std::move(hash),
          .depends_on = std::move(deps),
          .networks = {"p_default"}};
}

DesiredDependency on(std::string service, Condition c = Condition::Started) {
  return {.service = std::move(service), .condition = c};
}

DesiredState project(std::vector<DesiredService> services) {
  return {.project = "p",
          .services = std::move(services),
          .networks = {{.name = "p_default", .hash = "net1"}}};
}

ObservedContainer running(const std::string& service, int number, const std::string& hash) {
  std::string n = std::to_string(number);
  return {.id = "id-" + service + "-" + n,
          .name = "p-" + service + "-" + n,
          .service = service,
          .number = number,
          .hash = hash,
          .status = runtime::ContainerStatus::Running};
}

// Everything of `d` exists and runs with the desired hash.
ObservedState matching(const DesiredState& d) {
  ObservedState o;
  for (const auto& n : d.networks)
    if (!n.external) o.networks.push_back({.name = n.name, .hash = n.hash, .project = d.project});
  for (const auto& v : d.volumes) o.volumes.push_back({.name = v.name});
  for (const auto& s : d.services)
    for (int i = 1; i <= s.replicas; ++i) {
      o.containers.push_back(running(s.name, i, s.hash));
      for (auto& n : o.networks) n.attached.push_back(o.containers.back().id);
    }
  return o;
}

std::vector<std::size_t> after(const Plan& plan, const std::string& target) {
  for (const auto& a : plan.actions)
    if (a.target == target) return a.after;
  ADD_FAILURE() << "no action on " << target;
  return {};
}

TEST(PlanUp, CreatesEverythingFromNothingInDependencyOrder) {
  DesiredState d = project({svc("web", "w1", {on("db", Condition::Healthy)}), svc("db", "d1")});
  d.services[1].volumes = {"p_data"};
  d.volumes = {{.name = "p_data"}};
  Plan plan = plan_up(d, {}, {});
  EXPECT_THAT(
      plan_lines(plan),
      ElementsAre("create network p_default (missing)", "create volume p_data (missing)",
                  "create container p-db-1 (missing)", "create container p-web-1 (missing)"));
  EXPECT_THAT(after(plan, "p-db-1"), ElementsAre(0, 1));
  EXPECT_THAT(after(plan, "p-web-1"), ElementsAre(0, 2));
  const Action& web = plan.actions[3];
  EXPECT_EQ(web.kind, ActionKind::CreateContainer);
  EXPECT_EQ(web.service, "web");
  EXPECT_EQ(web.number, 1);
  ASSERT_EQ(web.wait_for.size(), 1u);
  EXPECT_EQ(web.wait_for[0].service, "db");
  EXPECT_EQ(web.wait_for[0].condition, Condition::Healthy);
  EXPECT_THAT(plan.warnings, IsEmpty());
}

TEST(PlanUp, NothingToDoWhenEverythingMatches) {
  DesiredState d = project({svc("web", "w1", {on("db")}), svc("db", "d1")});
  d.services[0].replicas = 2;
  d.volumes = {{.name = "p_data"}};
  Plan plan = plan_up(d, matching(d), {});
  EXPECT_TRUE(plan.empty()) << render_plan(plan);
  EXPECT_THAT(plan.warnings, IsEmpty());
  EXPECT_EQ(render_plan(plan), "");
}

TEST(PlanUp, RecreatesOnlyTheChangedServiceNotItsDependants) {
  DesiredState d = project({svc("web", "w1", {on("db")}), svc("db", "d1"), svc("cache", "c1")});
  ObservedState o = matching(d);
  d.services[1].hash = "d2222222222222222";
  o.containers[1].hash = "d1111111111111111";
  Plan plan = plan_up(d, o, {});
  EXPECT_THAT(plan_lines(plan), ElementsAre("recreate container p-db-1 (config changed (hash "
                                            "d11111111111 -> d22222222222))"));
  EXPECT_EQ(plan.actions[0].container_id, "id-db-1");
}

TEST(PlanUp, DependantWorkWaitsForARecreatedDependency) {
  DesiredState d = project({svc("web", "w2", {on("db")}), svc("db", "d2")});
  ObservedState o = matching(d);
  o.containers[0].hash = "w1";
  o.containers[1].hash = "d1";
  Plan plan = plan_up(d, o, {});
  EXPECT_THAT(plan_lines(plan),
              ElementsAre("recreate container p-db-1 (config changed (hash d1 -> d2))",
                          "recreate container p-web-1 (config changed (hash w1 -> w2))"));
  EXPECT_THAT(plan.actions[1].after, ElementsAre(0));
}

TEST(PlanUp, DependsOnRestartRestartsDependantsOfARecreatedService) {
  DesiredState d =
      project({svc("web", "w1", {on("db")}), svc("api", "a1", {on("db")}), svc("db", "d2")});
  d.services[0].depends_on[0].restart = true;
  ObservedState o = matching(d);
  o.containers[2].hash = "d1";
  Plan plan = plan_up(d, o, {});
  EXPECT_THAT(plan_lines(plan),
              ElementsAre("recreate container p-db-1 (config changed (hash d1 -> d2))",
                          "restart container p-web-1 (dependency 'db' was recreated)"));
  EXPECT_EQ(plan.actions[1].kind, ActionKind::RestartContainer);
  EXPECT_EQ(plan.actions[1].container_id, "id-web-1");
  EXPECT_THAT(plan.actions[1].after, ElementsAre(0));
  // A dependency that is only started again does not restart anything.
  o.containers[2].hash = "d2";
  o.containers[2].status = runtime::ContainerStatus::Exited;
  EXPECT_THAT(plan_lines(plan_up(d, o, {})),
              ElementsAre("start container p-db-1 (exited with code 0)"));
}

TEST(PlanUp, StartsStoppedContainersWithTheSameHash) {
  DesiredState d = project({svc("job", "j1"), svc("web", "w1", {on("job")}), svc("api", "a1")});
  ObservedState o = matching(d);
  // one-shot done: compose starts it again
  o.containers[0].status = runtime::ContainerStatus::Exited;
  o.containers[1].status = runtime::ContainerStatus::Created;
  o.containers[2].status = runtime::ContainerStatus::Restarting;
  Plan plan = plan_up(d, o, {});
  EXPECT_THAT(plan_lines(plan), ElementsAre("start container p-job-1 (exited with code 0)",
                                            "start container p-web-1 (created, never started)"));
  EXPECT_EQ(plan.actions[0].kind, ActionKind::StartContainer);
  EXPECT_EQ(plan.actions[0].container_id, "id-job-1");
  EXPECT_THAT(plan.actions[1].after, ElementsAre(0));
}

TEST(PlanUp, ScalesUpCreatingTheLowestMissingNumbers) {
  DesiredState d = project({svc("web", "w1")});
  d.services[0].replicas = 4;
  ObservedState o = matching(project({svc("web", "w1")}));
  o.containers.push_back(running("web", 3, "w1"));
  EXPECT_THAT(plan_lines(plan_up(d, o, {})), ElementsAre("create container p-web-2 (missing)",
                                                         "create container p-web-4 (missing)"));
}

TEST(PlanUp, ScalesDownRemovingTheHighestNumbersFirst) {
  DesiredState d = project({svc("web", "w1")});
  d.services[0].replicas = 3;
  ObservedState o = matching(d);
  d.services[0].replicas = 1;
  Plan plan = plan_up(d, o, {});
  EXPECT_THAT(plan_lines(plan), ElementsAre("remove container p-web-3 (scaled down from 3 to 1)",
                                            "remove container p-web-2 (scaled down from 3 to 1)"));
  EXPECT_EQ(plan.actions[0].container_id, "id-web-3");
  // --scale overrides replicas, to zero as well.
  d.services[0].replicas = 3;
  EXPECT_THAT(plan_lines(plan_up(d, o, {.scale = {{"web", 2}}})),
              ElementsAre("remove container p-web-3 (scaled down from 3 to 2)"));
  EXPECT_EQ(plan_up(d, o, {.scale = {{"web", 0}}}).actions.size(), 3u);
}

TEST(PlanUp, OrphansAreAWarningUnlessRemoveOrphans) {
  DesiredState d = project({svc("web", "w1")});
  d.inactive_services = {"debug"};
  ObservedState o = matching(d);
  o.containers.push_back(running("old", 1, "o1"));
  o.containers.push_back(running("older", 1, "o2"));
  o.containers.push_back(running("debug", 1, "x1"));  // profile off: not an orphan
  Plan plan = plan_up(d, o, {});
  EXPECT_TRUE(plan.empty());
  EXPECT_THAT(plan.warnings, ElementsAre("orphan containers found for services old, older: run "
                                         "with --remove-orphans to remove them"));
  plan = plan_up(d, o, {.remove_orphans = true});
  EXPECT_THAT(
      plan_lines(plan),
      ElementsAre(
          "remove container p-old-1 (orphan: service 'old' is no longer in the project)",
          "remove container p-older-1 (orphan: service 'older' is no longer in the project)"));
  EXPECT_THAT(plan.warnings, IsEmpty());
}

TEST(PlanUp, IndependentServicesHaveNoEdgesBetweenThem) {
  DesiredState d = project({svc("a", "a1"), svc("b", "b1"), svc("c", "c1", {on("a"), on("b")})});
  Plan plan = plan_up(d, {}, {});
  EXPECT_THAT(plan_lines(plan),
              ElementsAre("create network p_default (missing)", "create container p-a-1 (missing)",
                          "create container p-b-1 (missing)", "create container p-c-1 (missing)"));
  EXPECT_THAT(after(plan, "p-a-1"), ElementsAre(0));
  EXPECT_THAT(after(plan, "p-b-1"), ElementsAre(0));
  EXPECT_THAT(after(plan, "p-c-1"), ElementsAre(0, 1, 2));
  EXPECT_THAT(dependants_of(plan),
              ElementsAre(ElementsAre(1, 2, 3), ElementsAre(3), ElementsAre(3), IsEmpty()));
}

TEST(PlanUp, OrderingPassesThroughAnUnchangedService) {
  // front -> mid -> back; only front and back change: front still waits for back.
  DesiredState d =
      project({svc("front", "f2", {on("mid")}), svc("mid", "m1", {on("back")}), svc("back", "b2")});
  ObservedState o = matching(d);
  o.containers[0].hash = "f1";
  o.containers[2].hash = "b1";
  Plan plan = plan_up(d, o, {});
  ASSERT_EQ(plan.actions.size(), 2u);
  EXPECT_EQ(plan.actions[0].target, "p-back-1");
  EXPECT_THAT(plan.actions[1].after, ElementsAre(0));
}

TEST(PlanUp, DependencyCyclesAndUnknownDependenciesAreErrors) {
  EXPECT_EQ(error_of([] {
              plan_up(project({svc("a", "1", {on("b")}), svc("b", "1", {on("c")}),
                               svc("c", "1", {on("a")})}),
                      {}, {});
            }),
            "dependency cycle between services: a -> b -> c -> a");
  EXPECT_EQ(error_of([] { plan_up(project({svc("a", "1", {on("a")})}), {}, {}); }),
            "dependency cycle between services: a -> a");
  EXPECT_EQ(error_of([] { plan_up(project({svc("web", "1", {on("db")})}), {}, {}); }),
            "service \"web\" depends on undefined service \"db\"");
  DesiredState d = project({svc("web", "1", {on("db")})});
  d.inactive_services = {"db"};
  EXPECT_EQ(error_of([&] { plan_up(d, {}, {}); }),
            "service \"web\" depends on service \"db\", which is disabled by its profile");
  d.services[0].depends_on[0].required = false;
  Plan plan = plan_up(d, {}, {});
  EXPECT_THAT(plan.warnings, ElementsAre("service \"web\" depends on service \"db\", which is "
                                         "disabled by its profile (optional: ignored)"));
  EXPECT_THAT(plan_lines(plan), ElementsAre("create network p_default (missing)",
                                            "create container p-web-1 (missing)"));
}

TEST(PlanUp, SelectedServicesPullInTheirDependencies) {
  DesiredState d = project({svc("web", "w1", {on("api")}), svc("api", "a1", {on("db")}),
                            svc("db", "d1"), svc("cache", "c1")});
  d.services[3].networks = {"p_cache"};
  d.networks.push_back({.name = "p_cache", .hash = "n2"});
  EXPECT_THAT(plan_lines(plan_up(d, {}, {.services = {"api"}})),
              ElementsAre("create network p_default (missing)", "create container p-db-1 (missing)",
                          "create container p-api-1 (missing)"));
  EXPECT_EQ(error_of([&] { plan_up(d, {}, {.services = {"nope"}}); }), "no such service: nope");
  EXPECT_EQ(error_of([&] {
              plan_up(d, {}, {.scale = {{"nope", 2}}});
            }),
            "--scale nope=2: no such service \"nope\"");
}

// up --no-deps api: api alone, and it does not wait on db, which this up
// does not manage (as compose).
TEST(PlanUp, NoDepsPlansOnlyTheSelectedServices) {
  DesiredState d =
      project({svc("web", "w1", {on("api")}), svc("api", "a1", {on("db")}), svc("db", "d1")});
  Plan plan = plan_up(d, {}, {.services = {"api"}, .no_deps = true});
  EXPECT_THAT(plan_lines(plan), ElementsAre("create network p_default (missing)",
                                            "create container p-api-1 (missing)"));
  EXPECT_THAT(plan.actions[1].wait_for, IsEmpty());
  // Two selected services keep their order and the wait between them.
  plan = plan_up(d, {}, {.services = {"web", "api"}, .no_deps = true});
  EXPECT_THAT(plan_lines(plan), ElementsAre("create network p_default (missing)",
                                            "create container p-api-1 (missing)",
                                            "create container p-web-1 (missing)"));
  ASSERT_EQ(plan.actions[2].wait_for.size(), 1u);
  EXPECT_EQ(plan.actions[2].wait_for[0].service, "api");
}

// up --no-start / create: what is missing or changed is created (recreated),
// nothing is started, nothing waits on a dependency's condition.
TEST(PlanUp, NoStartCreatesAndRecreatesWithoutStarting) {
  DesiredState d = project(
      {svc("web", "w2", {on("db", Condition::Healthy)}), svc("db", "d1"), svc("job", "j1")});
  ObservedState o = matching(d);
  o.containers[0].hash = "w1";                                                    // web changed
  o.containers[1].status = runtime::ContainerStatus::Exited;                      // db stopped
  std::erase_if(o.containers, [](const auto& c) { return c.service == "job"; });  // job missing
  Plan plan = plan_up(d, o, {.no_start = true});
  EXPECT_THAT(plan_lines(plan),
              ElementsAre("create container p-job-1 (missing; not started)",
                          "recreate container p-web-1 (config changed (hash w1 -> "
                          "w2); not started)"));
  for (const auto& a : plan.actions) {
    EXPECT_FALSE(a.start) << a.target;
    EXPECT_THAT(a.wait_for, IsEmpty()) << a.target;
  }
}

TEST(PlanUp, ForceRecreateAndNoRecreate) {
  DesiredState d = project({svc("web", "w1", {on("db")}), svc("db", "d1"), svc("cache", "c1")});
  ObservedState o = matching(d);
  // As compose: --force-recreate is for the services named; their
  // dependencies are recreated only with --always-recreate-deps.
  EXPECT_THAT(plan_lines(plan_up(d, o, {.force_recreate = true, .services = {"web"}})),
              ElementsAre("recreate container p-web-1 (forced (--force-recreate))"));
  EXPECT_THAT(
      plan_lines(plan_up(
          d, o, {.force_recreate = true, .services = {"web"}, .always_recreate_deps = true})),
      ElementsAre("recreate container p-db-1 (forced (--force-recreate))",
                  "recreate container p-web-1 (forced (--force-recreate))"));
  EXPECT_THAT(plan_lines(plan_up(d, o, {.services = {"web"}, .always_recreate_deps = true})),
              ElementsAre("recreate container p-db-1 (forced (--force-recreate))"));
  EXPECT_THAT(plan_lines(plan_up(d, o, {.force_recreate = true})).size(), 3u);  // all named
  o.containers[1].hash = "old";
  o.containers[1].status = runtime::ContainerStatus::Exited;
  o.containers[1].exit_code = 137;
  EXPECT_THAT(plan_lines(plan_up(d, o, {.no_recreate = true})),
              ElementsAre("start container p-db-1 (exited with code 137)"));
  EXPECT_EQ(error_of([&] { plan_up(d, o, {.force_recreate = true, .no_recreate = true}); }),
            "--force-recreate and --no-recreate cannot be used together");
  EXPECT_EQ(error_of([&] { plan_up(d, o, {.no_recreate = true, .always_recreate_deps = true}); }),
            "--always-recreate-deps and --no-recreate are incompatible");
}

TEST(PlanUp, ContainerNameReplacesTheGeneratedNameAndAllowsOneReplica) {
  DesiredState d = project({svc("db", "d1")});
  d.services[0].container_name = "postgres";
  EXPECT_THAT(plan_lines(plan_up(d, {}, {})), ElementsAre("create network p_default (missing)",
                                                          "create container postgres (missing)"));
  EXPECT_EQ(error_of([&] {
              plan_up(d, {}, {.scale = {{"db", 2}}});
            }),
            "service \"db\" sets container_name \"postgres\" and cannot have 2 replicas: container "
            "names must be unique");
}

// --compatibility names new containers PROJECT_SERVICE_N, as compose v1;
// switching it recreates nothing (compose knows its containers by their
// labels), and each keeps its name.
TEST(PlanUp, CompatibilityNamesNewContainersAndASwitchRecreatesNothing) {
  DesiredState d = project({svc("web", "w1")});
  EXPECT_THAT(
      plan_lines(plan_up(d, {}, {.compatibility = true})),
      ElementsAre("create network p_default (missing)", "create container p_web_1 (missing)"));
  ObservedState o = matching(d);  // p-web-1
  EXPECT_TRUE(plan_up(d, o, {.compatibility = true}).empty());
  o.containers[0].name = "p_web_1";
  EXPECT_TRUE(plan_up(d, o, {}).empty());
  o.containers[0].status = runtime::ContainerStatus::Exited;
  EXPECT_THAT(plan_lines(plan_up(d, o, {})),
              ElementsAre("start container p_web_1 (exited with code 0)"));
}

TEST(PlanUp, ExternalNetworksAndVolumesMustExist) {
  DesiredState d = project({svc("web", "w1")});
  d.networks[0].external = true;
  d.services[0].volumes = {"shared"};
  d.volumes = {{.name = "shared", .external = true}};
  EXPECT_EQ(error_of([&] { plan_up(d, {}, {}); }),
            "network p_default is declared as external, but could not be found");
  ObservedState o{.networks = {{.name = "p_default"}}};
  EXPECT_EQ(error_of([&] { plan_up(d, o, {}); }),
            "volume shared is declared as external, but could not be found");
  o.volumes = {{.name = "shared"}};
  EXPECT_THAT(plan_lines(plan_up(d, o, {})), ElementsAre("create container p-web-1 (missing)"));
}

TEST(PlanUp, ChangedNetworkIsRecreatedAroundItsContainers) {
  DesiredState d = project({svc("web", "w1"), svc("other", "o1")});
  d.services[1].networks = {};
  ObservedState o = matching(d);
  o.networks[0].hash = "net0";
  o.networks[0].attached = {"id-web-1"};
  Plan plan = plan_up(d, o, {});
  EXPECT_THAT(plan_lines(plan),
              ElementsAre("remove container p-web-1 (network p_default is recreated)",
                          "recreate network p_default (config changed (hash net0 -> net1))",
                          "create container p-web-1 (network p_default was recreated)"));
  EXPECT_THAT(plan.actions[1].after, ElementsAre(0));
  EXPECT_THAT(plan.actions[2].after, ElementsAre(1));
  // A container this up would not replace keeps the network from changing.
  o.networks[0].attached.push_back("0123456789abcdef");
  EXPECT_EQ(error_of([&] { plan_up(d, o, {}); }),
            "network p_default has a changed configuration, but container 0123456789ab still uses "
            "it and would be left without it");
}

TEST(PlanUp, DuplicateReplicaLeftByACrashIsRemoved) {
  DesiredState d = project({svc("web", "w2")});
  ObservedState o = matching(project({svc("web", "w1")}));
  ObservedContainer tmp = running("web", 1, "w2");  // new one, still under its temporary name
  tmp.id = "id-tmp";
  tmp.name = "abc_p-web-1";
  tmp.status = runtime::ContainerStatus::Created;
  o.containers.push_back(tmp);
  EXPECT_THAT(plan_lines(plan_up(d, o, {})),
              ElementsAre("remove container abc_p-web-1 (duplicate of replica 1)",
                          "recreate container p-web-1 (config changed (hash w1 -> w2))"));
}

TEST(PlanUp, DryRunRendering) {
  DesiredState d = project({svc("web", "w2"), svc("api", "a1")});
  d.services[0].replicas = 2;
  ObservedState o = matching(project({svc("web", "w1"), svc("api", "a1")}));
  o.containers[1].status = runtime::ContainerStatus::Exited;
  o.containers[1].exit_code = 3;
  o.containers.push_back(running("old", 1, "x"));
  Plan plan = plan_up(d, o, {.remove_orphans = true});
  EXPECT_EQ(render_plan(plan),
            "remove container p-old-1 (orphan: service 'old' is no longer in the project)\n"
            "start container p-api-1 (exited with code 3)\n"
            "recreate container p-web-1 (config changed (hash w1 -> w2))\n"
            "create container p-web-2 (missing)\n");
}

TEST(ServiceOrder, DependenciesFirstTiesByName) {
  DesiredState d = project({svc("web", "1", {on("db"), on("cache")}), svc("db", "1"),
                            svc("cache", "1"), svc("admin", "1", {on("db")})});
  EXPECT_THAT(service_order(d), ElementsAre("cache", "db", "admin", "web"));
}

// Two project files may name one network (networks: {x: {name: shared}}):
// the project that did not make it uses it as it is, as compose does, and
// never remakes it under the other project's containers.
TEST(PlanUp, AnotherProjectsNetworkOfTheNameIsUsedWithAWarningNotRemade) {
  DesiredState d = project({svc("web", "h1")});
  ObservedState o = matching(d);
  o.networks[0].project = "other";
  o.networks[0].hash = "theirs";
  o.networks[0].attached.push_back("id-of-other-project");
  Plan p = plan_up(d, o, {});
  EXPECT_THAT(plan_lines(p), IsEmpty());
  EXPECT_THAT(p.warnings, ::testing::Contains(::testing::HasSubstr(
                              "a network with name p_default exists but was not "
                              "created for project \"p\"")));
}

}  // namespace
}  // namespace lit::reconciler
