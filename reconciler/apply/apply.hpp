#pragma once
// Runs a plan: networks and volumes, then containers, each action once its
// prerequisites (the plan's edges) succeeded and its dependencies' conditions
// (service_started / service_healthy / service_completed_successfully) hold.
// An action that fails skips everything that depends on it (but for the
// dependants of a service that depend on it with required: false, which start
// with a warning); the others still
// run, so the project is left consistent, and every failure is reported.
// The actions themselves are an ActionRunner's (runner.hpp); actions.hpp runs
// them with the runtime.
#include <chrono>
#include <cstddef>
#include <optional>
#include <stop_token>
#include <string>
#include <vector>

#include "reconciler/apply/progress.hpp"
#include "reconciler/apply/runner.hpp"
#include "reconciler/desired.hpp"
#include "reconciler/plan.hpp"

namespace lit::reconciler {

// min(4, 2 x the hardware threads): actions mostly wait on the kernel and on
// other processes, and a few at once start a project as fast as many.
std::size_t default_apply_workers();

struct ApplyOptions {
  std::optional<int> stop_timeout;  // -t: seconds before SIGKILL when stopping
  // A recreated container gets fresh anonymous volumes (up -V) instead of
  // its predecessor's, with their data, at the same paths (compose's default).
  bool renew_anon_volumes = false;
  std::chrono::milliseconds dependency_timeout{std::chrono::seconds(300)};
  std::size_t workers = default_apply_workers();  // actions running at once, at most
  // A plan that only stops and removes (down, stop) waits on its containers'
  // stop timeouts, not on the CPU: this many of its actions run at once, as
  // compose stops a whole project at once (down -t 1 of 50 sleepers took
  // 13 s four at a time).
  std::size_t teardown_workers = 64;
  // A dependency's containers change outside the process. What a condition
  // waits for (a start, an exit, a health status) is in the event journal,
  // whose watch wakes the waiting actions at once (ActionRunner::
  // wait_outside_change); this is only for what the journal misses (a
  // supervisor killed outright): while nothing changes, a waiting action
  // checks its condition again this often. Each check reads the project's
  // container records, so more often costs CPU the starts need.
  std::chrono::milliseconds recheck{1000};
  // Once requested, actions not started yet are skipped and waits for
  // dependencies end; actions already running finish.
  std::stop_token stop{};
};

struct ApplyResult {
  std::vector<std::string> errors;  // one line each; empty on success
  // One line each: an optional dependency (depends_on required: false) that
  // failed or never met its condition; its dependant started without it.
  std::vector<std::string> warnings;
  // What the services' lifecycle hooks wrote, one line each ("web-1 -> | text").
  std::vector<std::string> output;
  bool ok() const { return errors.empty(); }
};

// Runs the plan's actions on a pool of options.workers threads, each once the
// actions it comes after have finished; independent ones run in parallel.
ApplyResult apply_plan(const Plan& plan, ActionRunner& runner, const ApplyOptions& options,
                       const Progress& progress);

}  // namespace lit::reconciler
