// The project use cases a front end other than the CLI calls (lit-dbus):
// listing projects and their containers, down, restart, the last log lines.
// Each does what the CLI command does, by the same reconciler functions,
// and prints nothing; `up` is beside the CLI's in cmd_project.cpp.
#include <algorithm>
#include <map>
#include <string>
#include <vector>

#include "app/project.hpp"
#include "reconciler/desired.hpp"
#include "reconciler/labels.hpp"
#include "reconciler/load/load.hpp"
#include "reconciler/logs.hpp"
#include "reconciler/observe.hpp"
#include "reconciler/plan.hpp"
#include "runtime/logs/log_reader.hpp"
#include "runtime/logs/logs.hpp"
#include "runtime/state/liveness.hpp"
#include "runtime/state/record_store.hpp"

namespace lit::app {

using namespace lit::reconciler;

std::string combined_status(const std::vector<runtime::ContainerStatus>& statuses) {
  std::map<std::string, int> count;  // each status with its count, in name order
  for (auto s : statuses) ++count[std::string(runtime::to_string(s))];
  std::string out;
  for (const auto& [s, n] : count)
    out += (out.empty() ? "" : ", ") + s + "(" + std::to_string(n) + ")";
  return out;
}

std::map<std::string, ProjectSeen> projects_on_host(const Context& ctx) {
  std::map<std::string, ProjectSeen> projects;
  for (const auto& r : runtime::RecordStore(ctx.paths).list()) {
    std::string name = label_of(r, kProjectLabel);
    if (name.empty()) continue;
    ProjectSeen& p = projects[name];
    p.statuses.push_back(runtime::shown_status(runtime::observed_state(r)));
    if (std::string files = label_of(r, kConfigFilesLabel); !files.empty()) p.files = files;
  }
  return projects;
}

Project known_project(const Context& ctx, const std::string& name) {
  check_project_name(name);
  if (project_containers(ctx.paths, name, {.include_oneoffs = true}).empty())
    throw NotFound("no such project: " + name, "lit ls -a lists the projects");
  Context named = ctx;  // `lit -p NAME ...` from no project's directory
  named.project = ProjectFlags{};
  return load_from_labels(named, name);
}

std::vector<ServiceContainer> service_containers(const Context& ctx, const std::string& project) {
  check_project_name(project);
  std::vector<ServiceContainer> out;
  for (const auto& [r, st] : project_containers(ctx.paths, project)) {
    ServiceContainer c;
    c.service = label_of(r, kServiceLabel);
    c.name = r.name;
    c.status = runtime::shown_status(st);
    c.health = st.health ? st.health->status : runtime::Health::None;
    c.exit_code = st.exit_code;
    out.push_back(std::move(c));
  }
  if (out.empty()) throw NotFound("no such project: " + project, "lit ls -a lists the projects");
  std::sort(out.begin(), out.end(), [](const auto& a, const auto& b) { return a.name < b.name; });
  return out;
}

std::vector<std::string> down_project(const Context& ctx, const std::string& project,
                                      std::stop_token stop) {
  Project p = known_project(ctx, project);
  FileLock held = project_lock(ctx, p.name);
  Desired desired = desired_state(ctx.paths, p, Hashes::Skip);
  ObservedState observed = observe(ctx.paths, p.name, desired.state);
  Plan plan = plan_down(desired.state, observed, {});
  ApplyOptions options;
  options.stop = stop;
  return apply_and_wait(ctx, p, desired, plan, options, std::nullopt).failures;
}

namespace {

void check_service(const Project& p, const std::string& service) {
  if (!p.services.contains(service))
    throw NotFound("no such service: " + service + " in project " + p.name);
}

}  // namespace

std::vector<std::string> restart_service(const Context& ctx, const std::string& project,
                                         const std::string& service, std::stop_token stop) {
  Project p = known_project(ctx, project);
  check_service(p, service);
  FileLock held = project_lock(ctx, p.name);
  Desired desired = desired_state(ctx.paths, p, Hashes::Skip);
  ObservedState observed = observe(ctx.paths, p.name, desired.state);
  Plan plan = plan_lifecycle(desired.state, observed, Lifecycle::Restart, {service});
  ApplyOptions options;
  options.stop = stop;
  return apply_and_wait(ctx, p, desired, plan, options, std::nullopt).failures;
}

std::vector<std::string> service_log_lines(const Context& ctx, const std::string& project,
                                           const std::string& service, std::size_t tail) {
  Project p = known_project(ctx, project);
  check_service(p, service);
  shim::LogQuery q;
  if (tail > 0) q.tail = tail;
  runtime::RecordStore store(ctx.paths);
  std::vector<std::string> lines;
  for (const auto& t : log_targets(ctx.paths, p.name, {service}))
    for (auto& e : shim::read_logs(runtime::container_log_path(store, t.id), q)) {
      if (!e.text.empty() && e.text.back() == '\n') e.text.pop_back();
      lines.push_back(std::move(e.text));
    }
  return lines;
}

}  // namespace lit::app
