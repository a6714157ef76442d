#include "runtime/state/liveness.hpp"

namespace lit::runtime {

bool supervisor_alive(const ContainerState& st) {
  return st.shim_pid > 0 && (st.boot_id.empty() || st.boot_id == current_boot_id()) &&
         process_alive(st.shim_pid, st.shim_start_time);
}

ContainerState observed_state(const ContainerRecord& record) {
  ContainerState st = record.state;
  if (st.status != ContainerStatus::Running && st.status != ContainerStatus::Restarting) return st;
  const bool other_boot = !st.boot_id.empty() && st.boot_id != current_boot_id();
  const bool detached = st.shim_pid > 0;
  const bool shim_gone = detached && !supervisor_alive(st);
  // A live supervisor records its container's exit itself, in a moment: trust it.
  const bool init_gone =
      other_boot || (st.status == ContainerStatus::Running && (!detached || shim_gone) &&
                     !process_alive(st.pid, st.pid_start_time));
  if (init_gone || (st.status == ContainerStatus::Restarting && shim_gone)) {
    st.status = ContainerStatus::Exited;
    st.pid = 0;
    if (st.exit_code == 0) st.exit_code = 255;  // nobody was left to record it
    if (other_boot)
      st.error = "the machine restarted while the container ran";
    else if (shim_gone)
      st.error = "its supervisor (lit-shim) died; the exit status is unknown";
    else if (!detached && st.error.empty())
      st.error = "lit exited before the container did; the exit status is unknown";
  } else if (shim_gone) {
    st.error = "its supervisor (lit-shim) died: output is no longer logged, nor restarts done";
  }
  return st;
}

}  // namespace lit::runtime
