#include "runtime/state/transitions.hpp"

#include "runtime/process/identity.hpp"
#include "runtime/state/ids.hpp"

namespace lit::runtime {

void mark_running(ContainerRecord& r, const StartFacts& start) {
  r.state.status = ContainerStatus::Running;
  r.state.pid = start.pid;
  r.state.pid_start_time = process_start_time(start.pid);
  r.state.started_at = now_rfc3339();
  r.state.ports = start.ports;
  if (start.supervisor <= 0) return;
  r.state.shim_pid = start.supervisor;
  r.state.shim_start_time = process_start_time(start.supervisor);
  r.state.boot_id = current_boot_id();
  r.state.exit_code = 0;
  r.state.oom_killed = false;
  r.state.error.clear();
  if (r.lifecycle.healthcheck) r.state.health = HealthState{};
}

void mark_exited(ContainerState& state, const ExitRecord& exit) {
  state.status = ContainerStatus::Exited;
  state.pid = 0;
  state.exit_code = exit.exit_code;
  state.oom_killed = exit.oom_killed;
  state.finished_at = now_rfc3339();
  state.error = exit.error;
  state.ports.clear();
}

}  // namespace lit::runtime
