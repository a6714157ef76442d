#include "runtime/state/liveness.hpp"

#include <sstream>

#include "runtime/util/error.hpp"
#include "runtime/util/fs.hpp"

namespace lit::runtime {

std::uint64_t process_start_time(pid_t pid) {
  std::string stat;
  try {
    stat = read_file("/proc/" + std::to_string(pid) + "/stat");
  } catch (const Error&) {
    return 0;
  }
  // The command name (field 2) may contain spaces and ')': count fields after the last ')'.
  auto close = stat.rfind(')');
  if (close == std::string::npos) return 0;
  std::istringstream in(stat.substr(close + 1));
  std::string field;
  for (int i = 3; i <= 22 && (in >> field); ++i) {
    if (i == 22) return std::stoull(field);
  }
  return 0;
}

bool process_alive(pid_t pid, std::uint64_t start_time) {
  if (pid <= 0) return false;
  std::string stat;
  try {
    stat = read_file("/proc/" + std::to_string(pid) + "/stat");
  } catch (const Error&) {
    return false;
  }
  // A zombie has exited: it only waits for its parent (maybe slow) to reap it.
  auto close = stat.rfind(')');
  if (close == std::string::npos || close + 2 >= stat.size()) return false;
  char state = stat[close + 2];
  if (state == 'Z' || state == 'X') return false;
  return process_start_time(pid) == start_time;
}

// ---- observed state and presentation -----------------------------------------

std::string current_boot_id() {
  static const std::string id = [] {
    try {
      std::string text = read_file("/proc/sys/kernel/random/boot_id");
      while (!text.empty() && text.back() == '\n') text.pop_back();
      return text;
    } catch (const Error&) {
      return std::string();
    }
  }();
  return id;
}

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
