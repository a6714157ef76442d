#pragma once
// Runs a plan: networks and volumes, then containers, each action once its
// prerequisites (the plan's edges) succeeded and its dependencies' conditions
// (service_started / service_healthy / service_completed_successfully) hold.
// An action that fails skips everything that depends on it; the others still
// run, so the project is left consistent, and every failure is reported.
#include <chrono>
#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "reconciler/apply/service_flags.hpp"
#include "reconciler/apply/progress.hpp"
#include "reconciler/apply/replica_request.hpp"
#include "reconciler/apply/state.hpp"
#include "reconciler/model.hpp"
#include "reconciler/plan.hpp"
#include "runtime/state/record.hpp"
#include "runtime/util/paths.hpp"

namespace lit::reconciler {

struct ApplyOptions {
  std::optional<int> stop_timeout;  // -t: seconds before SIGKILL when stopping
  std::chrono::seconds dependency_timeout{300};
};

struct ApplyResult {
  std::vector<std::string> errors;  // one line each; empty on success
  bool ok() const { return errors.empty(); }
};

// `project` and `desired` are needed for container creation (up); a down plan
// may pass nullptr for both.
ApplyResult apply_plan(const Paths& paths, const Project* project, const Desired* desired, const Plan& plan,
                       const ApplyOptions& options, const Progress& progress);

// Creates the container of `replica` and connects it to its extra networks
// (not started); on a failure nothing of it is left.
runtime::ContainerRecord create_replica(const Paths& paths, const ReplicaRequest& replica);

// --wait: until every service's containers run (healthy when they have a
// health check) and one-shot ones exited 0; the failures, if any.
// Reports each container's way there ("Waiting" -> "Healthy") to progress.
std::vector<std::string> wait_until_ready(const Paths& paths, const Project& project,
                                          std::chrono::seconds timeout, const Progress& progress = {});

}  // namespace lit::reconciler
