#pragma once
// deploy.update_config: how `up` replaces a service's containers when their
// configuration changed (the compose spec's keys, with swarm's meaning). The
// model keeps what the file wrote; the planner and the applier read the
// policy with the defaults filled in.
#include <chrono>

namespace lit::reconciler {

// stop-first: the old container goes, then the new one starts (compose's
// recreate). start-first: the new one starts and must be ready before the old
// one goes, so the service keeps a ready replica.
enum class UpdateOrder { StopFirst, StartFirst };

// When a replaced replica fails: pause stops the update (the replicas not
// replaced yet keep their old containers), continue goes on with the next
// ones, rollback keeps the failed replica's old container and stops.
enum class UpdateFailureAction { Pause, Continue, Rollback };

struct UpdatePolicy {
  int parallelism = 1;                 // replicas replaced at once; 0: all at once
  std::chrono::milliseconds delay{0};  // between two batches
  UpdateFailureAction failure_action = UpdateFailureAction::Pause;
  std::chrono::milliseconds monitor{0};  // a new container must stay ready this long
  double max_failure_ratio = 0;          // failures tolerated, as a part of the replicas replaced
  UpdateOrder order = UpdateOrder::StopFirst;
  bool operator==(const UpdatePolicy&) const = default;
};

const char* to_string(UpdateOrder order);           // "stop-first", "start-first"
const char* to_string(UpdateFailureAction action);  // "pause", "continue", "rollback"

}  // namespace lit::reconciler
