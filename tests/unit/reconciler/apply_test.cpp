// The applier without root: a fake ActionRunner records what runs when, holds
// actions until the test releases them and answers the dependency conditions
// the test sets. Ordering, the bounded pool, depends_on conditions (and their
// failures and timeouts), skip-after-failure and cancellation; and the
// conditions as the real runner reads them off observed containers. Every wait
// here is on an event, with a bound.
#include "reconciler/apply/apply.hpp"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <algorithm>
#include <chrono>
#include <condition_variable>
#include <future>
#include <map>
#include <mutex>
#include <set>
#include <stop_token>
#include <string>
#include <vector>

#include "reconciler/apply/actions.hpp"
#include "runtime/util/error.hpp"

namespace lit::reconciler {
namespace {

using ::testing::Contains;
using ::testing::ElementsAre;
using ::testing::IsEmpty;
using ::testing::Not;

// How long any awaited event may take before the test fails.
constexpr auto kBound = std::chrono::seconds(10);

using Kind = ConditionState::Kind;

bool waits(ActionKind k) {
  return k == ActionKind::CreateContainer || k == ActionKind::StartContainer ||
         k == ActionKind::RecreateContainer;
}

// Runs actions as the test scripts them; condition() answers what the test set
// (Waiting unless set). Container actions that wait do so first, as the real
// runner's create and start do.
class FakeRunner : public ActionRunner {
 public:
  void fail(const std::string& target, std::string message) {
    std::lock_guard lock(m_);
    failures_[target] = std::move(message);
  }
  // The action on `target` runs until release(target).
  void hold(const std::string& target) {
    std::lock_guard lock(m_);
    held_.insert(target);
  }
  void release(const std::string& target) {
    std::lock_guard lock(m_);
    held_.erase(target);
    cv_.notify_all();
  }
  void release_all() {
    std::lock_guard lock(m_);
    held_.clear();
    cv_.notify_all();
  }
  void set_condition(const std::string& service, Kind kind, std::string why = "") {
    std::lock_guard lock(m_);
    conditions_[service] = {kind, std::move(why)};
  }
  // `service`'s containers started (a service_started condition holds; the
  // others answer as set).
  void set_started(const std::string& service) {
    std::lock_guard lock(m_);
    started_.insert(service);
  }
  // When the action on `target` succeeds, `service`'s conditions hold.
  void on_success_holds(const std::string& target, const std::string& service) {
    std::lock_guard lock(m_);
    makes_hold_[target] = service;
  }

  // Waits, with a bound, until `pred` holds over the log; false on timeout.
  bool wait_until(const std::function<bool(const std::vector<std::string>&)>& pred,
                  std::chrono::milliseconds bound = kBound) {
    std::unique_lock lock(m_);
    return cv_.wait_for(lock, bound, [&] { return pred(log_); });
  }
  bool started(const std::string& target) {
    return wait_until([&](const auto& log) { return logged(log, "start " + target); });
  }
  std::vector<std::string> log() {
    std::lock_guard lock(m_);
    return log_;
  }
  int max_running() {
    std::lock_guard lock(m_);
    return max_running_;
  }
  int running() {
    std::lock_guard lock(m_);
    return running_;
  }

  static bool logged(const std::vector<std::string>& log, const std::string& entry) {
    return std::find(log.begin(), log.end(), entry) != log.end();
  }

  std::string run(const Action& a, ActionContext& context) override {
    record("start " + a.target, +1);
    struct Ended {
      FakeRunner* self;
      std::string target;
      ~Ended() { self->record("end " + target, -1); }
    } ended{this, a.target};
    if (waits(a.kind) && context.wait_for_dependencies_started()) record("prepare " + a.target, 0);
    if (waits(a.kind)) context.wait_for_dependencies();
    context.step("Working");
    std::unique_lock lock(m_);
    if (!cv_.wait_for(lock, kBound, [&] { return !held_.contains(a.target); }))
      throw Error("held too long");
    if (auto f = failures_.find(a.target); f != failures_.end()) throw Error(f->second);
    if (auto h = makes_hold_.find(a.target); h != makes_hold_.end())
      conditions_[h->second] = {Kind::Holds};
    return "Done";
  }

  ConditionState condition(const DesiredDependency& dep) override {
    std::lock_guard lock(m_);
    auto it = conditions_.find(dep.service);
    if (dep.condition == Condition::Started && started_.contains(dep.service) &&
        (it == conditions_.end() || it->second.kind == Kind::Waiting))
      return {Kind::Holds};
    return it == conditions_.end() ? ConditionState{Kind::Waiting} : it->second;
  }

 private:
  void record(const std::string& entry, int delta) {
    std::lock_guard lock(m_);
    log_.push_back(entry);
    running_ += delta;
    max_running_ = std::max(max_running_, running_);
    cv_.notify_all();
  }

  std::mutex m_;
  std::condition_variable cv_;
  std::map<std::string, std::string> failures_, makes_hold_;
  std::set<std::string> held_, started_;
  std::map<std::string, ConditionState> conditions_;
  std::vector<std::string> log_;
  int running_ = 0, max_running_ = 0;
};

// A FakeRunner that can tell when something changed outside the process, as
// the real one does from the event journal.
class WatchingRunner : public FakeRunner {
 public:
  // Outside the process, `service`'s conditions came to hold; a watch wakes.
  void change_outside(const std::string& service) {
    set_condition(service, Kind::Holds);
    std::lock_guard lock(watch_m_);
    changed_ = true;
    watch_cv_.notify_all();
  }
  bool wait_outside_change(std::chrono::milliseconds at_most) override {
    std::unique_lock lock(watch_m_);
    watch_cv_.wait_for(lock, at_most, [&] { return changed_ || interrupted_; });
    changed_ = interrupted_ = false;
    return true;
  }
  void interrupt_outside_wait() override {
    std::lock_guard lock(watch_m_);
    interrupted_ = true;
    watch_cv_.notify_all();
  }

 private:
  std::mutex watch_m_;
  std::condition_variable watch_cv_;
  bool changed_ = false, interrupted_ = false;
};

// The progress events, as "Container web Waiting", awaitable.
class Events {
 public:
  Progress sink() {
    return [this](const ProgressEvent& e) {
      std::lock_guard lock(m_);
      seen_.push_back(e.id + " " + e.status + (e.text.empty() ? "" : " (" + e.text + ")"));
      cv_.notify_all();
    };
  }
  bool wait_for(const std::string& event) {
    std::unique_lock lock(m_);
    return cv_.wait_for(lock, kBound, [&] { return FakeRunner::logged(seen_, event); });
  }
  std::vector<std::string> of(const std::string& id) {
    std::lock_guard lock(m_);
    std::vector<std::string> out;
    for (const auto& e : seen_)
      if (e.starts_with(id + " ")) out.push_back(e.substr(id.size() + 1));
    return out;
  }

 private:
  std::mutex m_;
  std::condition_variable cv_;
  std::vector<std::string> seen_;
};

Action container(const std::string& name, std::vector<std::size_t> after = {},
                 std::vector<DesiredDependency> wait_for = {}) {
  return {.kind = ActionKind::CreateContainer,
          .target = name,
          .service = name,
          .number = 1,
          .wait_for = std::move(wait_for),
          .after = std::move(after)};
}

ApplyOptions fast_options() {
  ApplyOptions o;
  o.workers = 4;
  o.recheck = std::chrono::milliseconds(5);
  o.dependency_timeout = std::chrono::seconds(30);
  return o;
}

// apply_plan on its own thread, so the test can act while it runs. A result
// that does not come within the bound cancels the apply and releases every
// held action before failing, so a failing test ends.
class AsyncApply {
 public:
  AsyncApply(const Plan& plan, FakeRunner& runner, ApplyOptions options, Events& events)
      : runner_(runner) {
    options.stop = stop_.get_token();
    result_ = std::async(std::launch::async, [&plan, &runner, options, sink = events.sink()] {
      return apply_plan(plan, runner, options, sink);
    });
  }
  ~AsyncApply() {
    if (result_.valid()) abandon();
  }
  void cancel() { stop_.request_stop(); }
  ApplyResult result() {
    if (result_.wait_for(kBound) != std::future_status::ready) {
      abandon();
      ADD_FAILURE() << "apply_plan did not return within the bound";
      return {};
    }
    return result_.get();
  }

 private:
  void abandon() {
    stop_.request_stop();
    runner_.release_all();
    result_.wait();
  }

  FakeRunner& runner_;
  std::stop_source stop_;
  std::future<ApplyResult> result_;
};

TEST(ApplyTest, RunsEachActionOnlyAfterTheActionsItComesAfter) {
  Plan plan{.actions = {{.kind = ActionKind::CreateNetwork, .target = "n"},
                        {.kind = ActionKind::CreateVolume, .target = "v"},
                        container("db", {0, 1}),
                        container("web", {2}),
                        container("cache", {0})}};
  FakeRunner runner;
  Events events;
  ApplyResult r = apply_plan(plan, runner, fast_options(), events.sink());
  EXPECT_THAT(r.errors, IsEmpty());
  auto log = runner.log();
  auto at = [&](const std::string& entry) {
    return std::find(log.begin(), log.end(), entry) - log.begin();
  };
  for (const auto& a : plan.actions) {
    ASSERT_LT(at("start " + a.target), static_cast<long>(log.size())) << a.target << " never ran";
    for (std::size_t before : a.after)
      EXPECT_LT(at("end " + plan.actions[before].target), at("start " + a.target))
          << a.target << " started before " << plan.actions[before].target << " ended";
  }
  EXPECT_THAT(events.of("Network n"), ElementsAre("Working", "Done"));
  EXPECT_THAT(events.of("Container web"), ElementsAre("Working", "Done"));
}

TEST(ApplyTest, RunsIndependentActionsInParallel) {
  Plan plan{.actions = {container("a"), container("b")}};
  FakeRunner runner;
  runner.hold("a");
  runner.hold("b");
  Events events;
  AsyncApply apply(plan, runner, fast_options(), events);
  // Neither is released before both have started: they run at the same time.
  EXPECT_TRUE(runner.started("a"));
  EXPECT_TRUE(runner.started("b"));
  runner.release_all();
  EXPECT_THAT(apply.result().errors, IsEmpty());
  EXPECT_EQ(runner.max_running(), 2);
}

// Six independent actions of one kind, a to f.
Plan six_held(ActionKind kind) {
  Plan plan;
  for (const char* name : {"a", "b", "c", "d", "e", "f"}) {
    Action a = container(name);
    a.kind = kind;
    plan.actions.push_back(a);
  }
  return plan;
}

// down's stops wait on stop timeouts, not the CPU: they all run at once.
TEST(ApplyTest, APlanThatOnlyStopsAndRemovesRunsAllAtOnce) {
  Plan plan = six_held(ActionKind::RemoveContainer);
  FakeRunner runner;
  for (const auto& a : plan.actions) runner.hold(a.target);
  ApplyOptions options = fast_options();
  options.workers = 2;
  Events events;
  AsyncApply apply(plan, runner, options, events);
  EXPECT_TRUE(runner.wait_until([](const auto& log) { return log.size() == 6u; }))
      << "all six removals started while none had ended";
  runner.release_all();
  EXPECT_THAT(apply.result().errors, IsEmpty());
  EXPECT_EQ(runner.max_running(), 6);
}

TEST(ApplyTest, RunsNoMoreActionsAtOnceThanItHasWorkers) {
  Plan plan = six_held(ActionKind::CreateContainer);
  FakeRunner runner;
  for (const auto& a : plan.actions) runner.hold(a.target);
  ApplyOptions options = fast_options();
  options.workers = 2;
  Events events;
  AsyncApply apply(plan, runner, options, events);
  // Each action is held until the test releases it, one at a time, the one
  // that started first once two have started: a third starts only then.
  auto starts = [](const std::vector<std::string>& log) {
    return static_cast<std::size_t>(std::count_if(
        log.begin(), log.end(), [](const auto& e) { return e.starts_with("start "); }));
  };
  std::set<std::string> released;
  while (released.size() < plan.actions.size()) {
    std::size_t want = std::min(released.size() + 2, plan.actions.size());
    ASSERT_TRUE(runner.wait_until([&](const auto& log) { return starts(log) >= want; }));
    for (const auto& e : runner.log()) {
      std::string target = e.substr(e.find(' ') + 1);
      if (e.starts_with("start ") && released.insert(target).second) {
        runner.release(target);
        break;
      }
    }
  }
  runner.release_all();
  EXPECT_THAT(apply.result().errors, IsEmpty());
  EXPECT_EQ(runner.log().size(), 12u);  // each started and ended once
  EXPECT_EQ(runner.max_running(), 2);
  EXPECT_GE(default_apply_workers(), 1u);
  EXPECT_LE(default_apply_workers(), 4u);
}

TEST(ApplyTest, WaitsForADependencyToStartOutsideTheProcess) {
  Plan plan{
      .actions = {container("web", {}, {{.service = "db", .condition = Condition::Started}})}};
  FakeRunner runner;
  Events events;
  AsyncApply apply(plan, runner, fast_options(), events);
  ASSERT_TRUE(events.wait_for("Container web Waiting"));
  EXPECT_THAT(runner.log(), ElementsAre("start web"));
  runner.set_condition("db", Kind::Holds);  // db's container started: seen on a recheck
  EXPECT_THAT(apply.result().errors, IsEmpty());
  EXPECT_THAT(events.of("Container web"), ElementsAre("Waiting", "Working", "Done"));
}

TEST(ApplyTest, AWaitingActionWakesWhenAnActionInTheProcessEnds) {
  // web has no edge to db (the planner would add one); only db's end wakes it,
  // since the periodic recheck is an hour away.
  Plan plan{
      .actions = {container("db"),
                  container("web", {}, {{.service = "db", .condition = Condition::Started}})}};
  FakeRunner runner;
  runner.hold("db");
  runner.on_success_holds("db", "db");
  ApplyOptions options = fast_options();
  options.recheck = std::chrono::hours(1);
  Events events;
  AsyncApply apply(plan, runner, options, events);
  ASSERT_TRUE(events.wait_for("Container web Waiting"));
  runner.release("db");
  EXPECT_THAT(apply.result().errors, IsEmpty());
  EXPECT_THAT(events.of("Container web"), ElementsAre("Waiting", "Working", "Done"));
}

TEST(ApplyTest, AWaitingActionWakesWhenTheRunnerSeesAChangeOutsideTheProcess) {
  // The periodic recheck is an hour away: only the runner's watch wakes web
  // (db turned healthy outside the process), and the watch ends with the apply.
  Plan plan{
      .actions = {container("web", {}, {{.service = "db", .condition = Condition::Healthy}})}};
  WatchingRunner runner;
  ApplyOptions options = fast_options();
  options.recheck = std::chrono::hours(1);
  Events events;
  AsyncApply apply(plan, runner, options, events);
  ASSERT_TRUE(events.wait_for("Container web Waiting"));
  runner.change_outside("db");
  EXPECT_THAT(apply.result().errors, IsEmpty());
  EXPECT_THAT(events.of("Container web"), ElementsAre("Waiting", "Working", "Done"));
}

TEST(ApplyTest, AStartWaitingForHealthyDependenciesIsPreparedOnceTheyHaveStarted) {
  Plan plan{.actions = {container("web", {},
                                  {{.service = "db", .condition = Condition::Healthy},
                                   {.service = "cache", .condition = Condition::Healthy}})}};
  WatchingRunner runner;
  Events events;
  AsyncApply apply(plan, runner, fast_options(), events);
  ASSERT_TRUE(events.wait_for("Container web Waiting"));
  runner.set_started("db");
  runner.change_outside("nothing");
  // Not while cache has not started: its own start comes first.
  EXPECT_FALSE(
      runner.wait_until([](const auto& log) { return FakeRunner::logged(log, "prepare web"); },
                        std::chrono::milliseconds(100)));
  runner.set_started("cache");
  runner.change_outside("nothing");
  ASSERT_TRUE(
      runner.wait_until([](const auto& log) { return FakeRunner::logged(log, "prepare web"); }));
  EXPECT_FALSE(FakeRunner::logged(runner.log(), "end web")) << "web went on before db was healthy";
  runner.change_outside("db");
  runner.change_outside("cache");
  EXPECT_THAT(apply.result().errors, IsEmpty());
  EXPECT_THAT(runner.log(), ElementsAre("start web", "prepare web", "end web"));
  EXPECT_THAT(events.of("Container web"), ElementsAre("Waiting", "Working", "Done"));
}

TEST(ApplyTest, AStartIsNotPreparedForOtherConditionsOrADependencyThatWillNotStart) {
  // service_started, an optional dependency, service_completed_successfully:
  // nothing to prepare while waiting.
  Plan plan{
      .actions = {
          container("a", {}, {{.service = "db", .condition = Condition::Started}}),
          container("b", {},
                    {{.service = "db", .condition = Condition::Healthy, .required = false}}),
          container("c", {}, {{.service = "job", .condition = Condition::CompletedSuccessfully}}),
          container("d", {}, {{.service = "broken", .condition = Condition::Healthy}})}};
  FakeRunner runner;
  runner.set_started("job");
  runner.set_condition("db", Kind::Holds);
  runner.set_condition("job", Kind::Holds);
  runner.set_condition("broken", Kind::Never, "service broken exited before it was healthy");
  Events events;
  ApplyResult result = apply_plan(plan, runner, fast_options(), events.sink());
  EXPECT_THAT(result.errors,
              ElementsAre("create container d: dependency failed to start: service broken exited "
                          "before it was healthy"));
  for (const auto& entry : runner.log()) EXPECT_FALSE(entry.starts_with("prepare")) << entry;
}

TEST(ApplyTest, ADependencyThatNeverWillBeHealthyFailsTheActionAndSkipsItsDependants) {
  Plan plan{.actions = {container("web", {}, {{.service = "db", .condition = Condition::Healthy}}),
                        container("front", {0}), container("other")}};
  FakeRunner runner;
  runner.set_condition("db", Kind::Never, "service db exited before it was healthy");
  Events events;
  ApplyResult r = apply_plan(plan, runner, fast_options(), events.sink());
  EXPECT_THAT(r.errors,
              ElementsAre("create container web: dependency failed to start: service db exited "
                          "before it was healthy",
                          "create container front: skipped, something it depends on failed"));
  EXPECT_THAT(events.of("Container web"),
              ElementsAre("Waiting",
                          "Error (dependency failed to start: service db exited before it was "
                          "healthy)"));
  EXPECT_THAT(runner.log(), Not(Contains("start front")));
  EXPECT_THAT(runner.log(), Contains("end other"));
}

TEST(ApplyTest, ADependencyThatDoesNotBecomeReadyInTimeFailsTheAction) {
  Plan plan{
      .actions = {container("web", {}, {{.service = "db", .condition = Condition::Healthy}}),
                  container("job", {},
                            {{.service = "init", .condition = Condition::CompletedSuccessfully}})}};
  FakeRunner runner;
  runner.set_condition("init", Kind::Holds);
  ApplyOptions options = fast_options();
  options.dependency_timeout = std::chrono::milliseconds(20);
  Events events;
  ApplyResult r = apply_plan(plan, runner, options, events.sink());
  EXPECT_THAT(r.errors, ElementsAre("create container web: dependency db did not become "
                                    "service_healthy in 20 ms"));
  EXPECT_THAT(events.of("Container job"), ElementsAre("Waiting", "Working", "Done"));
}

TEST(ApplyTest, AFailureSkipsOnlyWhatDependsOnItAndEveryFailureIsReported) {
  Plan plan{.actions = {{.kind = ActionKind::CreateNetwork, .target = "n"},
                        container("db", {0}),
                        container("web", {1}),
                        {.kind = ActionKind::CreateVolume, .target = "v"},
                        container("cache", {3}),
                        container("other")}};
  FakeRunner runner;
  runner.fail("n", "no bridge");
  runner.fail("cache", "boom");
  Events events;
  ApplyResult r = apply_plan(plan, runner, fast_options(), events.sink());
  EXPECT_FALSE(r.ok());
  EXPECT_THAT(r.errors, ElementsAre("create network n: no bridge",
                                    "create container db: skipped, something it depends on failed",
                                    "create container web: skipped, something it depends on failed",
                                    "create container cache: boom"));
  auto log = runner.log();
  EXPECT_THAT(log, Not(Contains("start db")));
  EXPECT_THAT(log, Not(Contains("start web")));
  EXPECT_THAT(log, Contains("end v"));
  EXPECT_THAT(log, Contains("end other"));
  EXPECT_THAT(events.of("Network n"), ElementsAre("Working", "Error (no bridge)"));
  EXPECT_THAT(events.of("Container db"), IsEmpty());
}

TEST(ApplyTest, AnOptionalDependencyThatFailsOrNeverBecomesReadyIsAWarning) {
  // web depends on cache (required: false) and on db; cache fails to start,
  // metrics (required: false, service_healthy) will never be healthy.
  DesiredDependency cache{.service = "cache", .required = false};
  DesiredDependency metrics{
      .service = "metrics", .condition = Condition::Healthy, .required = false};
  DesiredDependency db{.service = "db"};
  Plan plan{.actions = {container("cache"), container("db"),
                        container("web", {0, 1}, {cache, metrics, db}),
                        container("api", {0}, {{.service = "cache"}})}};
  FakeRunner runner;
  runner.fail("cache", "boom");
  runner.on_success_holds("db", "db");
  runner.set_condition("metrics", Kind::Never, "service metrics is unhealthy");
  Events events;
  ApplyResult r = apply_plan(plan, runner, fast_options(), events.sink());
  EXPECT_THAT(r.errors,
              ElementsAre("create container cache: boom",
                          "create container api: skipped, something it depends on failed"));
  EXPECT_THAT(r.warnings,
              ElementsAre("create container web: dependency cache failed to start (optional "
                          "dependency: starting without it)",
                          "create container web: dependency failed to start: service metrics is "
                          "unhealthy (optional dependency: starting without it)"));
  EXPECT_THAT(runner.log(), Contains("end web"));
  EXPECT_THAT(events.of("Container web"), ElementsAre("Waiting", "Working", "Done"));
}

TEST(ApplyTest, AnOptionalDependencyNotReadyInTimeIsAWarning) {
  Plan plan{
      .actions = {container(
          "web", {}, {{.service = "db", .condition = Condition::Healthy, .required = false}})}};
  FakeRunner runner;
  ApplyOptions options = fast_options();
  options.dependency_timeout = std::chrono::milliseconds(20);
  Events events;
  ApplyResult r = apply_plan(plan, runner, options, events.sink());
  EXPECT_THAT(r.errors, IsEmpty());
  EXPECT_THAT(r.warnings, ElementsAre("create container web: dependency db did not become "
                                      "service_healthy in 20 ms (optional dependency: starting "
                                      "without it)"));
  EXPECT_THAT(runner.log(), Contains("end web"));
}

TEST(ApplyTest, CancellingSkipsWhatHasNotStartedEndsWaitsAndLetsRunningActionsFinish) {
  Plan plan{.actions = {container("a"), container("b", {0}),
                        container("w", {}, {{.service = "x", .condition = Condition::Healthy}})}};
  FakeRunner runner;
  runner.hold("a");
  ApplyOptions options = fast_options();
  options.recheck = std::chrono::hours(1);  // only the cancellation can end w's wait
  Events events;
  AsyncApply apply(plan, runner, options, events);
  ASSERT_TRUE(runner.started("a"));
  ASSERT_TRUE(events.wait_for("Container w Waiting"));
  apply.cancel();
  EXPECT_TRUE(events.wait_for("Container w Error (cancelled)"));
  runner.release("a");
  EXPECT_THAT(apply.result().errors,
              ElementsAre("create container b: cancelled", "create container w: cancelled"));
  EXPECT_THAT(events.of("Container a"), ElementsAre("Working", "Done"));
  EXPECT_THAT(runner.log(), Not(Contains("start b")));
}

TEST(ApplyTest, AnApplyCancelledBeforeItStartsRunsNothing) {
  Plan plan{.actions = {{.kind = ActionKind::CreateNetwork, .target = "n"}, container("a", {0})}};
  FakeRunner runner;
  std::stop_source stop;
  stop.request_stop();
  ApplyOptions options = fast_options();
  options.stop = stop.get_token();
  ApplyResult r = apply_plan(plan, runner, options, {});
  EXPECT_THAT(r.errors,
              ElementsAre("create network n: cancelled", "create container a: cancelled"));
  EXPECT_THAT(runner.log(), IsEmpty());
}

// ---- deploy.update_config batches ----

// Replacements of web's replicas 1..n, each batch of one after the one before.
Plan update_batches(int n, UpdatePolicy policy, std::chrono::milliseconds delay = {}) {
  Plan plan;
  for (int i = 1; i <= n; ++i) {
    Action a{.kind = ActionKind::ReplaceContainer,
             .target = "web-" + std::to_string(i),
             .service = "web",
             .number = i,
             .update = policy};
    if (i > 1) {
      a.after = {static_cast<std::size_t>(i - 2)};
      a.delay = delay;
    }
    plan.actions.push_back(std::move(a));
  }
  return plan;
}

TEST(ApplyUpdateTest, AFailedBatchPausesTheUpdateAndTheRestIsAWarning) {
  for (auto action : {UpdateFailureAction::Pause, UpdateFailureAction::Rollback}) {
    FakeRunner runner;
    runner.fail("web-1", "the new container is unhealthy");
    ApplyResult r =
        apply_plan(update_batches(3, {.failure_action = action}), runner, fast_options(), {});
    const std::string why = std::string(
                                "not updated: the update of service web stopped after a "
                                "failure (update_config.failure_action ") +
                            to_string(action) + ")";
    EXPECT_THAT(r.errors, ElementsAre("replace container web-1: the new container is unhealthy"));
    EXPECT_THAT(r.warnings,
                ElementsAre("replace container web-2: " + why, "replace container web-3: " + why));
    EXPECT_THAT(runner.log(), ElementsAre("start web-1", "end web-1"));
  }
}

TEST(ApplyUpdateTest, FailureActionContinueGoesOnWithTheNextBatches) {
  FakeRunner runner;
  runner.fail("web-1", "unhealthy");
  runner.fail("web-2", "unhealthy");
  ApplyResult r = apply_plan(update_batches(3, {.failure_action = UpdateFailureAction::Continue}),
                             runner, fast_options(), {});
  EXPECT_THAT(r.errors, ElementsAre("replace container web-1: unhealthy",
                                    "replace container web-2: unhealthy"));
  EXPECT_THAT(r.warnings, IsEmpty());
  EXPECT_TRUE(FakeRunner::logged(runner.log(), "end web-3"));
}

TEST(ApplyUpdateTest, MaxFailureRatioToleratesThatManyFailures) {
  FakeRunner runner;
  runner.fail("web-1", "unhealthy");
  runner.fail("web-3", "unhealthy");
  // 1 failure of 4 is within 0.25; the second is not.
  ApplyResult r =
      apply_plan(update_batches(4, {.max_failure_ratio = 0.25}), runner, fast_options(), {});
  EXPECT_THAT(r.errors, ElementsAre("replace container web-1: unhealthy",
                                    "replace container web-3: unhealthy"));
  EXPECT_THAT(r.warnings,
              ElementsAre(::testing::StartsWith("replace container web-4: not updated")));
  EXPECT_TRUE(FakeRunner::logged(runner.log(), "end web-2"));
  EXPECT_FALSE(FakeRunner::logged(runner.log(), "start web-4"));
}

TEST(ApplyUpdateTest, AnotherServiceAfterAPausedUpdateIsSkipped) {
  FakeRunner runner;
  runner.fail("web-1", "unhealthy");
  Plan plan = update_batches(2, {});
  plan.actions.push_back(container("api", {0, 1}));
  ApplyResult r = apply_plan(plan, runner, fast_options(), {});
  EXPECT_THAT(r.errors,
              ElementsAre("replace container web-1: unhealthy",
                          "create container api: skipped, something it depends on failed"));
}

TEST(ApplyUpdateTest, CancellingEndsTheDelayBetweenBatches) {
  FakeRunner runner;
  Events events;
  Plan plan = update_batches(2, {}, std::chrono::hours(1));
  AsyncApply apply(plan, runner, fast_options(), events);
  ASSERT_TRUE(events.wait_for("Container web-2 Waiting"));
  apply.cancel();
  EXPECT_THAT(apply.result().errors, ElementsAre("replace container web-2: cancelled"));
  EXPECT_FALSE(FakeRunner::logged(runner.log(), "start web-2"));
}

TEST(ApplyTest, AnEmptyPlanDoesNothing) {
  FakeRunner runner;
  EXPECT_TRUE(apply_plan(Plan{}, runner, fast_options(), {}).ok());
}

// ---- the real runner's conditions, on observed containers ----

ProjectContainer replica(runtime::ContainerStatus status,
                         std::optional<runtime::Health> health = {}, int exit_code = 0) {
  ProjectContainer c;
  c.record.name = "p-db-1";
  if (health) {
    c.record.state.health.emplace();
    c.record.state.health->status = *health;
  }
  c.state.status = status;
  c.state.exit_code = exit_code;
  return c;
}

ConditionState condition(Condition how, std::vector<ProjectContainer> replicas,
                         bool required = true) {
  return dependency_condition({.service = "db", .condition = how, .required = required}, replicas);
}

MATCHER_P2(IsCondition, kind, why, "") { return arg.kind == kind && arg.why == why; }

TEST(DependencyConditionTest, ServiceStarted) {
  EXPECT_THAT(condition(Condition::Started, {}), IsCondition(Kind::Waiting, ""));
  EXPECT_THAT(condition(Condition::Started, {}, false), IsCondition(Kind::Holds, ""));
  EXPECT_THAT(condition(Condition::Started, {replica(runtime::ContainerStatus::Created)}),
              IsCondition(Kind::Waiting, ""));
  EXPECT_THAT(condition(Condition::Started, {replica(runtime::ContainerStatus::Running)}),
              IsCondition(Kind::Holds, ""));
  EXPECT_THAT(condition(Condition::Started, {replica(runtime::ContainerStatus::Exited, {}, 1)}),
              IsCondition(Kind::Holds, ""));
  EXPECT_THAT(condition(Condition::Started, {replica(runtime::ContainerStatus::Running),
                                             replica(runtime::ContainerStatus::Created)}),
              IsCondition(Kind::Waiting, ""));
}

TEST(DependencyConditionTest, ServiceHealthy) {
  using runtime::Health;
  EXPECT_THAT(
      condition(Condition::Healthy, {replica(runtime::ContainerStatus::Running)}),
      IsCondition(Kind::Never, "service db has no health check (needed by service_healthy)"));
  EXPECT_THAT(
      condition(Condition::Healthy, {replica(runtime::ContainerStatus::Running, Health::Starting)}),
      IsCondition(Kind::Waiting, ""));
  EXPECT_THAT(
      condition(Condition::Healthy, {replica(runtime::ContainerStatus::Exited, Health::Starting)}),
      IsCondition(Kind::Never, "service db exited before it was healthy"));
  EXPECT_THAT(condition(Condition::Healthy,
                        {replica(runtime::ContainerStatus::Running, Health::Unhealthy)}),
              IsCondition(Kind::Never, "service db is unhealthy"));
  EXPECT_THAT(
      condition(Condition::Healthy, {replica(runtime::ContainerStatus::Running, Health::Healthy)}),
      IsCondition(Kind::Holds, ""));
}

TEST(DependencyConditionTest, ServiceCompletedSuccessfully) {
  EXPECT_THAT(
      condition(Condition::CompletedSuccessfully, {replica(runtime::ContainerStatus::Running)}),
      IsCondition(Kind::Waiting, ""));
  EXPECT_THAT(
      condition(Condition::CompletedSuccessfully, {replica(runtime::ContainerStatus::Exited)}),
      IsCondition(Kind::Holds, ""));
  EXPECT_THAT(condition(Condition::CompletedSuccessfully,
                        {replica(runtime::ContainerStatus::Exited, {}, 3)}),
              IsCondition(Kind::Never, "service db exited with code 3"));
}

}  // namespace
}  // namespace lit::reconciler
