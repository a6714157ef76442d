// compose's commands that act on a project's containers one by one, without a
// plan: pause, unpause, kill, rm (compose's progress lines on stderr,
// "Container shop-web-1  Paused"); top, port, wait; and version. Each exits 1
// on its own errors, as compose does.
#include <unistd.h>

#include <algorithm>
#include <cctype>
#include <condition_variable>
#include <cstdio>
#include <iostream>
#include <map>
#include <memory>
#include <mutex>
#include <nlohmann/json.hpp>
#include <optional>
#include <set>
#include <string>
#include <thread>
#include <vector>

#include "app/context.hpp"
#include "app/progress.hpp"
#include "app/project.hpp"
#include "app/views/table.hpp"
#include "app/views/top.hpp"
#include "reconciler/desired.hpp"
#include "reconciler/labels.hpp"
#include "reconciler/observe.hpp"
#include "reconciler/plan.hpp"
#include "runtime/cgroups/cgroup.hpp"
#include "runtime/lifecycle/attach.hpp"
#include "runtime/lifecycle/control.hpp"
#include "runtime/lifecycle/lifecycle.hpp"
#include "runtime/state/record.hpp"

namespace lit::app {
namespace {

using namespace lit::reconciler;
using runtime::ContainerStatus;

// compose's convention: a project command's own error is exit status 1.
constexpr int kProjectFailure = kExitProjectFailure;

void fail(Context& ctx, const Error& e) {
  std::fprintf(stderr, "lit: %s\n", e.what());
  if (!e.hint().empty()) std::fprintf(stderr, "hint: %s\n", e.hint().c_str());
  ctx.exit_code = kProjectFailure;
}

// Runs a command's body, reporting a failure as compose does (exit 1).
template <typename Body>
void guarded(Context& ctx, Body&& body) {
  try {
    body();
  } catch (const Error& e) {
    fail(ctx, e);
  }
}

void check_services(const Project& p, const std::vector<std::string>& names) {
  for (const auto& n : names)
    if (!p.services.count(n)) throw Error("no such service: " + n);
}

bool live(const runtime::ContainerState& st) {
  return st.status == ContainerStatus::Running || st.status == ContainerStatus::Restarting;
}

// The project's service containers (no one-offs) of `services` (all when
// empty), by name; `orphans` also those of services the file no longer has.
std::vector<ProjectContainer> service_containers(const Context& ctx, const Project& project,
                                                 const std::vector<std::string>& services,
                                                 bool orphans = false) {
  std::set<std::string> wanted(services.begin(), services.end());
  std::vector<ProjectContainer> out;
  for (auto& c : project_containers(ctx.paths, project.name)) {
    std::string service = label_of(c.record, kServiceLabel);
    bool defined = project.services.count(service) > 0;
    if (defined != !orphans) continue;
    if (!orphans && !wanted.empty() && !wanted.count(service)) continue;
    out.push_back(std::move(c));
  }
  std::sort(out.begin(), out.end(),
            [](const auto& a, const auto& b) { return a.record.name < b.record.name; });
  return out;
}

std::string item(const runtime::ContainerRecord& r) { return "Container " + r.name; }

// What a command does to each container: its plan word ("pause", as
// --dry-run prints it) and compose's events ("Pausing" -> "Paused").
struct Verb {
  const char* plan;
  const char* doing;  // nullptr: no "...ing" event
  const char* done;
};

// Runs `act` on each container with compose's events; an error is shown on
// the container's line and makes the command fail. With --dry-run, prints
// what it would do ("pause container shop-web-1") and does nothing.
template <typename Act>
void each_with_progress(Context& ctx, const std::vector<ProjectContainer>& containers,
                        const Verb& verb, Act&& act) {
  if (ctx.project.dry_run) {
    for (const auto& c : containers)
      std::printf("%s container %s\n", verb.plan, c.record.name.c_str());
    if (containers.empty()) std::puts("nothing to do");
    return;
  }
  const char* doing = verb.doing;
  const char* done = verb.done;
  ProgressView view(parse_progress_mode(ctx.project.progress), "Running");
  auto sink = view.sink();
  std::vector<std::string> failures;
  for (const auto& c : containers) {
    if (doing) sink({item(c.record), doing});
    try {
      act(c.record);
      sink({item(c.record), done, ProgressState::Done});
    } catch (const Error& e) {
      sink({item(c.record), "Error", ProgressState::Error, e.what()});
      failures.push_back(e.what());
    }
  }
  view.stop();
  for (const auto& f : failures) std::fprintf(stderr, "lit: %s\n", f.c_str());
  if (!failures.empty()) ctx.exit_code = kProjectFailure;
}

// ---- pause, unpause ----

void register_pause(CLI::App& app, Context& ctx, bool pause) {
  auto services = std::make_shared<std::vector<std::string>>();
  auto* cmd = app.add_subcommand(pause ? "pause" : "unpause",
                                 pause ? "Pause services" : "Unpause services");
  cmd->add_option("SERVICE", *services, "Only these services (default: all)");
  cmd->callback([&ctx, services, pause] {
    guarded(ctx, [&] {
      Project project = load_by_name(ctx);
      check_services(project, *services);
      std::vector<ProjectContainer> running;
      for (auto& c : service_containers(ctx, project, *services))
        if (c.state.status == ContainerStatus::Running) running.push_back(std::move(c));
      each_with_progress(
          ctx, running,
          pause ? Verb{"pause", nullptr, "Paused"} : Verb{"unpause", nullptr, "Unpaused"},
          [&](const runtime::ContainerRecord& r) {
            if (pause)
              runtime::pause_container(ctx.paths, r);
            else
              runtime::unpause_container(ctx.paths, r);
          });
    });
  });
}

// ---- stats ----

void register_stats(CLI::App& app, Context& ctx) {
  struct Opts {
    bool no_stream = false, all = false;
    std::string format = "table";
    std::vector<std::string> services;
  };
  auto o = std::make_shared<Opts>();
  auto* cmd = app.add_subcommand("stats", "Display a live stream of the services' resource usage");
  cmd->add_flag("--no-stream", o->no_stream, "Print one sample and exit");
  cmd->add_flag("-a,--all", o->all, "Stopped containers too");
  cmd->add_option("--format", o->format, "Output format: table (default) or json")
      ->check(CLI::IsMember({"table", "json"}));
  cmd->add_option("SERVICE", o->services, "Only these services (default: all)");
  cmd->callback([&ctx, o] {
    guarded(ctx, [&] {
      Project project = load_by_name(ctx);
      check_services(project, o->services);
      stream_stats(
          [&] {
            std::vector<runtime::ContainerRecord> out;
            for (auto& c : service_containers(ctx, project, o->services))
              if (o->all || live(c.state)) out.push_back(std::move(c.record));
            return out;
          },
          o->no_stream, o->format == "json");
    });
  });
}

// ---- kill ----

void remove_orphans(Context& ctx, const Project& project) {
  auto orphans = service_containers(ctx, project, {}, true);
  each_with_progress(ctx, orphans, {"remove", "Removing", "Removed"},
                     [&](const runtime::ContainerRecord& r) {
                       runtime::remove_container(ctx.paths, r, true, false);
                     });
}

void register_kill(CLI::App& app, Context& ctx) {
  struct Opts {
    std::vector<std::string> services;
    std::string signal = "SIGKILL";
    bool remove_orphans = false;
  };
  auto o = std::make_shared<Opts>();
  auto* cmd = app.add_subcommand("kill", "Force stop service containers");
  cmd->add_option("-s,--signal", o->signal, "SIGNAL to send to the container")
      ->capture_default_str();
  cmd->add_flag("--remove-orphans", o->remove_orphans,
                "Remove containers for services not defined in the Compose file");
  cmd->add_option("SERVICE", o->services, "Only these services (default: all)");
  cmd->callback([&ctx, o] {
    guarded(ctx, [&] {
      int sig = runtime::parse_signal(o->signal, "--signal");
      Project project = load_by_name(ctx);
      check_services(project, o->services);
      FileLock held = project_lock(ctx, project.name);
      if (o->remove_orphans) remove_orphans(ctx, project);
      std::vector<ProjectContainer> running;
      for (auto& c : service_containers(ctx, project, o->services))
        if (c.state.status == ContainerStatus::Running) running.push_back(std::move(c));
      if (running.empty()) {
        std::fputs("no container to kill\n", stderr);  // compose: not an error
        return;
      }
      each_with_progress(
          ctx, running, {"kill", "Killing", "Killed"},
          [&](const runtime::ContainerRecord& r) { runtime::kill_container(ctx.paths, r, sig); });
    });
  });
}

// ---- rm ----

// compose's confirmation: on a terminal a question; otherwise the message
// alone, and the answer read from stdin (none: no).
bool confirm(const std::string& message) {
  bool terminal = ::isatty(STDIN_FILENO) && ::isatty(STDOUT_FILENO);
  std::printf(terminal ? "? %s Are you sure? (y/N) " : "%s", message.c_str());
  std::fflush(stdout);
  std::string answer;
  std::getline(std::cin, answer);
  std::transform(answer.begin(), answer.end(), answer.begin(),
                 [](unsigned char c) { return std::tolower(c); });
  return answer == "y" || answer == "yes" || answer == "true" || answer == "1";
}

struct RmOpts {
  std::vector<std::string> services;
  bool force = false, stop = false, volumes = false;
};

// rm -s: stops the services' containers first, as `lit stop` does.
void stop_first(Context& ctx, const Project& project, const RmOpts& o) {
  Desired desired = desired_state(ctx.paths, project, Hashes::Skip);
  ObservedState observed = observe(ctx.paths, project.name, desired.state);
  Plan plan = plan_lifecycle(desired.state, observed, Lifecycle::Stop, o.services);
  if (ctx.project.dry_run) {
    std::fputs(render_plan(plan).c_str(), stdout);
    return;
  }
  if (apply_with_progress(ctx, project, desired, plan, {}) != 0)
    throw Error("could not stop the containers to remove");
}

void remove_stopped(Context& ctx, const RmOpts& o) {
  Project project = load_by_name(ctx);
  check_services(project, o.services);
  FileLock held = project_lock(ctx, project.name);
  if (o.stop) stop_first(ctx, project, o);
  std::vector<ProjectContainer> stopped;
  std::string names;
  for (auto& c : service_containers(ctx, project, o.services)) {
    // Running, paused or restarting: compose leaves them (rm -s stopped them,
    // or with --dry-run would have).
    if (live(c.state) && !(o.stop && ctx.project.dry_run)) continue;
    names += (names.empty() ? "" : ", ") + c.record.name;
    stopped.push_back(std::move(c));
  }
  if (stopped.empty()) {
    std::fputs("No stopped containers\n", stderr);
    return;
  }
  const std::string message = "Going to remove " + names;
  if (o.force || ctx.project.dry_run) {
    std::printf("%s\n", message.c_str());
    std::fflush(stdout);
  } else if (!confirm(message)) {
    return;
  }
  each_with_progress(ctx, stopped, {"remove", "Removing", "Removed"},
                     [&](const runtime::ContainerRecord& r) {
                       runtime::remove_container(ctx.paths, r, false, o.volumes);
                     });
}

void register_rm(CLI::App& app, Context& ctx) {
  auto o = std::make_shared<RmOpts>();
  auto* cmd = app.add_subcommand("rm", "Removes stopped service containers");
  cmd->add_flag("-f,--force", o->force, "Don't ask to confirm removal");
  cmd->add_flag("-s,--stop", o->stop, "Stop the containers, if required, before removing");
  cmd->add_flag("-v,--volumes", o->volumes, "Remove any anonymous volumes attached to containers");
  cmd->add_option("SERVICE", o->services, "Only these services (default: all)");
  cmd->callback([&ctx, o] { guarded(ctx, [&] { remove_stopped(ctx, *o); }); });
}

// ---- top ----

// The running containers of `services` (all when empty), one-offs included, by name.
std::vector<ProjectContainer> running_containers(const Context& ctx, const Project& project,
                                                 const std::vector<std::string>& services) {
  std::set<std::string> wanted(services.begin(), services.end());
  std::vector<ProjectContainer> out;
  for (auto& c : project_containers(ctx.paths, project.name, {.include_oneoffs = true})) {
    if (c.state.status != ContainerStatus::Running) continue;
    if (!wanted.empty() && !wanted.count(label_of(c.record, kServiceLabel))) continue;
    out.push_back(std::move(c));
  }
  std::sort(out.begin(), out.end(),
            [](const auto& a, const auto& b) { return a.record.name < b.record.name; });
  return out;
}

// compose top: per container its name, the ps table, an empty line.
void register_top(CLI::App& app, Context& ctx) {
  auto services = std::make_shared<std::vector<std::string>>();
  auto* cmd = app.add_subcommand("top", "Display the running processes");
  cmd->add_option("SERVICE", *services, "Only these services (default: all)");
  cmd->callback([&ctx, services] {
    guarded(ctx, [&] {
      Project project = load_by_name(ctx);
      check_services(project, *services);
      for (const auto& c : running_containers(ctx, project, *services)) {
        TableRows table{kTopTitles};
        auto cgroup = cgroups::manager_for(c.record.spec.cgroup_manager)->open(c.record.id);
        for (auto& row : top_rows(cgroup->processes())) table.push_back(std::move(row));
        std::printf("%s\n%s\n", c.record.name.c_str(), format_table(table).c_str());
      }
    });
  });
}

// ---- port ----

struct PortOpts {
  std::string service, protocol = "tcp";
  int port = 0, index = 0;
};

// compose port: the service's container (--index, else the lowest number, one-offs last).
ProjectContainer port_container(const Context& ctx, const Project& project, const PortOpts& o) {
  std::vector<ProjectContainer> found;
  for (auto& c : running_containers(ctx, project, {o.service})) {
    if (o.index > 0 && label_of(c.record, kNumberLabel) != std::to_string(o.index)) continue;
    found.push_back(std::move(c));
  }
  if (found.empty())
    throw Error("service \"" + o.service + "\" is not running" +
                (o.index > 0 ? " container #" + std::to_string(o.index) : ""));
  auto key = [](const ProjectContainer& c) {
    std::string n = label_of(c.record, kNumberLabel);
    return std::pair(is_oneoff(c.record.labels), n.empty() ? 0 : std::stoi(n));
  };
  return *std::min_element(found.begin(), found.end(),
                           [&](const auto& a, const auto& b) { return key(a) < key(b); });
}

void register_port(CLI::App& app, Context& ctx) {
  auto o = std::make_shared<PortOpts>();
  auto* cmd = app.add_subcommand("port", "Print the public port for a port binding");
  cmd->add_option("--index", o->index, "Index of the container if service has multiple replicas");
  cmd->add_option("--protocol", o->protocol, "tcp or udp")
      ->check(CLI::IsMember({"tcp", "udp"}))
      ->capture_default_str();
  cmd->add_option("SERVICE", o->service, "Service name")->required();
  cmd->add_option("PRIVATE_PORT", o->port, "Container port")
      ->required()
      ->check(CLI::Range(1, 65535));
  cmd->callback([&ctx, o] {
    guarded(ctx, [&] {
      Project project = load_by_name(ctx);
      check_services(project, {o->service});
      ProjectContainer c = port_container(ctx, project, *o);
      std::string published;
      for (const auto& p : c.state.ports) {
        std::string proto(runtime::proto_name(p.proto));
        if (!published.empty()) published += ", ";
        published += std::to_string(p.host_port) + "/" + proto;
        if (p.container_port == o->port && proto == o->protocol) {
          std::printf("%s:%d\n", (p.host_ip.empty() ? "0.0.0.0" : p.host_ip).c_str(), p.host_port);
          return;
        }
      }
      throw Error("no port " + std::to_string(o->port) + "/" + o->protocol + " for container " +
                  c.record.name + ": " + published);
    });
  });
}

// ---- wait ----

// Tears the project down as `lit down` does (wait --down-project).
// With --dry-run, prints its plan instead.
int down_project(Context& ctx, const Project& project) {
  FileLock held = project_lock(ctx, project.name);
  Desired desired = desired_state(ctx.paths, project, Hashes::Skip);
  ObservedState observed = observe(ctx.paths, project.name, desired.state);
  Plan plan = plan_down(desired.state, observed, {});
  if (ctx.project.dry_run) {
    std::fputs(plan.empty() ? "nothing to do\n" : render_plan(plan).c_str(), stdout);
    return 0;
  }
  return apply_with_progress(ctx, project, desired, plan, {});
}

// compose wait: one line per container as it exits; the exit status is the
// code of the last one to exit. With --down-project the first exit ends the
// wait and the project is torn down.
struct Waits {
  std::mutex m;
  std::condition_variable changed;
  int status = 0;
  std::size_t finished = 0;
  bool quiet = false;  // after the first exit with --down-project
  std::vector<std::string> errors;
};

void wait_one(Context& ctx, Waits& w, const runtime::ContainerRecord& record) {
  try {
    int code = runtime::wait_container(ctx.paths, record);
    std::lock_guard lock(w.m);
    if (!w.quiet) {
      std::printf("container \"/%s\" exited with status code %d\n", record.name.c_str(), code);
      std::fflush(stdout);
      w.status = code;
    }
  } catch (const Error& e) {
    std::lock_guard lock(w.m);
    if (!w.quiet) w.errors.push_back(e.what());
  }
  std::lock_guard lock(w.m);
  ++w.finished;
  w.changed.notify_all();
}

void register_wait(CLI::App& app, Context& ctx) {
  struct Opts {
    std::vector<std::string> services;
    bool down = false;
  };
  auto o = std::make_shared<Opts>();
  auto* cmd =
      app.add_subcommand("wait", "Block until containers of all (or specified) services stop.");
  cmd->add_flag("--down-project", o->down, "Drops project when the first container stops");
  cmd->add_option("SERVICE", o->services, "Services to wait for")->required();
  cmd->callback([&ctx, o] {
    guarded(ctx, [&] {
      Project project = load_by_name(ctx);
      check_services(project, o->services);
      auto containers = running_containers(ctx, project, o->services);
      if (containers.empty()) throw Error("no containers for project \"" + project.name + "\"");
      Waits w;
      std::vector<std::jthread> waiters;
      for (const auto& c : containers)
        waiters.emplace_back([&ctx, &w, record = c.record] { wait_one(ctx, w, record); });
      if (o->down) {
        std::unique_lock lock(w.m);
        w.changed.wait(lock, [&] { return w.finished > 0; });
        w.quiet = true;
      }
      if (o->down) {
        if (down_project(ctx, project) != 0) ctx.exit_code = kProjectFailure;
        waiters.clear();  // the others ended with the project
        if (ctx.exit_code == 0) ctx.exit_code = w.status;
        return;
      }
      waiters.clear();  // joins
      if (!w.errors.empty()) throw Error(w.errors.front());
      ctx.exit_code = w.status;
    });
  });
}

// ---- version ----

void register_version(CLI::App& app, Context& ctx) {
  struct Opts {
    bool short_form = false;
    std::string format = "pretty";
  };
  auto o = std::make_shared<Opts>();
  auto* cmd = app.add_subcommand("version", "Show the lit version information");
  cmd->add_flag("--short", o->short_form, "Shows only lit's version number");
  cmd->add_option("-f,--format", o->format, "Format the output. Values: [pretty | json]")
      ->check(CLI::IsMember({"pretty", "json"}));
  cmd->callback([&ctx, o] {
    (void)ctx;
    if (o->short_form)
      std::printf("%s\n", kLitVersion);
    else if (o->format == "json")
      std::printf("%s\n",
                  nlohmann::json{{"version", std::string("v") + kLitVersion}}.dump().c_str());
    else
      std::printf("lit version v%s\n", kLitVersion);
  });
}

}  // namespace

// ---- attach ----

void register_attach(CLI::App& app, Context& ctx) {
  struct Opts {
    runtime::AttachOptions attach;
    PortOpts target;
  };
  auto o = std::make_shared<Opts>();
  auto* cmd = app.add_subcommand(
      "attach", "Attach local standard input, output, and error streams to a service's container");
  add_attach_flags(*cmd, o->attach);
  cmd->add_option("--index", o->target.index,
                  "Index of the container if service has multiple replicas");
  cmd->add_option("SERVICE", o->target.service, "Service name")->required();
  cmd->callback([&ctx, o] {
    guarded(ctx, [&] {
      Project project = load_by_name(ctx);
      check_services(project, {o->target.service});
      ProjectContainer c = port_container(ctx, project, o->target);
      if (ctx.project.dry_run) {  // compose's dry-run client refuses the attach itself
        if (c.state.status == ContainerStatus::Paused)
          throw Error("cannot attach to a paused container, unpause it first");
        std::printf("attach to container %s\n", c.record.name.c_str());
        std::fflush(stdout);
        throw Error("interactive run is not supported in dry-run mode");
      }
      ctx.exit_code = runtime::attach_container(ctx.paths, c.record, o->attach);
    });
  });
}

void register_project_control_commands(CLI::App& app, Context& ctx) {
  register_attach(app, ctx);
  register_pause(app, ctx, true);
  register_pause(app, ctx, false);
  register_kill(app, ctx);
  register_stats(app, ctx);
  register_rm(app, ctx);
  register_top(app, ctx);
  register_port(app, ctx);
  register_wait(app, ctx);
  register_version(app, ctx);
}

}  // namespace lit::app
