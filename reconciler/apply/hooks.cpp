#include "reconciler/apply/hooks.hpp"

#include "reconciler/labels.hpp"
#include "runtime/exec/exec_lines.hpp"
#include "runtime/logs/log_prefix.hpp"
#include "runtime/state/liveness.hpp"
#include "runtime/state/record_store.hpp"
#include "runtime/util/error.hpp"

namespace lit::reconciler {

void HookOutput::add(std::string line) {
  std::lock_guard lock(m_);
  lines_.push_back(std::move(line));
}

std::vector<std::string> HookOutput::take() {
  std::lock_guard lock(m_);
  return std::exchange(lines_, {});
}

namespace {

// compose's name for a container in its output: without the project ("web-1").
std::string short_name(const runtime::ContainerRecord& r) {
  std::string project = label_of(r, kProjectLabel);
  if (!project.empty() && r.name.starts_with(project + "-"))
    return r.name.substr(project.size() + 1);
  return r.name;
}

runtime::LineExec line_exec(const Paths& paths, const ServiceHook& h) {
  runtime::LineExec e;
  e.exec.seccomp_cache = paths.seccomp_cache();
  e.exec.args = h.command;
  e.exec.env = h.environment;
  e.exec.workdir = h.working_dir;
  e.exec.user = h.user;
  e.privileged = h.privileged;
  return e;
}

}  // namespace

void run_hooks(const Paths& paths, const std::string& container_id, const Service& service,
               const std::vector<ServiceHook>& hooks, HookOutput& output) {
  if (hooks.empty()) return;
  auto rec = runtime::RecordStore(paths).read(container_id);
  if (!rec) return;
  const std::string source = short_name(*rec) + " ->";
  const std::string prefix = runtime::log_prefix(source, source.size());
  for (const auto& hook : hooks) {
    // Each time: a hook may stop the container, and an exec into a frozen
    // cgroup would hang.
    if (runtime::shown_status(runtime::observed_state(*rec)) != runtime::ContainerStatus::Running)
      return;
    int code = runtime::exec_lines(*rec, line_exec(paths, hook), [&](std::string_view line) {
      output.add(prefix + std::string(line));
    });
    if (code != 0) throw Error(service.name + " hook exited with status " + std::to_string(code));
  }
}

}  // namespace lit::reconciler
