#include "reconciler/apply/apply.hpp"

#include <algorithm>
#include <condition_variable>
#include <cstdint>
#include <deque>
#include <mutex>
#include <thread>

#include "runtime/util/error.hpp"

namespace lit::reconciler {

namespace {

// What an action's progress events are about: "Container shop-web-1".
std::string progress_id(const Action& a) {
  switch (a.kind) {
    case ActionKind::CreateNetwork:
    case ActionKind::RecreateNetwork:
    case ActionKind::RemoveNetwork:
      return "Network " + a.target;
    case ActionKind::CreateVolume:
    case ActionKind::RemoveVolume:
      return "Volume " + a.target;
    default:
      return "Container " + a.target;
  }
}

// "300 s" (what users set), "250 ms" (what tests set).
std::string duration_text(std::chrono::milliseconds d) {
  if (d.count() % 1000 == 0) return std::to_string(d.count() / 1000) + " s";
  return std::to_string(d.count()) + " ms";
}

// Whether `before` is a container action of a service `a` depends on only
// optionally (depends_on required: false): its failure does not skip `a`.
bool optional_dependency(const Action& a, const Action& before) {
  if (before.service.empty() || before.service == a.service) return false;
  bool optional = false;
  for (const auto& d : a.wait_for) {
    if (d.service != before.service) continue;
    if (d.required) return false;
    optional = true;
  }
  return optional;
}

// One apply: a queue of the actions whose prerequisites have all finished,
// taken by a pool of workers. Every change the waiters may care about (an
// action finished, the apply was cancelled, the runner saw a container change)
// wakes them through `changed_`.
class Applier {
 public:
  Applier(const Plan& plan, ActionRunner& runner, const ApplyOptions& options,
          const Progress& progress)
      : plan_(plan),
        runner_(runner),
        options_(options),
        progress_(progress),
        dependants_(dependants_of(plan)),
        failed_(plan.actions.size(), false),
        errors_(plan.actions.size()),
        unfinished_before_(plan.actions.size()) {
    for (std::size_t i = 0; i < plan.actions.size(); ++i) {
      unfinished_before_[i] = plan.actions[i].after.size();
      if (unfinished_before_[i] == 0) ready_.push_back(i);
    }
  }

  ApplyResult run() {
    const bool teardown =
        std::all_of(plan_.actions.begin(), plan_.actions.end(), [](const Action& a) {
          return a.kind == ActionKind::StopContainer || a.kind == ActionKind::RemoveContainer ||
                 a.kind == ActionKind::RemoveNetwork || a.kind == ActionKind::RemoveVolume;
        });
    const std::size_t n =
        std::min(std::max<std::size_t>(teardown ? options_.teardown_workers : options_.workers, 1),
                 plan_.actions.size());
    std::vector<std::thread> pool;
    pool.reserve(n);
    std::thread watcher;  // while an action may wait for a condition
    if (std::any_of(plan_.actions.begin(), plan_.actions.end(),
                    [](const Action& a) { return !a.wait_for.empty(); }))
      watcher = std::thread([this] { watch_outside(); });
    for (std::size_t i = 0; i < n; ++i) pool.emplace_back([this] { work(); });
    for (auto& t : pool) t.join();
    if (watcher.joinable()) {
      {
        std::lock_guard lock(mutex_);
        watching_ = false;
      }
      runner_.interrupt_outside_wait();
      watcher.join();
    }
    ApplyResult result;
    for (auto& e : errors_)
      if (!e.empty()) result.errors.push_back(std::move(e));
    result.warnings = std::move(warnings_);
    return result;
  }

 private:
  class Context : public ActionContext {
   public:
    Context(Applier& applier, const Action& action) : applier_(applier), action_(action) {}
    void step(const char* status) override {
      applier_.emit(action_, status, ProgressState::Working);
    }
    void wait_for_dependencies() override {
      applier_.wait_for(action_, waiting_shown_);
      waiting_shown_ = true;
    }
    bool wait_for_dependencies_started() override {
      return applier_.wait_started(action_, waiting_shown_);
    }
    bool cancelled() const override { return applier_.options_.stop.stop_requested(); }

   private:
    Applier& applier_;
    const Action& action_;
    bool waiting_shown_ = false;  // "Waiting" was reported
  };

  void emit(const Action& a, const std::string& status, ProgressState st,
            const std::string& text = "") {
    if (!progress_) return;
    std::lock_guard lock(progress_mutex_);
    progress_({progress_id(a), status, st, text});
  }

  // Checks each condition again when something in the process changed, and at
  // least every options_.recheck for what changes outside it (containers).
  void wait_for(const Action& a, bool waiting_shown) {
    if (a.wait_for.empty()) return;
    if (!waiting_shown) emit(a, "Waiting", ProgressState::Working);
    const auto timeout = options_.dependency_timeout;
    const auto deadline = std::chrono::steady_clock::now() + timeout;
    for (const auto& dep : a.wait_for) {
      if (!dep.required && failed_service(dep.service)) {
        warn(a, "dependency " + dep.service +
                    " failed to start (optional dependency: starting without it)");
        continue;
      }
      for (;;) {
        std::uint64_t seen = generation();
        if (options_.stop.stop_requested()) throw Error("cancelled");
        ConditionState c = runner_.condition(dep);
        if (c.kind == ConditionState::Kind::Holds) break;
        std::string failure;
        auto now = std::chrono::steady_clock::now();
        if (c.kind == ConditionState::Kind::Never)
          failure = "dependency failed to start: " + c.why;
        else if (now > deadline)
          failure = "dependency " + dep.service + " did not become " + to_string(dep.condition) +
                    " in " + duration_text(timeout);
        if (!failure.empty() && dep.required) throw Error(failure);
        if (!failure.empty()) {  // depends_on required: false: go on without it
          warn(a, failure + " (optional dependency: starting without it)");
          break;
        }
        await_change(seen, std::min(now + options_.recheck, deadline));
      }
    }
  }

  // wait_for's first part, for a start prepared meanwhile: every dependency
  // waited for healthy (required ones only) has started. False when the
  // action waits on anything else, or a dependency will not start, does not
  // within the dependency timeout, or the apply is cancelled.
  bool wait_started(const Action& a, bool& waiting_shown) {
    if (a.wait_for.empty() || !std::all_of(a.wait_for.begin(), a.wait_for.end(), [](auto& d) {
          return d.condition == Condition::Healthy && d.required;
        }))
      return false;
    if (!waiting_shown) emit(a, "Waiting", ProgressState::Working);
    waiting_shown = true;
    const auto deadline = std::chrono::steady_clock::now() + options_.dependency_timeout;
    for (DesiredDependency dep : a.wait_for) {
      dep.condition = Condition::Started;
      for (;;) {
        std::uint64_t seen = generation();
        if (options_.stop.stop_requested()) return false;
        ConditionState c = runner_.condition(dep);
        if (c.kind == ConditionState::Kind::Holds) break;
        auto now = std::chrono::steady_clock::now();
        if (c.kind == ConditionState::Kind::Never || now > deadline) return false;
        await_change(seen, std::min(now + options_.recheck, deadline));
      }
    }
    return true;
  }

  // Until something changed since generation `seen`, the apply is cancelled, or `until`.
  void await_change(std::uint64_t seen, std::chrono::steady_clock::time_point until) {
    std::unique_lock lock(mutex_);
    changed_.wait_until(lock, options_.stop, until, [&] { return generation_ != seen; });
  }

  // Wakes the waiting actions whenever the runner sees a change outside the
  // process, instead of at their next recheck only.
  void watch_outside() {
    for (;;) {
      {
        std::lock_guard lock(mutex_);
        if (!watching_) return;
      }
      if (!runner_.wait_outside_change(options_.recheck)) return;
      std::lock_guard lock(mutex_);
      ++generation_;
      changed_.notify_all();
    }
  }

  // Whether an action of `service` in this plan failed.
  bool failed_service(const std::string& service) {
    std::lock_guard lock(mutex_);
    for (std::size_t i = 0; i < plan_.actions.size(); ++i)
      if (failed_[i] && plan_.actions[i].service == service) return true;
    return false;
  }

  void warn(const Action& a, const std::string& text) {
    std::lock_guard lock(mutex_);
    warnings_.push_back(std::string(to_string(a.kind)) + " " + a.target + ": " + text);
  }

  std::uint64_t generation() {
    std::lock_guard lock(mutex_);
    return generation_;
  }

  void work() {
    std::unique_lock lock(mutex_);
    for (;;) {
      changed_.wait(lock, [&] { return !ready_.empty() || finished_ == plan_.actions.size(); });
      if (ready_.empty()) return;
      const std::size_t i = ready_.front();
      ready_.pop_front();
      const Action& a = plan_.actions[i];
      bool blocked = std::any_of(a.after.begin(), a.after.end(), [&](std::size_t b) {
        return failed_[b] && !optional_dependency(a, plan_.actions[b]) &&
               !same_update(a, plan_.actions[b]);
      });
      bool paused = !blocked && update_paused(a);
      lock.unlock();
      std::string error;
      if (options_.stop.stop_requested())
        error = std::string(to_string(a.kind)) + " " + a.target + ": cancelled";
      else if (blocked)
        error = std::string(to_string(a.kind)) + " " + a.target +
                ": skipped, something it depends on failed";
      else if (paused)
        warn(a, "not updated: the update of service " + a.service + " stopped after a failure (" +
                    "update_config.failure_action " + to_string(a.update->failure_action) + ")");
      else
        error = execute(a);
      lock.lock();
      finish(i, std::move(error), paused);
    }
  }

  // Whether `before` is an earlier batch of the same update_config rollout.
  static bool same_update(const Action& a, const Action& before) {
    return a.update && before.update && a.service == before.service;
  }

  // With mutex_ held. An update batch after a failed one goes on with
  // failure_action continue, or while the failures are at most
  // max_failure_ratio of the service's replicas to update; else it pauses.
  bool update_paused(const Action& a) {
    bool after_failure = std::any_of(a.after.begin(), a.after.end(), [&](std::size_t b) {
      return failed_[b] && same_update(a, plan_.actions[b]);
    });
    if (!after_failure || a.update->failure_action == UpdateFailureAction::Continue) return false;
    std::size_t updates = 0, failures = 0;
    for (std::size_t j = 0; j < plan_.actions.size(); ++j) {
      if (!same_update(a, plan_.actions[j])) continue;
      ++updates;
      if (failed_[j] && !errors_[j].empty()) ++failures;  // paused ones are not failures
    }
    return static_cast<double>(failures) >
           a.update->max_failure_ratio * static_cast<double>(updates);
  }

  // update_config.delay before a batch; ends early when the apply is cancelled.
  void pause_before(const Action& a) {
    if (a.delay.count() <= 0) return;
    emit(a, "Waiting", ProgressState::Working);
    std::unique_lock lock(mutex_);
    changed_.wait_for(lock, options_.stop, a.delay, [] { return false; });
    if (options_.stop.stop_requested()) throw Error("cancelled");
  }

  // Runs one action; "" on success, else the error line.
  std::string execute(const Action& a) {
    try {
      Context context(*this, a);
      pause_before(a);
      std::string done = runner_.run(a, context);
      emit(a, done, ProgressState::Done);
      return "";
    } catch (const std::exception& e) {
      emit(a, "Error", ProgressState::Error, e.what());
      return std::string(to_string(a.kind)) + " " + a.target + ": " + e.what();
    }
  }

  // With mutex_ held.
  // A paused update batch did not fail but counts as failed for what comes after it.
  void finish(std::size_t i, std::string error, bool paused = false) {
    failed_[i] = paused || !error.empty();
    errors_[i] = std::move(error);
    for (std::size_t d : dependants_[i])
      if (--unfinished_before_[d] == 0) ready_.push_back(d);
    ++finished_;
    ++generation_;
    changed_.notify_all();
  }

  const Plan& plan_;
  ActionRunner& runner_;
  const ApplyOptions& options_;
  const Progress& progress_;
  const std::vector<std::vector<std::size_t>> dependants_;

  std::mutex progress_mutex_;  // one progress call at a time
  std::mutex mutex_;           // guards everything below
  std::condition_variable_any changed_;
  std::vector<bool> failed_;
  std::vector<std::string> errors_;
  std::vector<std::string> warnings_;
  std::vector<std::size_t> unfinished_before_;  // per action: its prerequisites not finished yet
  std::deque<std::size_t> ready_;               // prerequisites all finished, not taken yet
  std::size_t finished_ = 0;
  std::uint64_t generation_ = 0;  // bumped each time an action finishes or the runner saw a change
  bool watching_ = true;          // watch_outside() goes on
};

}  // namespace

std::size_t default_apply_workers() {
  return std::min<std::size_t>(4, std::max(1u, std::thread::hardware_concurrency()) * 2);
}

// The plan's edges carry every ordering that matters (networks first,
// depends_on, removals), so an action never waits on one queued behind it.
ApplyResult apply_plan(const Plan& plan, ActionRunner& runner, const ApplyOptions& options,
                       const Progress& progress) {
  return Applier(plan, runner, options, progress).run();
}

}  // namespace lit::reconciler
