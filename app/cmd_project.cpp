// The project commands: lit up, down, ps, config (logs and up's attached
// mode: cmd_project_logs.cpp). Parsing and rendering; the
// work is reconciler's: load -> desired/observed -> plan -> apply.
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <functional>
#include <memory>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <vector>

#include "app/build.hpp"
#include "app/context.hpp"
#include "app/interrupt.hpp"
#include "app/progress.hpp"
#include "app/project.hpp"
#include "app/pull.hpp"
#include "app/views/status_text.hpp"
#include "app/views/table.hpp"
#include "reconciler/apply/actions.hpp"
#include "reconciler/apply/attach.hpp"
#include "reconciler/desired.hpp"
#include "reconciler/labels.hpp"
#include "reconciler/load/load.hpp"
#include "reconciler/observe.hpp"
#include "reconciler/plan.hpp"
#include "runtime/state/record.hpp"
#include "runtime/util/fs.hpp"

namespace lit::app {

using namespace lit::reconciler;

Project load(const Context& ctx, const std::vector<std::string>& services,
             const std::optional<std::vector<std::string>>& env_file_services) {
  LoadOptions o;
  o.files = ctx.project.files;
  o.project_name = ctx.project.project_name;
  o.project_dir = ctx.project.project_directory;
  o.env_files = ctx.project.env_files;
  o.profiles = ctx.project.profiles;
  o.services = services;
  o.env_file_services = env_file_services;
  if (!o.env_file_services && !services.empty()) o.env_file_services = services;
  Project p = load_project(o);
  for (const auto& w : p.warnings) std::fprintf(stderr, "lit: warning: %s\n", w.c_str());
  return p;
}

namespace {

bool readable_files(const std::vector<std::string>& files) {
  if (files.empty()) return false;
  return std::all_of(files.begin(), files.end(),
                     [](const std::string& f) { return ::access(f.c_str(), R_OK) == 0; });
}

// -p, else COMPOSE_PROJECT_NAME from the environment; "" when neither.
std::string name_without_file(const Context& ctx) {
  if (!ctx.project.project_name.empty()) return ctx.project.project_name;
  const char* env = std::getenv("COMPOSE_PROJECT_NAME");
  return env ? env : "";
}

}  // namespace

Project load_by_name(const Context& ctx, const std::vector<std::string>& services) {
  std::error_code ec;
  std::string dir = ctx.project.project_directory.empty()
                        ? std::filesystem::current_path(ec).string()
                        : ctx.project.project_directory;
  std::string name = name_without_file(ctx);
  const char* compose_file = std::getenv("COMPOSE_FILE");
  bool file_named = !ctx.project.files.empty() || (compose_file && *compose_file);
  std::vector<std::string> no_env_files;
  if (name.empty() || file_named || !discover_files(dir).empty())
    return load(ctx, services, no_env_files);
  check_project_name(name);
  Project found = project_from_labels(ctx.paths, name);
  if (!readable_files(found.files)) return found;  // what the labels say
  Context from_labels = ctx;  // the files `up` last applied, from their directory
  from_labels.project.files = found.files;
  from_labels.project.project_name = name;
  if (from_labels.project.project_directory.empty())
    from_labels.project.project_directory = found.working_dir;
  return load(from_labels, services, no_env_files);
}

FileLock project_lock(const Context& ctx, const std::string& project) {
  auto dir = ctx.paths.run_root / "projects";
  make_dirs(dir, 0700);
  return FileLock(dir / (project + ".lock"));
}

int apply_with_progress(const Context& ctx, const Project& project, const Desired& desired,
                        const Plan& plan, const ApplyOptions& options,
                        std::optional<std::chrono::seconds> wait) {
  CancelOnInterrupt interrupt;
  ApplyOptions cancellable = options;
  cancellable.stop = interrupt.token();
  ProgressView view(parse_progress_mode(ctx.project.progress), "Running");
  ApplyResult result = apply_plan(ctx.paths, &project, &desired, plan, cancellable, view.sink());
  std::vector<std::string> failures = std::move(result.errors);
  if (failures.empty() && wait && !interrupt.interrupted())
    failures = wait_until_ready(ctx.paths, project, *wait, view.sink());
  view.stop();
  for (const auto& w : result.warnings) std::fprintf(stderr, "lit: warning: %s\n", w.c_str());
  for (const auto& f : failures) std::fprintf(stderr, "lit: %s\n", f.c_str());
  if (interrupt.interrupted()) return kExitInterrupted;
  return failures.empty() ? 0 : 1;
}

namespace {

// Images `lit up` pulls first: by --pull, else each service's pull_policy
// (missing by default; "build" waits for the builder: missing for now).
void pull_for_up(Context& ctx, const Project& project, const std::string& flag) {
  for (const auto& [name, s] : project.services) {
    if (s.image.empty() || s.build) continue;  // built, not pulled
    std::string policy = !flag.empty() ? flag : s.pull_policy;
    if (policy == "build") policy = "missing";
    try {
      ensure_image(ctx, s.image, policy);
    } catch (Error& e) {
      throw e.context("service " + name);
    }
  }
}

void register_up(CLI::App& app, Context& ctx) {
  struct Opts {
    bool detach = false, wait = false, dry_run = false, force_recreate = false, no_recreate = false,
         remove_orphans = false, build = false, no_build = false;
    int wait_timeout = 120;
    std::vector<std::string> scale, services;
    std::string pull;  // --pull, empty: each service's pull_policy
  };
  auto o = std::make_shared<Opts>();
  auto* cmd =
      app.add_subcommand("up", "Create and start the project's services, converging on the file");
  cmd->add_flag("-d,--detach", o->detach, "Run in the background");
  cmd->add_flag("--wait", o->wait, "Return when every service runs and is healthy (implies -d)");
  cmd->add_option("--wait-timeout", o->wait_timeout, "Seconds --wait waits (default 120)");
  cmd->add_flag("--dry-run", o->dry_run, "Print the plan; change nothing");
  auto* build_flag = cmd->add_flag("--build", o->build, "Build images (build:) before starting");
  cmd->add_flag("--no-build", o->no_build, "Do not build images, even when missing")
      ->excludes(build_flag);
  cmd->add_flag("--force-recreate", o->force_recreate, "Recreate containers even when unchanged");
  cmd->add_flag("--no-recreate", o->no_recreate, "Keep existing containers even when changed");
  cmd->add_flag("--remove-orphans", o->remove_orphans,
                "Remove containers of services no longer in the file");
  cmd->add_option("--scale", o->scale, "SERVICE=N replicas")->allow_extra_args(false);
  cmd->add_option("--pull", o->pull,
                  "Pull images: always, missing or never (default: each service's pull_policy, "
                  "else missing)")
      ->check(CLI::IsMember({"always", "missing", "never"}));
  add_insecure_registry_option(*cmd);
  cmd->add_option("SERVICE", o->services, "Only these services (and their dependencies)");
  auto attach_flags = add_attach_flags(*cmd);
  cmd->callback([&ctx, o, attach_flags] {
    Project project = load(ctx, o->services);
    if (o->build && !o->dry_run)
      build_services(ctx, project, o->services, false);
    else if (!o->no_build && !o->dry_run)
      build_for_up(ctx, project, o->services);
    if (!o->dry_run) pull_for_up(ctx, project, o->pull);
    UpOptions up;
    up.force_recreate = o->force_recreate;
    up.no_recreate = o->no_recreate;
    up.remove_orphans = o->remove_orphans;
    up.services = o->services;
    for (const auto& s : o->scale) {
      auto eq = s.find('=');
      if (eq == std::string::npos)
        throw Error("invalid value \"" + s + "\" for flag --scale: use SERVICE=N");
      up.scale[s.substr(0, eq)] = std::stoi(s.substr(eq + 1));
    }
    std::optional<FileLock> held = project_lock(ctx, project.name);
    Desired desired = desired_state(ctx.paths, project);
    ObservedState observed = observe(ctx.paths, project.name, desired.state);
    Plan plan = plan_up(desired.state, observed, up);
    for (const auto& w : plan.warnings) std::fprintf(stderr, "lit: warning: %s\n", w.c_str());
    if (o->dry_run) {
      std::fputs(plan.empty() ? "nothing to do\n" : render_plan(plan).c_str(), stdout);
      return;
    }
    std::function<int(bool)> attach;
    if (!o->detach && !o->wait)
      attach = prepare_attach(ctx, *attach_flags, desired.state, o->services,
                              [](const ProgressEvent& e) {
                                if (e.state != ProgressState::Working)
                                  std::fputs(plain_line(e).c_str(), stderr);
                              });
    std::optional<std::chrono::seconds> wait;
    if (o->wait) wait = std::chrono::seconds(o->wait_timeout);
    ctx.exit_code = apply_with_progress(ctx, project, desired, plan, {}, wait);
    held.reset();  // attached for as long as the containers run: down and friends may act meanwhile
    if (attach && (ctx.exit_code == 0 || ctx.exit_code == kExitInterrupted))
      ctx.exit_code = attach(ctx.exit_code == kExitInterrupted);
  });
}

void register_down(CLI::App& app, Context& ctx) {
  struct Opts {
    bool volumes = false, remove_orphans = false;
    std::optional<int> timeout;
  };
  auto o = std::make_shared<Opts>();
  auto* cmd = app.add_subcommand("down", "Stop and remove the project's containers and networks");
  cmd->add_flag("-v,--volumes", o->volumes, "Remove the project's named volumes too");
  cmd->add_flag("--remove-orphans", o->remove_orphans,
                "Remove containers of services no longer in the file");
  cmd->add_option("-t,--timeout", o->timeout, "Seconds to wait for a stop before SIGKILL");
  cmd->callback([&ctx, o] {
    Project project = load_by_name(ctx);
    FileLock held = project_lock(ctx, project.name);
    Desired desired = desired_state(ctx.paths, project, Hashes::Skip);
    ObservedState observed = observe(ctx.paths, project.name, desired.state);
    Plan plan = plan_down(desired.state, observed, {o->volumes, o->remove_orphans});
    ApplyOptions apply;
    apply.stop_timeout = o->timeout;
    ctx.exit_code = apply_with_progress(ctx, project, desired, plan, apply);
  });
}

void register_ps(CLI::App& app, Context& ctx) {
  struct Opts {
    bool all = false, quiet = false;
    std::string format;
  };
  auto o = std::make_shared<Opts>();
  auto* cmd = app.add_subcommand("ps", "List the project's containers");
  cmd->add_flag("-a,--all", o->all, "Stopped containers too");
  cmd->add_flag("-q,--quiet", o->quiet, "Only ids");
  cmd->add_option("--format", o->format, "table (default) or json")
      ->check(CLI::IsMember({"table", "json"}));
  cmd->callback([&ctx, o] {
    Project project = load_by_name(ctx);
    auto now = std::chrono::system_clock::now();
    TableRows rows{{"NAME", "IMAGE", "SERVICE", "STATUS", "PORTS"}};
    // compose: `lit run` containers with -a only
    for (const auto& [r, st] :
         project_containers(ctx.paths, project.name, {.include_oneoffs = o->all})) {
      if (!o->all && st.status != runtime::ContainerStatus::Running &&
          st.status != runtime::ContainerStatus::Restarting)
        continue;
      std::string ports =
          st.status == runtime::ContainerStatus::Running ? ports_column(r.state.ports) : "";
      std::string service = label_of(r, kServiceLabel);
      if (o->quiet) {
        std::printf("%s\n", r.id.substr(0, 12).c_str());
      } else if (o->format == "json") {
        nlohmann::json j = {{"ID", r.id.substr(0, 12)},
                            {"Name", r.name},
                            {"Image", r.image},
                            {"Service", service},
                            {"Project", project.name},
                            {"State", std::string(runtime::to_string(st.status))},
                            {"Status", status_text(st, now)},
                            {"ExitCode", st.exit_code},
                            {"Publishers", ports}};
        std::printf("%s\n", j.dump().c_str());
      } else {
        rows.push_back({r.name, r.image, service, status_text(st, now), ports});
      }
    }
    if (!o->quiet && o->format != "json") std::fputs(format_table(rows).c_str(), stdout);
  });
}

}  // namespace

void register_project_commands(CLI::App& app, Context& ctx) {
  register_up(app, ctx);
  register_down(app, ctx);
  register_ps(app, ctx);
  register_config(app, ctx);
  register_project_ops_commands(app, ctx);
  register_project_logs(app, ctx);
}

}  // namespace lit::app
