// The project commands: lit up, down, ps, config (logs and up's attached
// mode: cmd_project_logs.cpp). Parsing and rendering; the
// work is reconciler's: load -> desired/observed -> plan -> apply.
#include <unistd.h>

#include <algorithm>
#include <charconv>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <functional>
#include <future>
#include <map>
#include <memory>
#include <nlohmann/json.hpp>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include "app/build.hpp"
#include "app/bundle.hpp"
#include "app/container_fs.hpp"
#include "app/context.hpp"
#include "app/interrupt.hpp"
#include "app/list_output.hpp"
#include "app/progress.hpp"
#include "app/project.hpp"
#include "app/project_versions.hpp"
#include "app/pull.hpp"
#include "app/systemd/notify.hpp"
#include "app/up_menu.hpp"
#include "app/views/container_rows.hpp"
#include "app/views/list_filter.hpp"
#include "app/watch.hpp"
#include "reconciler/apply/actions.hpp"
#include "reconciler/apply/attach.hpp"
#include "reconciler/apply/replica_request.hpp"
#include "reconciler/desired.hpp"
#include "reconciler/labels.hpp"
#include "reconciler/load/load.hpp"
#include "reconciler/observe.hpp"
#include "reconciler/plan.hpp"
#include "runtime/image/store.hpp"
#include "runtime/image/usage.hpp"
#include "runtime/state/record.hpp"
#include "runtime/util/fs.hpp"

namespace lit::app {

using namespace lit::reconciler;

LoadOptions load_options(const Context& ctx, const std::vector<std::string>& services) {
  LoadOptions o;
  o.files = ctx.project.files;
  o.project_name = ctx.project.project_name;
  o.project_dir = ctx.project.project_directory;
  o.env_files = ctx.project.env_files;
  o.profiles = ctx.project.profiles;
  o.services = services;
  return o;
}

Project load(const Context& ctx, const std::vector<std::string>& services,
             const std::optional<std::vector<std::string>>& env_file_services) {
  LoadOptions o = load_options(ctx, services);
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
  if (name.empty() || file_named || !discover_files(dir).empty())
    return load(ctx, services, std::vector<std::string>{});
  return load_from_labels(ctx, name, services);
}

Project load_from_labels(const Context& ctx, const std::string& name,
                         const std::vector<std::string>& services) {
  check_project_name(name);
  Project found = project_from_labels(ctx.paths, name);
  if (!readable_files(found.files)) return found;  // what the labels say
  Context from_labels = ctx;  // the files `up` last applied, from their directory
  from_labels.project.files = found.files;
  from_labels.project.project_name = name;
  if (from_labels.project.project_directory.empty())
    from_labels.project.project_directory = found.working_dir;
  return load(from_labels, services, std::vector<std::string>{});
}

FileLock project_lock(const Context& ctx, const std::string& project) {
  auto dir = ctx.paths.run_root / "projects";
  make_dirs(dir, 0700);
  return FileLock(dir / (project + ".lock"));
}

Applied apply_and_wait(const Context& ctx, const Project& project, const Desired& desired,
                       const Plan& plan, const ApplyOptions& options,
                       const std::optional<WaitFor>& wait, const Progress& progress) {
  Progress sink = progress;
  if (wait && wait->on_look)  // systemd's STATUS= while the plan runs too
    sink = [&, shown = progress](const ProgressEvent& e) {
      if (shown) shown(e);
      if (e.id.starts_with("Container "))
        wait->on_look(assess_readiness(ctx.paths, project, wait->services));
    };
  ApplyResult result = apply_plan(ctx.paths, &project, &desired, plan, options, sink);
  Applied out;
  out.failures = std::move(result.errors);
  out.output = std::move(result.output);
  out.warnings = std::move(result.warnings);
  const bool stopped = options.stop.stop_requested();
  if (out.failures.empty() && wait && !stopped) {
    std::future<void> meanwhile;
    if (wait->meanwhile) meanwhile = std::async(std::launch::async, wait->meanwhile);
    out.failures = wait_until_ready(ctx.paths, project, wait->services, wait->timeout, progress,
                                    wait->on_look);
    if (meanwhile.valid()) meanwhile.get();
  }
  return out;
}

int apply_with_progress(const Context& ctx, const Project& project, const Desired& desired,
                        const Plan& plan, const ApplyOptions& options,
                        const std::optional<WaitFor>& wait) {
  CancelOnInterrupt interrupt;
  ApplyOptions cancellable = options;
  cancellable.stop = interrupt.token();
  ProgressView view(parse_progress_mode(ctx.project.progress), "Running");
  Applied result = apply_and_wait(ctx, project, desired, plan, cancellable, wait, view.sink());
  view.stop();
  for (const auto& line : result.output) std::printf("%s\n", line.c_str());  // hooks'
  std::fflush(stdout);
  for (const auto& w : result.warnings) std::fprintf(stderr, "lit: warning: %s\n", w.c_str());
  for (const auto& f : result.failures) std::fprintf(stderr, "lit: %s\n", f.c_str());
  if (interrupt.interrupted()) return kExitInterrupted;
  return result.failures.empty() ? 0 : 1;
}

namespace {

// Images `lit up` pulls first: by --pull, else each service's pull_policy
// (missing by default; "build" waits for the builder: missing for now).
void pull_for_up(Context& ctx, const Project& project, const std::string& flag, bool quiet) {
  for (const auto& [name, s] : project.services) {
    std::string policy = !flag.empty() ? flag : s.pull_policy;
    if (policy == "build") policy = "missing";
    if (!s.image.empty() && !s.build) {  // else built, not pulled
      try {
        ensure_image(ctx, s.image, policy, quiet);
      } catch (Error& e) {
        throw e.context("service " + name);
      }
    }
    ensure_mounted_images(ctx, s, policy, quiet);
  }
}

// The flags `up`, `create` and `scale` share, and what they ask of the planner.
struct ConvergeFlags {
  bool dry_run = false, force_recreate = false, no_recreate = false, remove_orphans = false,
       build = false, no_build = false, no_deps = false, no_start = false, quiet_pull = false,
       yes = false, always_recreate_deps = false, renew_anon_volumes = false;
  std::vector<std::string> scale, services;
  std::string pull;  // --pull, empty: each service's pull_policy
};

void add_converge_flags(CLI::App& cmd, ConvergeFlags& f) {
  cmd.add_flag("--dry-run", f.dry_run, "Print the plan; change nothing");
  auto* build_flag = cmd.add_flag("--build", f.build, "Build images (build:) before starting");
  cmd.add_flag("--no-build", f.no_build, "Do not build images, even when missing")
      ->excludes(build_flag);
  auto* force =
      cmd.add_flag("--force-recreate", f.force_recreate, "Recreate containers even when unchanged");
  auto* keep =
      cmd.add_flag("--no-recreate", f.no_recreate, "Keep existing containers even when changed")
          ->excludes(force);
  cmd.add_flag("--always-recreate-deps", f.always_recreate_deps,
               "Recreate the dependencies of the services named too")
      ->excludes(keep);
  cmd.add_flag("-V,--renew-anon-volumes", f.renew_anon_volumes,
               "Recreate anonymous volumes instead of keeping their data from the previous "
               "containers");
  cmd.add_flag("--remove-orphans", f.remove_orphans,
               "Remove containers of services no longer in the file");
  cmd.add_option("--scale", f.scale, "SERVICE=N replicas")->allow_extra_args(false);
  cmd.add_option("--pull", f.pull,
                 "Pull images: always, missing or never (default: each service's pull_policy, "
                 "else missing)")
      ->check(CLI::IsMember({"always", "missing", "never"}));
  cmd.add_flag("--quiet-pull", f.quiet_pull, "Pull without printing progress");
  cmd.add_flag("-y,--yes", f.yes, "Assume yes to prompts (lit's up asks none)");
  add_insecure_registry_option(cmd);
}

std::map<std::string, int> parse_scale(const std::vector<std::string>& args, const char* flag) {
  std::map<std::string, int> out;
  for (const auto& s : args) {
    auto eq = s.find('=');
    int n = -1;
    if (eq != std::string::npos) {
      const std::string count = s.substr(eq + 1);
      auto [end, ec] = std::from_chars(count.data(), count.data() + count.size(), n);
      if (ec != std::errc() || end != count.data() + count.size()) n = -1;
    }
    if (eq == std::string::npos || eq == 0 || n < 0)
      throw Error("invalid value \"" + s + "\" for " + flag + ": use SERVICE=N (N >= 0)");
    out[s.substr(0, eq)] = n;
  }
  return out;
}

// What up, create and scale converge on: the project (built and pulled as
// asked), the desired and observed states and the plan, under the project lock.
struct Convergence {
  Project project;
  Desired desired;
  Plan plan;
  std::optional<FileLock> held;
};

Convergence plan_convergence(Context& ctx, ConvergeFlags& f) {
  f.dry_run = f.dry_run || ctx.project.dry_run;  // the command's flag, or lit --dry-run
  Convergence c;
  c.project = load(ctx, f.services);
  if (f.build && !f.dry_run)
    build_services(ctx, c.project, f.services, false);
  else if (!f.no_build && !f.dry_run)
    build_for_up(ctx, c.project, f.services);
  if (!f.dry_run) pull_for_up(ctx, c.project, f.pull, f.quiet_pull);
  UpOptions up;
  up.force_recreate = f.force_recreate;
  up.no_recreate = f.no_recreate;
  up.remove_orphans = f.remove_orphans;
  up.services = f.services;
  up.no_deps = f.no_deps;
  up.no_start = f.no_start;
  up.always_recreate_deps = f.always_recreate_deps;
  up.compatibility = ctx.project.compatibility;
  up.scale = parse_scale(f.scale, "flag --scale");
  c.held = project_lock(ctx, c.project.name);
  c.desired = desired_state(ctx.paths, c.project);
  for (const auto& n : c.desired.notes) std::fprintf(stderr, "lit: %s\n", n.c_str());
  ObservedState observed = observe(ctx.paths, c.project.name, c.desired.state);
  c.plan = plan_up(c.desired.state, observed, up);
  for (const auto& w : c.plan.warnings) std::fprintf(stderr, "lit: warning: %s\n", w.c_str());
  return c;
}

// The services an up of `f.services` starts: those and (without --no-deps)
// their dependencies; empty: every service.
std::set<std::string> started_services(const Project& project, const ConvergeFlags& f) {
  std::set<std::string> out;
  std::vector<std::string> todo = f.services;
  while (!todo.empty()) {
    std::string name = todo.back();
    todo.pop_back();
    if (!out.insert(name).second || f.no_deps) continue;
    if (auto it = project.services.find(name); it != project.services.end())
      for (const auto& [dep, _] : it->second.depends_on) todo.push_back(dep);
  }
  return out;
}

// --dry-run: the plan, nothing done. True when it was a dry run.
bool print_if_dry_run(const ConvergeFlags& f, const Plan& plan) {
  if (!f.dry_run) return false;
  std::fputs(plan.empty() ? "nothing to do\n" : render_plan(plan).c_str(), stdout);
  return true;
}

void register_up(CLI::App& app, Context& ctx) {
  struct Opts {
    ConvergeFlags f;
    bool detach = false, wait = false, watch = false, atomic = false;
    int wait_timeout = 120;
  };
  auto o = std::make_shared<Opts>();
  auto* cmd =
      app.add_subcommand("up", "Create and start the project's services, converging on the file");
  auto* detach = cmd->add_flag("-d,--detach", o->detach, "Run in the background");
  cmd->add_flag("--wait", o->wait, "Return when every service runs and is healthy (implies -d)");
  cmd->add_option("--wait-timeout", o->wait_timeout, "Seconds --wait waits (default 120)");
  cmd->add_flag("--atomic", o->atomic,
                "Return the changed services to the current version when they do not become "
                "ready within --wait-timeout");
  add_converge_flags(*cmd, o->f);
  cmd->add_flag("--no-deps", o->f.no_deps, "Do not start the services' dependencies");
  cmd->add_flag("--no-start", o->f.no_start, "Create the containers, start none")->excludes(detach);
  cmd->add_flag("-w,--watch", o->watch,
                "Watch the services' develop.watch paths and update their containers");
  cmd->add_option("SERVICE", o->f.services, "Only these services (and their dependencies)");
  auto attach_flags = add_attach_flags(*cmd);
  cmd->callback([&ctx, o, attach_flags] {
    // The main process of a Type=notify unit (`lit systemd install`).
    const std::optional<SystemdNotifier> systemd = SystemdNotifier::from_environment();
    Convergence c = plan_convergence(ctx, o->f);
    if (print_if_dry_run(o->f, c.plan)) return;
    std::optional<UpWatch> watch;
    if (o->watch) watch.emplace(c.project, o->f.services);
    std::function<int(bool)> attach;
    if (!o->detach && !o->wait && !o->f.no_start)
      attach = prepare_attach(ctx, *attach_flags, c.project, c.desired.state, o->f.services,
                              [](const ProgressEvent& e) {
                                if (e.state != ProgressState::Working)
                                  std::fputs(plain_line(e).c_str(), stderr);
                              });
    std::optional<WaitFor> wait;
    // Under systemd, attached too: READY=1 means every service runs and is healthy.
    if ((o->wait || systemd) && !o->f.no_start)
      wait = WaitFor{std::chrono::seconds(o->wait_timeout), started_services(c.project, o->f)};
    if (wait && systemd) wait->on_look = status_to(*systemd);
    const std::set<std::string> changed = changed_services(c.plan);
    if (o->atomic && !wait && !o->f.no_start && !changed.empty())  // ready: the changed ones
      wait = WaitFor{std::chrono::seconds(o->wait_timeout), changed};
    ApplyOptions apply;
    apply.renew_anon_volumes = o->f.renew_anon_volumes;
    VersionDraft draft;
    if (wait) wait->meanwhile = [&] { draft = draft_version(ctx, c.project); };
    ctx.exit_code = apply_with_progress(ctx, c.project, c.desired, c.plan, apply, wait);
    ctx.exit_code = settle_version(ctx, c.project, changed, ctx.exit_code, o->atomic,
                                   std::chrono::seconds(o->wait_timeout), std::move(draft));
    std::optional<SystemdSupervision> supervision;
    if (systemd && ctx.exit_code == 0) {
      systemd->send("READY=1");
      if (attach) supervision.emplace(*systemd, ctx.paths, c.project, wait->services);
    }
    c.held
        .reset();  // attached for as long as the containers run: down and friends may act meanwhile
    if (watch && ctx.exit_code == 0) {
      if (!attach) {  // up -d --watch: watch in the foreground, as `lit watch` does
        ctx.exit_code =
            run_watch(ctx, watch->project, watch->rules, {o->f.services, true, false, ""});
        return;
      }
      watch->start_beside_attach(ctx);
    }
    std::optional<UpMenu> menu;
    const bool terminal = ::isatty(STDIN_FILENO) && ::isatty(STDOUT_FILENO);
    if (attach && ctx.exit_code == 0 &&
        menu_enabled(menu_flag(*attach_flags), std::getenv("COMPOSE_MENU"), terminal,
                     ctx.project.progress))
      menu.emplace(ctx, c.project, o->f.services, watch);
    if (attach && (ctx.exit_code == 0 || ctx.exit_code == kExitInterrupted))
      ctx.exit_code = attach(ctx.exit_code == kExitInterrupted);
    supervision.reset();
    if (systemd) systemd->send("STOPPING=1");
  });
}

}  // namespace

int up_from_store_and_wait(Context& ctx, std::chrono::seconds timeout) {
  ConvergeFlags f;
  f.no_build = true;  // the images are in the store: nothing to build, nothing to pull
  f.pull = "never";
  f.remove_orphans = true;  // the files are the whole project: a service gone goes
  Convergence c = plan_convergence(ctx, f);
  const std::set<std::string> changed = changed_services(c.plan);
  VersionDraft draft;
  WaitFor wait{timeout, started_services(c.project, f)};
  wait.meanwhile = [&] { draft = draft_version(ctx, c.project); };
  const int rc = apply_with_progress(ctx, c.project, c.desired, c.plan, {}, wait);
  // As up --atomic: what changed goes back to the version that ran before.
  return settle_version(ctx, c.project, changed, rc, true, timeout, std::move(draft));
}

namespace {

// compose create: up --no-start.
void register_create(CLI::App& app, Context& ctx) {
  auto f = std::make_shared<ConvergeFlags>();
  f->no_start = true;
  auto* cmd = app.add_subcommand("create", "Create the containers of the services, start none");
  add_converge_flags(*cmd, *f);
  cmd->add_option("SERVICE", f->services, "Only these services (and their dependencies)");
  cmd->callback([&ctx, f] {
    Convergence c = plan_convergence(ctx, *f);
    if (print_if_dry_run(*f, c.plan)) return;
    ApplyOptions apply;
    apply.renew_anon_volumes = f->renew_anon_volumes;
    ctx.exit_code = apply_with_progress(ctx, c.project, c.desired, c.plan, apply);
  });
}

// compose scale SERVICE=N...: up -d of those services with that many replicas.
void register_scale(CLI::App& app, Context& ctx) {
  auto f = std::make_shared<ConvergeFlags>();
  auto tuples = std::make_shared<std::vector<std::string>>();
  auto* cmd = app.add_subcommand("scale", "Scale services");
  cmd->add_flag("--no-deps", f->no_deps, "Do not start the services' dependencies");
  cmd->add_flag("--dry-run", f->dry_run, "Print the plan; change nothing");
  cmd->add_option("SERVICE=REPLICAS", *tuples, "The services and their replica counts")->required();
  cmd->callback([&ctx, f, tuples] {
    f->scale = *tuples;
    for (const auto& [service, _] : parse_scale(*tuples, "scale")) f->services.push_back(service);
    f->no_build = true;
    Convergence c = plan_convergence(ctx, *f);
    if (print_if_dry_run(*f, c.plan)) return;
    ctx.exit_code = apply_with_progress(ctx, c.project, c.desired, c.plan, {});
  });
}

// down --rmi: the images `local` (built for services without an image: of
// their own) or `all` (every service's) name; read before the containers go.
std::set<std::string> images_to_remove(const Context& ctx, const Project& project,
                                       const std::string& rmi,
                                       const std::vector<std::string>& services) {
  std::set<std::string> refs;
  auto chosen = [&](const std::string& s) {
    return services.empty() || std::find(services.begin(), services.end(), s) != services.end();
  };
  for (const auto& [name, s] : project.services)
    if (chosen(name) && (rmi == "all" || (s.build && s.image.empty())))
      refs.insert(service_image(project, s));
  if (rmi == "all")
    for (const auto& c : project_containers(ctx.paths, project.name, {.include_oneoffs = true}))
      if (chosen(label_of(c.record, kServiceLabel))) refs.insert(c.record.image);
  return refs;
}

// Removes them as compose does ("Image shop-web  Removed"); one still used by
// a container elsewhere is an error on its line.
int remove_images(Context& ctx, const std::set<std::string>& refs) {
  ProgressView view(parse_progress_mode(ctx.project.progress), "Running");
  auto sink = view.sink();
  image::Store store(ctx.paths.images());
  const auto users =
      image::containers_by_image({ctx.paths.containers(), ctx.paths.run_containers()});
  int failed = 0;
  for (const auto& ref : refs) {
    if (!store.find(ref)) continue;
    try {
      store.remove(ref, false, [&](const std::string& id) { return users.contains(id); });
      sink({"Image " + ref, "Removed", ProgressState::Done});
    } catch (const Error& e) {
      sink({"Image " + ref, "Error", ProgressState::Error, e.what()});
      ++failed;
    }
  }
  view.stop();
  return failed == 0 ? 0 : kExitProjectFailure;
}

void register_down(CLI::App& app, Context& ctx) {
  struct Opts {
    bool volumes = false, remove_orphans = false;
    std::optional<int> timeout;
    std::string rmi;
    std::vector<std::string> services;
  };
  auto o = std::make_shared<Opts>();
  auto* cmd = app.add_subcommand("down", "Stop and remove the project's containers and networks");
  cmd->add_flag("-v,--volumes", o->volumes, "Remove the project's named volumes too");
  cmd->add_flag("--remove-orphans", o->remove_orphans,
                "Remove containers of services no longer in the file");
  cmd->add_option("-t,--timeout", o->timeout, "Seconds to wait for a stop before SIGKILL");
  cmd->add_option("--rmi", o->rmi, "Remove images: local (built ones) or all")
      ->check(CLI::IsMember({"local", "all"}));
  cmd->add_option("SERVICE", o->services, "Only these services' containers");
  cmd->callback([&ctx, o] {
    Project project = load_by_name(ctx);
    FileLock held = project_lock(ctx, project.name);
    Desired desired = desired_state(ctx.paths, project, Hashes::Skip);
    ObservedState observed = observe(ctx.paths, project.name, desired.state);
    Plan plan = plan_down(desired.state, observed, {o->volumes, o->remove_orphans, o->services});
    if (ctx.project.dry_run) {
      std::fputs(plan.empty() ? "nothing to do\n" : render_plan(plan).c_str(), stdout);
      return;
    }
    std::set<std::string> images;
    if (!o->rmi.empty()) images = images_to_remove(ctx, project, o->rmi, o->services);
    ApplyOptions apply;
    apply.stop_timeout = o->timeout;
    ctx.exit_code = apply_with_progress(ctx, project, desired, plan, apply);
    if (ctx.exit_code == 0 && !images.empty()) ctx.exit_code = remove_images(ctx, images);
  });
}

struct PsOpts {
  bool all = false, quiet = false, services_only = false, no_trunc = false, orphans = true;
  std::string format;
  std::vector<std::string> filters, statuses, services;
};

// --filter (compose: status= only) and --status, as one list of statuses.
std::vector<std::string> ps_statuses(const PsOpts& o) {
  std::vector<std::string> out = o.statuses;
  for (const auto& s : out) parse_filters({"status=" + s}, {"status"}, "--status");
  ListFilter f = parse_filters(o.filters, {"status"});
  if (f.has("status")) out.insert(out.end(), f.terms["status"].begin(), f.terms["status"].end());
  return out;
}

// The ports a container exposes: its image's and its service's `expose`.
class ExposedPorts {
 public:
  ExposedPorts(const Context& ctx, const Project& project)
      : store_(ctx.paths.images()), project_(project) {}
  std::vector<std::string> of(const runtime::ContainerRecord& r, const std::string& service) {
    auto [it, fresh] = by_image_.try_emplace(r.image_id);
    if (fresh)
      if (auto img = store_.find(r.image_id)) it->second = img->config.exposed_ports;
    std::vector<std::string> out = it->second;
    if (auto s = project_.services.find(service); s != project_.services.end())
      out.insert(out.end(), s->second.expose.begin(), s->second.expose.end());
    return out;
  }

 private:
  image::Store store_;
  const Project& project_;
  std::map<std::string, std::vector<std::string>> by_image_;
};

void print_ps(const Context& ctx, const PsOpts& o, const Project& project,
              std::vector<ProjectContainer> containers, const FormatChoice& format) {
  std::sort(containers.begin(), containers.end(),
            [](const auto& a, const auto& b) { return a.record.name < b.record.name; });
  if (o.quiet) {
    for (const auto& c : containers) std::printf("%s\n", c.record.id.c_str());
    return;
  }
  if (o.services_only) {  // compose: the services of the containers listed, then a newline
    std::vector<std::string> seen;
    for (const auto& c : containers) {
      std::string service = label_of(c.record, kServiceLabel);
      if (std::find(seen.begin(), seen.end(), service) == seen.end()) seen.push_back(service);
    }
    std::string out;
    for (const auto& s : seen) out += (out.empty() ? "" : "\n") + s;
    std::printf("%s\n", out.c_str());
    return;
  }
  auto now = std::chrono::system_clock::now();
  ExposedPorts exposed(ctx, project);
  std::vector<FormatRow> rows;
  for (const auto& [r, st] : containers) {
    std::string service = label_of(r, kServiceLabel);
    std::vector<std::string> ports;
    if (st.status == runtime::ContainerStatus::Running) ports = exposed.of(r, service);
    rows.push_back(compose_ps_row({r, st, ports, now, !o.no_trunc}, project.name, service));
  }
  print_rows(format, compose_ps_spec(), rows);
}

void register_ps(CLI::App& app, Context& ctx) {
  auto o = std::make_shared<PsOpts>();
  auto* cmd = app.add_subcommand("ps", "List the project's containers (running ones unless -a)");
  cmd->add_flag("-a,--all", o->all, "Stopped containers too (and those `run` made)");
  cmd->add_flag("-q,--quiet", o->quiet, "Only ids");
  cmd->add_flag("--services", o->services_only, "Only the services' names");
  cmd->add_flag("--no-trunc", o->no_trunc, "Do not truncate ids and commands");
  cmd->add_flag("--orphans", o->orphans,
                "Include services no longer in the file (default true; --orphans=false)");
  cmd->add_option("--format", o->format,
                  "table, table TEMPLATE, json or TEMPLATE (Go template: {{.Service}}); default: "
                  "psFormat of the docker config file, else table");
  cmd->add_option("--filter", o->filters, "status=STATUS (repeatable)")->allow_extra_args(false);
  cmd->add_option("--status", o->statuses,
                  "Only containers in this state: paused, restarting, removing, running, dead, "
                  "created, exited (repeatable)")
      ->allow_extra_args(false);
  cmd->add_option("SERVICE", o->services, "Only these services' containers");
  cmd->callback([&ctx, o] {
    std::vector<std::string> statuses = ps_statuses(*o);
    FormatChoice format = choose_format(o->format, "psFormat");
    if (!o->quiet && !o->services_only)
      parse_format(format, compose_ps_spec());  // a bad template fails before the work
    Project project = load_by_name(ctx, o->services);
    for (const auto& s : o->services)
      if (!project.services.empty() && !project.services.contains(s))
        throw Error("no such service: " + s);
    bool all = o->all || !statuses.empty();  // compose: --status looks at every container
    std::vector<ProjectContainer> shown;
    // compose: `lit run` containers with -a only
    for (auto& c : project_containers(ctx.paths, project.name, {.include_oneoffs = all})) {
      auto state = runtime::shown_status(c.state);
      if (!all && state != runtime::ContainerStatus::Running &&
          state != runtime::ContainerStatus::Restarting &&
          state != runtime::ContainerStatus::Paused)
        continue;
      std::string word(runtime::to_string(state));
      if (!statuses.empty() && std::find(statuses.begin(), statuses.end(), word) == statuses.end())
        continue;
      std::string service = label_of(c.record, kServiceLabel);
      if (!o->services.empty() &&
          std::find(o->services.begin(), o->services.end(), service) == o->services.end())
        continue;
      if (!o->orphans && !is_oneoff(c.record.labels) && !project.services.contains(service))
        continue;
      shown.push_back(std::move(c));
    }
    print_ps(ctx, *o, project, std::move(shown), format);
  });
}

}  // namespace

UpOutcome up_detached(const Context& base, const UpRequest& request, std::stop_token stop) {
  Context ctx = base;
  ctx.project.project_directory = request.project_dir;
  ctx.project.files = request.files;
  ctx.project.profiles = request.profiles;
  ctx.project.progress = "quiet";
  ConvergeFlags f;
  f.quiet_pull = true;
  f.services = request.services;
  f.build = request.build;
  f.force_recreate = request.force_recreate;
  f.remove_orphans = request.remove_orphans;
  f.pull = request.pull;
  Convergence c = plan_convergence(ctx, f);
  std::optional<WaitFor> wait;
  if (request.wait) wait = WaitFor{request.timeout, started_services(c.project, f)};
  const std::set<std::string> changed = changed_services(c.plan);
  if (request.atomic && !wait && !changed.empty()) wait = WaitFor{request.timeout, changed};
  ApplyOptions apply;
  apply.stop = stop;
  VersionDraft draft;
  if (wait) wait->meanwhile = [&] { draft = draft_version(ctx, c.project); };
  UpOutcome out{c.project.name,
                apply_and_wait(ctx, c.project, c.desired, c.plan, apply, wait).failures};
  settle_version(ctx, c.project, changed, out.failures.empty() ? 0 : 1, request.atomic,
                 request.timeout, std::move(draft));
  return out;
}

void register_project_commands(CLI::App& app, Context& ctx) {
  register_up(app, ctx);
  register_create(app, ctx);
  register_scale(app, ctx);
  register_down(app, ctx);
  register_ps(app, ctx);
  register_config(app, ctx);
  register_convert(app, ctx);
  register_optimize(app, ctx);
  register_project_ops_commands(app, ctx);
  register_project_control_commands(app, ctx);
  register_project_logs(app, ctx);
  register_project_events(app, ctx);
  register_project_fs_commands(app, ctx);
  register_watch(app, ctx);
}

}  // namespace lit::app
