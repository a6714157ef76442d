// The rest of compose's project commands, on the project of the global flags:
// exec, run, start, stop, restart, images, ls, pull, build. Parsing and
// rendering; containers are found by their lit.* labels, plans made by the
// reconciler and run by its applier, containers run by the runtime.
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <cerrno>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <iostream>
#include <map>
#include <memory>
#include <mutex>
#include <nlohmann/json.hpp>
#include <optional>
#include <set>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include "app/build.hpp"
#include "app/context.hpp"
#include "app/project.hpp"
#include "app/pull.hpp"
#include "app/views/format_template.hpp"
#include "app/views/image_display.hpp"
#include "app/views/list_filter.hpp"
#include "reconciler/apply/actions.hpp"
#include "reconciler/apply/copy_image.hpp"
#include "reconciler/apply/hooks.hpp"
#include "reconciler/apply/replica_request.hpp"
#include "reconciler/desired.hpp"
#include "reconciler/labels.hpp"
#include "reconciler/load/load.hpp"
#include "reconciler/observe.hpp"
#include "reconciler/plan.hpp"
#include "runtime/exec/exec_lines.hpp"
#include "runtime/image/builder/builder.hpp"
#include "runtime/image/reference.hpp"
#include "runtime/image/registry/pull.hpp"
#include "runtime/image/store.hpp"
#include "runtime/lifecycle/detached.hpp"
#include "runtime/lifecycle/lifecycle.hpp"
#include "runtime/spec/options.hpp"
#include "runtime/state/ids.hpp"
#include "runtime/state/liveness.hpp"
#include "runtime/state/record.hpp"
#include "runtime/state/record_store.hpp"

namespace lit::app {
namespace {

using namespace lit::reconciler;
using runtime::ContainerRecord;

std::string joined(const std::vector<std::string>& items, const char* sep) {
  std::string out;
  for (const auto& i : items) out += (out.empty() ? "" : sep) + i;
  return out;
}

Error no_such_service(const Project& p, const std::string& name) {
  return Error("no such service: " + name + " in " + joined(p.files, ", "));
}

void check_services(const Project& p, const std::vector<std::string>& names) {
  for (const auto& n : names)
    if (!p.services.count(n)) throw no_such_service(p, n);
}

// The project of the flags with `service` active (a service in an inactive
// profile can be run by name, as in compose); throws naming it when undefined.
Project load_with(const Context& ctx, const std::string& service) {
  Project p = load(ctx, {}, std::vector<std::string>{service});
  if (p.services.count(service)) return p;
  if (std::find(p.disabled_services.begin(), p.disabled_services.end(), service) ==
      p.disabled_services.end())
    throw no_such_service(p, service);
  return load(ctx, {service});
}

// Every container of the project, one-offs included, by name.
std::vector<ProjectContainer> project_records(const Context& ctx, const std::string& project) {
  auto out = project_containers(ctx.paths, project, {.include_oneoffs = true});
  std::sort(out.begin(), out.end(),
            [](const auto& a, const auto& b) { return a.record.name < b.record.name; });
  return out;
}

// ---- exec ----

// compose's exec target: the service's running containers, with --index the
// one of that number; its own containers first (the lowest number), else a
// running one-off of it.
std::optional<ContainerRecord> exec_target(const Context& ctx, const Project& project,
                                           const std::string& service, std::optional<int> index) {
  std::vector<ContainerRecord> found;
  for (auto& [r, st] : project_records(ctx, project.name)) {
    if (label_of(r, kServiceLabel) != service) continue;
    if (index && label_of(r, kNumberLabel) != std::to_string(*index)) continue;
    if (st.status == runtime::ContainerStatus::Running) found.push_back(std::move(r));
  }
  auto key = [](const ContainerRecord& r) {
    return std::make_pair(is_oneoff(r.labels), std::atoi(label_of(r, kNumberLabel).c_str()));
  };
  auto first = std::min_element(found.begin(), found.end(),
                                [&](const auto& a, const auto& b) { return key(a) < key(b); });
  if (first == found.end()) return std::nullopt;
  return std::move(*first);
}

// compose's dry run fakes an exec's creation and start; attaching to it (a
// foreground exec) is what its dry-run client refuses, and so does lit.
void dry_run_exec(const ContainerRecord& target, const std::vector<std::string>& args,
                  bool detach) {
  std::printf("exec in container %s: %s\n", target.name.c_str(), joined(args, " ").c_str());
  if (!detach)
    throw Error("interactive exec is not supported in dry-run mode")
        .with_hint("lit --dry-run exec -d checks a detached exec");
}

void register_exec(CLI::App& app, Context& ctx) {
  struct Opts {
    runtime::ExecOptions exec;
    bool detach = false, no_tty = false, privileged = false;
    std::optional<int> index;
    std::string service;
  };
  auto o = std::make_shared<Opts>();
  auto* cmd = app.add_subcommand("exec", "Run a command in a running container of a service");
  cmd->positionals_at_end(true);  // everything after SERVICE belongs to the command
  cmd->add_flag("-d,--detach", o->detach, "Run the command in the background");
  cmd->add_flag("-T,--no-TTY", o->no_tty,
                "No pseudo-terminal (default: one when stdin is a terminal)");
  cmd->add_option("-e,--env", o->exec.env, "Set an environment variable K=V")
      ->allow_extra_args(false);
  cmd->add_option("-w,--workdir", o->exec.workdir, "Working directory inside the container");
  cmd->add_option("-u,--user", o->exec.user, "User: UID[:GID] or NAME[:GROUP]");
  cmd->add_flag("--privileged", o->privileged, "Give the command every capability");
  cmd->add_option("--index", o->index, "Which replica (default: the first running)")
      ->check(CLI::PositiveNumber);
  cmd->add_option("SERVICE", o->service, "Service name")->required();
  cmd->add_option("COMMAND", o->exec.args, "Command and arguments")->required();
  cmd->callback([&ctx, o] {
    Project project = load_by_name(ctx);
    check_services(project, {o->service});
    std::optional<ContainerRecord> target = exec_target(ctx, project, o->service, o->index);
    if (!target)
      throw Error("service " + o->service + " is not running" +
                  (o->index ? " container #" + std::to_string(*o->index) : ""))
          .with_hint("start it with lit up -d " + o->service);
    if (ctx.project.dry_run) {
      dry_run_exec(*target, o->exec.args, o->detach);
      return;
    }
    // As compose: stdin attached, a terminal when there is one.
    o->exec.interactive = !o->detach;
    o->exec.tty = !o->detach && !o->no_tty && ::isatty(STDIN_FILENO);
    exec_command(ctx, o->privileged ? runtime::with_privileges(*target) : *target, o->exec,
                 o->detach);
  });
}

// ---- run ----

struct RunOpts {
  bool rm = false, detach = false, no_tty = false, tty = false, no_deps = false,
       service_ports = false, use_aliases = false, build = false, quiet_pull = false,
       interactive = true;
  std::vector<std::string> env, publish, volumes, command, labels, cap_add, cap_drop;
  std::string workdir, user, name, service, pull;
  std::optional<std::string> entrypoint;
};

std::vector<std::string> words(const std::string& text) {
  std::istringstream in(text);
  std::vector<std::string> out;
  for (std::string w; in >> w;) out.push_back(w);
  return out;
}

// The service as the one-off runs it: run's overrides on top, without the
// service's ports (unless --service-ports), container_name or restart policy.
Service oneoff_service(const Service& base, const RunOpts& o) {
  Service s = base;
  if (!o.command.empty()) s.command = o.command;
  if (o.entrypoint) s.entrypoint = words(*o.entrypoint);
  if (!o.service_ports) s.ports.clear();
  s.container_name.clear();
  s.restart = {"no", {}};
  if (!o.workdir.empty()) s.working_dir = o.workdir;
  for (const auto& l : o.labels) {
    auto eq = l.find('=');
    s.labels[l.substr(0, eq)] = eq == std::string::npos ? "" : l.substr(eq + 1);
  }
  s.cap_add.insert(s.cap_add.end(), o.cap_add.begin(), o.cap_add.end());
  s.cap_drop.insert(s.cap_drop.end(), o.cap_drop.begin(), o.cap_drop.end());
  if (!o.user.empty()) {
    s.user = reconciler::Parsed<runtime::UserArg>{o.user, runtime::parse_user(o.user)};
  }
  // The flags as `container run -e` reads them (a bare K from lit's environment); later win.
  for (const auto& e : o.env)
    if (auto v = runtime::parse_env_arg(e, runtime::process_env_lookup()))
      runtime::set_env(s.environment, *v);
  return s;
}

std::string random_suffix() { return runtime::generate_id().substr(0, 12); }

// Creates the one-off after bringing up what it needs (its dependencies unless
// --no-deps, its networks and volumes), all under the project's lock.
ContainerRecord create_oneoff(Context& ctx, const Project& project, const RunOpts& o) {
  FileLock held = project_lock(ctx, project.name);
  Desired desired = desired_state(ctx.paths, project);
  ObservedState observed = observe(ctx.paths, project.name, desired.state);
  Plan plan = plan_run_dependencies(desired.state, observed, o.service, !o.no_deps);
  for (const auto& w : plan.warnings) std::fprintf(stderr, "lit: warning: %s\n", w.c_str());
  if (!plan.empty() && apply_with_progress(ctx, project, desired, plan, {}) != 0)
    throw Error("run " + o.service + ": its dependencies could not be started");
  std::string name =
      o.name.empty() ? project.name + "-" + o.service + "-run-" + random_suffix() : o.name;
  if (!project.services.at(o.service).copy.empty())
    ensure_copy_image(ctx.paths, project, project.services.at(o.service));
  ReplicaRequest rr = replica_request(project, oneoff_service(project.services.at(o.service), o),
                                      name, 1, desired.hashes.at(o.service));
  runtime::ContainerRequest& r = rr.request;
  r.labels[kOneoffLabel] = "True";
  // compose gives one-offs no network aliases (the service's name stays its
  // replicas'), unless --use-aliases.
  if (!o.use_aliases) {
    r.network.aliases.clear();
    for (auto& n : rr.extra_networks) n.aliases.clear();
  }
  for (const auto& p : o.publish)
    for (auto& port : runtime::parse_port_spec(p)) r.ports.push_back(std::move(port));
  for (const auto& v : o.volumes) r.volumes.push_back(runtime::parse_volume(v));
  r.auto_remove = o.rm;
  r.detach = o.detach;
  r.foreground_run = !o.detach;
  // As compose: stdin kept open (-i is on by default), also with -d, and
  // closed when the first attached client's input ends (docker's StdinOnce).
  r.interactive = o.interactive;
  r.stdin_once = true;
  r.tty = !o.no_tty && (o.tty || ::isatty(STDIN_FILENO));
  return create_replica(ctx.paths, rr);
}

// run's flags for its image and container beyond `exec`'s, as compose's.
void add_run_image_flags(CLI::App& cmd, RunOpts& o) {
  auto each = [](CLI::Option* opt) { return opt->allow_extra_args(false); };
  each(cmd.add_option("-l,--label", o.labels, "Add or override a label K=V"));
  each(cmd.add_option("--cap-add", o.cap_add, "Add a Linux capability"));
  each(cmd.add_option("--cap-drop", o.cap_drop, "Drop a Linux capability"));
  cmd.add_flag("--use-aliases", o.use_aliases,
               "Give the container the service's network aliases (its name in DNS)");
  cmd.add_flag("--build", o.build, "Build the service's image before running");
  cmd.add_option("--pull", o.pull, "Pull the image: always, missing or never")
      ->check(CLI::IsMember({"always", "missing", "never"}));
  cmd.add_flag("--quiet-pull", o.quiet_pull, "Pull without printing progress");
}

// The one-off's image: built (--build, or missing and the service has
// build:) or pulled as --pull or the service's pull_policy say.
void prepare_oneoff_image(Context& ctx, const Project& project, const RunOpts& o) {
  const Service& s = project.services.at(o.service);
  if (s.build) {
    if (o.build)
      build_services(ctx, project, {o.service}, false);
    else
      build_for_up(ctx, project, {o.service});
    ensure_mounted_images(ctx, s, o.pull.empty() ? "missing" : o.pull, o.quiet_pull);
    return;
  }
  std::string policy = !o.pull.empty() ? o.pull : s.pull_policy;
  if (policy.empty() || policy == "build") policy = "missing";
  try {
    ensure_image(ctx, s.image, policy, o.quiet_pull);
  } catch (Error& e) {
    throw e.context("service " + o.service);
  }
  ensure_mounted_images(ctx, s, policy, o.quiet_pull);
}

// A detached one-off runs its service's post_start hooks once started, as
// compose's run does; a failing hook fails the command (the one-off stays).
void run_oneoff_post_start(Context& ctx, const Service& service, const ContainerRecord& rec) {
  if (service.post_start.empty() || ctx.exit_code != 0) return;
  HookOutput output;
  try {
    run_hooks(ctx.paths, rec.id, service, service.post_start, output);
  } catch (const Error& e) {
    for (const auto& line : output.take()) std::printf("%s\n", line.c_str());
    throw Error("run " + service.name + ": " + e.what());
  }
  for (const auto& line : output.take()) std::printf("%s\n", line.c_str());
}

// A foreground one-off runs its service's post_start hooks beside it, as
// compose's run does: in a child process forked once the command runs, while
// this one goes on relaying the one-off's signals and output. Nothing is
// printed unless a hook fails: then its output and the error, on stderr, and
// the command fails unless the one-off itself failed (its status wins).
class ForegroundPostStart {
 public:
  ForegroundPostStart(const Context& ctx, const Service& service, std::string id)
      : paths_(ctx.paths), service_(service), id_(std::move(id)) {}
  ForegroundPostStart(const ForegroundPostStart&) = delete;
  ForegroundPostStart& operator=(const ForegroundPostStart&) = delete;
  ~ForegroundPostStart() { wait(); }

  void start() {
    if (service_.post_start.empty()) return;
    std::fflush(nullptr);
    pid_ = ::fork();
    if (pid_ != 0) return;  // the parent (or fork failed: no hooks, as with no container)
    HookOutput output;
    int code = 0;
    try {
      run_hooks(paths_, id_, service_, service_.post_start, output);
    } catch (const std::exception& e) {
      for (const auto& line : output.take()) std::fprintf(stderr, "%s\n", line.c_str());
      std::fprintf(stderr, "lit: run %s: %s\n", service_.name.c_str(), e.what());
      code = 1;
    }
    std::fflush(nullptr);
    ::_exit(code);
  }

  // True when a hook failed.
  bool wait() {
    if (pid_ <= 0) return false;
    int status = 0;
    while (::waitpid(pid_, &status, 0) < 0 && errno == EINTR) {
    }
    pid_ = 0;
    return WIFEXITED(status) && WEXITSTATUS(status) != 0;
  }

 private:
  const Paths& paths_;
  const Service& service_;
  std::string id_;
  pid_t pid_ = 0;
};

// --dry-run: what run would do, done to nothing (compose's dry-run client):
// the image built or pulled if it would be, the dependencies' plan, the
// one-off created and (with -d) started, its name printed as run -d prints
// its id. A foreground run would attach: refused, as compose's dry run does.
void dry_run_oneoff(Context& ctx, const Project& project, const RunOpts& o) {
  const Service& s = project.services.at(o.service);
  image::Store store(ctx.paths.images());
  const std::string policy = !o.pull.empty() ? o.pull : s.pull_policy;
  if (s.build && (o.build || !store.find(reconciler::service_image(project, s)))) {
    build_services(ctx, project, {o.service}, true);
  } else if (!s.build && policy != "never" && (policy == "always" || !store.find(s.image))) {
    const std::string digest = image::resolve_image(s.image, pull_options(ctx, s.platform));
    std::printf("pull image %s (service %s, %s)\n", s.image.c_str(), o.service.c_str(),
                digest.c_str());
  }
  Desired desired = desired_state(ctx.paths, project);
  ObservedState observed = observe(ctx.paths, project.name, desired.state);
  Plan plan = plan_run_dependencies(desired.state, observed, o.service, !o.no_deps);
  std::fputs(render_plan(plan).c_str(), stdout);
  const std::string name =
      o.name.empty() ? project.name + "-" + o.service + "-run-" + random_suffix() : o.name;
  std::printf("create container %s (one-off)\n", name.c_str());
  if (!o.detach) {
    std::fflush(stdout);
    throw Error("interactive run is not supported in dry-run mode")
        .with_hint("lit --dry-run run -d checks a detached run");
  }
  std::printf("start container %s\n%s\n", name.c_str(), name.c_str());
}

void register_run(CLI::App& app, Context& ctx) {
  auto o = std::make_shared<RunOpts>();
  auto* cmd = app.add_subcommand("run", "Run a one-off command in a new container of a service");
  cmd->positionals_at_end(true);  // everything after SERVICE belongs to the command
  auto each = [](CLI::Option* opt) { return opt->allow_extra_args(false); };
  cmd->add_flag("--rm", o->rm, "Remove the container when it exits");
  cmd->add_flag("-d,--detach", o->detach, "Run in the background; print the container ID");
  cmd->add_flag("-T,--no-TTY", o->no_tty,
                "No pseudo-terminal (default: one when stdin is a terminal)");
  cmd->add_flag("-t,--tty", o->tty, "Allocate a pseudo-terminal");
  cmd->add_flag("-i,--interactive", o->interactive,
                "Keep stdin open even if not attached (default true)");
  cmd->add_flag("--no-deps", o->no_deps, "Do not start the services it depends on");
  cmd->add_flag("--service-ports", o->service_ports, "Publish the service's ports");
  each(cmd->add_option("-e,--env", o->env, "Set an environment variable K=V"));
  each(cmd->add_option("-p,--publish", o->publish,
                       "Publish a port: [HOST_IP:][HOST_PORT:]CONTAINER_PORT"));
  each(cmd->add_option("-v,--volume", o->volumes, "Bind mount or volume: SRC:DST[:ro]"));
  cmd->add_option("-w,--workdir", o->workdir, "Working directory inside the container");
  cmd->add_option("-u,--user", o->user, "User: UID[:GID] or NAME[:GROUP]");
  cmd->add_option("--name", o->name, "Container name (default: PROJECT-SERVICE-run-RANDOM)");
  cmd->add_option_function<std::string>(
      "--entrypoint", [o](const std::string& e) { o->entrypoint = e; }, "Override the entrypoint");
  add_run_image_flags(*cmd, *o);
  cmd->add_option("SERVICE", o->service, "Service name")->required();
  cmd->add_option("COMMAND", o->command, "Command and arguments (default: the service's)");
  cmd->callback([&ctx, o] {
    if (o->tty && !o->no_tty && o->interactive && !::isatty(STDIN_FILENO))
      throw Error("the input device is not a TTY").with_hint("drop -t, or run with -T");
    Project project = load_with(ctx, o->service);
    if (ctx.project.dry_run) {
      dry_run_oneoff(ctx, project, *o);
      return;
    }
    prepare_oneoff_image(ctx, project, *o);
    ContainerRecord rec = create_oneoff(ctx, project, *o);
    const Service& service = project.services.at(o->service);
    if (o->detach) {
      start_created(ctx, rec, true);
      run_oneoff_post_start(ctx, service, rec);
      return;
    }
    ForegroundPostStart hooks(ctx, service, rec.id);
    start_created(ctx, rec, false, [&hooks] { hooks.start(); });
    if (hooks.wait() && ctx.exit_code == 0) ctx.exit_code = 1;
  });
}

// ---- start, stop, restart ----

void register_lifecycle(CLI::App& app, Context& ctx, const char* name, Lifecycle what,
                        const char* help) {
  struct Opts {
    std::vector<std::string> services;
    std::optional<int> timeout;
  };
  auto o = std::make_shared<Opts>();
  auto* cmd = app.add_subcommand(name, help);
  if (what != Lifecycle::Start)
    cmd->add_option("-t,--timeout", o->timeout, "Seconds to wait for a stop before SIGKILL")
        ->check(CLI::NonNegativeNumber);
  cmd->add_option("SERVICE", o->services, "Only these services (default: all)");
  cmd->callback([&ctx, o, what] {
    Project project = load_by_name(ctx);
    check_services(project, o->services);
    FileLock held = project_lock(ctx, project.name);
    Desired desired = desired_state(ctx.paths, project, Hashes::Skip);
    ObservedState observed = observe(ctx.paths, project.name, desired.state);
    if (what == Lifecycle::Start) {
      std::set<std::string> wanted(o->services.begin(), o->services.end());
      bool any = std::any_of(
          observed.containers.begin(), observed.containers.end(),
          [&](const auto& c) { return !c.oneoff && (wanted.empty() || wanted.count(c.service)); });
      if (!any) throw Error("no containers to start").with_hint("create them with lit up -d");
    }
    Plan plan = plan_lifecycle(desired.state, observed, what, o->services);
    if (ctx.project.dry_run) {
      std::fputs(plan.empty() ? "nothing to do\n" : render_plan(plan).c_str(), stdout);
      return;
    }
    ApplyOptions apply;
    apply.stop_timeout = o->timeout;
    ctx.exit_code = apply_with_progress(ctx, project, desired, plan, apply);
  });
}

// ---- images ----

FormatSpec project_images_spec() {
  FormatSpec s;
  s.headers = {{"ContainerName", "CONTAINER"},
               {"Repository", "REPOSITORY"},
               {"Tag", "TAG"},
               {"ID", "IMAGE ID"},
               {"Size", "SIZE"}};
  s.default_table = "table {{.ContainerName}}\\t{{.Repository}}\\t{{.Tag}}\\t{{.ID}}\\t{{.Size}}";
  return s;
}

void register_images(CLI::App& app, Context& ctx) {
  struct Opts {
    bool quiet = false;
    std::string format;
  };
  auto o = std::make_shared<Opts>();
  auto* cmd = app.add_subcommand("images", "List the images the project's containers use");
  cmd->add_flag("-q,--quiet", o->quiet, "Only image ids");
  cmd->add_option("--format", o->format,
                  "table (default), table TEMPLATE, json (an array) or TEMPLATE (Go template: "
                  "{{.Repository}})");
  cmd->callback([&ctx, o] {
    std::optional<OutputFormat> format;
    if (!o->quiet && o->format != "json") format.emplace(o->format, project_images_spec());
    Project project = load_by_name(ctx);
    image::Store store(ctx.paths.images());
    std::vector<FormatRow> rows;
    nlohmann::json json = nlohmann::json::array();
    std::set<std::string> printed;
    for (const auto& [r, _] : project_records(ctx, project.name)) {
      std::string repo = r.image, tag = "<none>";
      try {
        image::Reference ref = image::parse_reference(r.image);
        repo = ref.familiar_name();
        if (!ref.tag.empty()) tag = ref.tag;
      } catch (const Error&) {  // an id, not a reference
      }
      std::optional<image::Image> img = store.find(r.image_id);
      std::int64_t size = img ? img->size : 0;
      if (o->quiet) {
        if (printed.insert(r.image_id).second) std::printf("%s\n", short_id(r.image_id).c_str());
      } else if (o->format == "json") {
        json.push_back({{"ID", r.image_id},
                        {"ContainerName", r.name},
                        {"Repository", repo},
                        {"Tag", tag},
                        {"Size", size}});
      } else {
        FormatRow row;
        row.fields = {{"ContainerName", r.name},
                      {"Repository", repo},
                      {"Tag", tag},
                      {"ID", short_id(r.image_id)},
                      {"Size", img ? human_size(size) : "N/A"}};
        rows.push_back(std::move(row));
      }
    }
    if (o->quiet) return;
    if (o->format == "json")
      std::printf("%s\n", json.dump().c_str());
    else
      std::fputs(format->render(rows).c_str(), stdout);
  });
}

// ---- ls ----

FormatSpec projects_spec() {
  FormatSpec s;
  s.headers = {{"Name", "NAME"}, {"Status", "STATUS"}, {"ConfigFiles", "CONFIG FILES"}};
  s.default_table = "table {{.Name}}\\t{{.Status}}\\t{{.ConfigFiles}}";
  return s;
}

void register_ls(CLI::App& app, Context& ctx) {
  struct Opts {
    bool all = false, quiet = false;
    std::string format;
    std::vector<std::string> filters;
  };
  auto o = std::make_shared<Opts>();
  auto* cmd = app.add_subcommand("ls", "List the projects on this host (running ones unless -a)");
  cmd->add_flag("-a,--all", o->all, "Stopped projects too");
  cmd->add_flag("-q,--quiet", o->quiet, "Only project names");
  cmd->add_option("--format", o->format,
                  "table (default), table TEMPLATE, json (an array) or TEMPLATE (Go template: "
                  "{{.Name}})");
  cmd->add_option("--filter", o->filters, "name=NAME (repeatable)")->allow_extra_args(false);
  cmd->callback([&ctx, o] {
    ListFilter filter = parse_filters(o->filters, {"name"});
    std::optional<OutputFormat> format;
    if (!o->quiet && o->format != "json") format.emplace(o->format, projects_spec());
    std::vector<FormatRow> rows;
    nlohmann::json json = nlohmann::json::array();
    for (const auto& [name, p] : projects_on_host(ctx)) {
      // As docker ps without -a: a paused container is a running one.
      bool running = std::any_of(p.statuses.begin(), p.statuses.end(), [](auto s) {
        return s == runtime::ContainerStatus::Running || s == runtime::ContainerStatus::Paused;
      });
      FilterSubject subject;
      subject.name = name;
      if ((!o->all && !running) || !filter_matches(filter, subject)) continue;
      std::string status = combined_status(p.statuses);
      if (o->quiet)
        std::printf("%s\n", name.c_str());
      else if (o->format == "json")
        json.push_back({{"Name", name}, {"Status", status}, {"ConfigFiles", p.files}});
      else
        rows.emplace_back().fields = {{"Name", name}, {"Status", status}, {"ConfigFiles", p.files}};
    }
    if (o->quiet) return;
    if (o->format == "json")
      std::printf("%s\n", json.dump().c_str());
    else
      std::fputs(format->render(rows).c_str(), stdout);
  });
}

// ---- pull, build ----

// One image of the project to pull, and the services that use it.
struct PullJob {
  std::string image, platform;
  std::vector<std::string> services;
  std::optional<image::PullResult> result;
  std::optional<Error> error;
};

std::vector<PullJob> pull_jobs(const Project& project, const std::vector<std::string>& only) {
  std::vector<PullJob> jobs;
  for (const auto& [name, service] : project.services) {
    if (!only.empty() && std::find(only.begin(), only.end(), name) == only.end()) continue;
    const auto& s = service;  // a structured binding cannot be captured (before C++20)
    const std::string& service_name = name;
    auto add = [&](const std::string& image, const std::string& platform) {
      auto same = std::ranges::find_if(
          jobs, [&](const PullJob& j) { return j.image == image && j.platform == platform; });
      if (same == jobs.end())
        jobs.push_back({image, platform, {service_name}, std::nullopt, std::nullopt});
      else if (same->services.back() != service_name)
        same->services.push_back(service_name);
    };
    if (s.image.empty())
      std::printf("service %s: no image to pull (it is built from build:)\n", name.c_str());
    else
      add(s.image, s.platform);
    for (const auto& ref : mounted_images(s)) add(ref, "");  // its volumes of type image
  }
  return jobs;
}

// Every image in parallel (a few at once; the store commits one at a time);
// `json`: docker's JSON messages of every layer on stdout, one per line.
void run_pulls(Context& ctx, std::vector<PullJob>& jobs, bool json) {
  std::mutex out;
  std::atomic<std::size_t> next{0};
  auto worker = [&] {
    for (std::size_t i; (i = next++) < jobs.size();) {
      PullJob& j = jobs[i];
      try {
        image::Store store(ctx.paths.images());
        image::PullOptions o = pull_options(ctx, j.platform);
        if (json) {
          o.progress = [&](const image::PullEvent& e) {
            if (e.kind == image::PullEvent::Kind::Resolved) return;
            std::lock_guard lock(out);
            std::printf("%s\n", pull_event_json(e).c_str());
            std::fflush(stdout);
          };
        }
        j.result = image::pull_image(store, j.image, o);
      } catch (const Error& e) {
        j.error = e;
      }
    }
  };
  std::vector<std::thread> threads;
  for (std::size_t t = 1; t < std::min<std::size_t>(jobs.size(), 4); ++t)
    threads.emplace_back(worker);
  worker();
  for (auto& t : threads) t.join();
}

// What `lit pull` says of each image once all are done.
void report_pulls(Context& ctx, const std::vector<PullJob>& jobs, PullOutput output,
                  bool ignore_failures) {
  for (const auto& j : jobs) {
    const std::string names = joined(j.services, ", ");
    if (j.result && output == PullOutput::Json) {
      const std::string status =
          std::string(j.result->downloaded ? "Downloaded newer image" : "Image is up to date") +
          " for " + image::parse_reference(j.image).familiar();
      std::printf("%s\n%s\n", pull_status_json("Digest: " + j.result->manifest_digest).c_str(),
                  pull_status_json("Status: " + status).c_str());
    } else if (j.result && output != PullOutput::Quiet) {
      std::printf("service %s: pulled %s (%s)\n", names.c_str(), j.image.c_str(),
                  j.result->manifest_digest.c_str());
    } else if (j.error && ignore_failures) {
      std::fprintf(stderr, "lit: warning: service %s: %s\n", names.c_str(), j.error->what());
    } else if (j.error) {
      Error e = *j.error;
      e.context("service " + names);
      if (output == PullOutput::Json) std::printf("%s\n", pull_error_json(e.what()).c_str());
      report(ctx, e);
      ctx.exit_code = kExitProjectFailure;  // compose's
    }
  }
}

// --dry-run: each image resolved in its registry as the pull would (nothing
// fetched), and what would be pulled printed; errors as a pull's.
void dry_run_pulls(Context& ctx, const std::vector<PullJob>& jobs, bool ignore_failures) {
  for (const auto& j : jobs) {
    const std::string names = joined(j.services, ", ");
    try {
      const std::string digest = image::resolve_image(j.image, pull_options(ctx, j.platform));
      const std::string why = names.empty() ? digest : "service " + names + ", " + digest;
      std::printf("pull image %s (%s)\n", j.image.c_str(), why.c_str());
    } catch (Error& e) {
      if (ignore_failures) {
        std::fprintf(stderr, "lit: warning: service %s: %s\n", names.c_str(), e.what());
        continue;
      }
      report(ctx, names.empty() ? e : e.context("service " + names));
      ctx.exit_code = kExitProjectFailure;
    }
  }
}

void register_pull(CLI::App& app, Context& ctx) {
  struct Opts {
    std::vector<std::string> services;
    std::string progress;
    bool quiet = false, ignore_failures = false;
  };
  auto o = std::make_shared<Opts>();
  auto* cmd = app.add_subcommand(
      "pull", "Pull the services' images from their registries (outside a project: one IMAGE)");
  cmd->add_flag("-q,--quiet", o->quiet, "Print nothing but errors");
  cmd->add_flag("--ignore-pull-failures", o->ignore_failures,
                "Pull what can be pulled; failures are warnings");
  add_pull_progress_option(*cmd, o->progress);
  add_insecure_registry_option(*cmd);
  cmd->add_option("SERVICE", o->services, "Only these services (default: all)");
  cmd->callback([&ctx, o] {
    const PullOutput output =
        pull_output(o->quiet, o->progress.empty() ? ctx.project.progress : o->progress);
    // Outside any project, `lit pull IMAGE` pulls one image, as docker pull does.
    if (o->services.size() == 1 && ctx.project.files.empty() &&
        ctx.project.project_directory.empty() &&
        discover_files(std::filesystem::current_path().string()).empty()) {
      if (ctx.project.dry_run)
        dry_run_pulls(ctx, {{o->services[0], "", {}, std::nullopt, std::nullopt}}, false);
      else
        pull_with_output(ctx, o->services[0], PullFlags{"", output});
      return;
    }
    Project project = load(ctx, o->services);
    check_services(project, o->services);
    std::vector<PullJob> jobs = pull_jobs(project, o->services);
    if (ctx.project.dry_run) {
      dry_run_pulls(ctx, jobs, o->ignore_failures);
      return;
    }
    for (const auto& j : jobs)
      if (output != PullOutput::Quiet && output != PullOutput::Json)
        std::printf("service %s: pulling %s\n", joined(j.services, ", ").c_str(), j.image.c_str());
    std::fflush(stdout);
    run_pulls(ctx, jobs, output == PullOutput::Json);
    report_pulls(ctx, jobs, output, o->ignore_failures);
  });
}

void register_build(CLI::App& app, Context& ctx) {
  auto args = std::make_shared<std::vector<std::string>>();
  auto flags = std::make_shared<ImageBuildFlags>();
  auto* cmd = app.add_subcommand(
      "build", "Build an image from a context directory, or the services' images (build:)");
  cmd->add_option("CONTEXT|SERVICE", *args,
                  "A context directory (\".\", a path with a slash), else services (default: all)");
  add_image_build_flags(*cmd, *flags);
  cmd->callback([&ctx, args, flags] {
    try {
      if (is_context_build(*flags, *args)) {
        run_image_build(ctx, *flags, args->front());
        return;
      }
      Project project = load(ctx, *args);
      check_services(project, *args);
      if (std::none_of(project.services.begin(), project.services.end(),
                       [](const auto& kv) { return kv.second.build.has_value(); }))
        std::fprintf(stderr, "lit: no service to build (none has build:)\n");
      build_services(ctx, project, *args, flags->quiet);
    } catch (const Error& e) {
      report(ctx, e);
      ctx.exit_code = kExitBuildFailure;
    } catch (const std::exception& e) {
      report(ctx, Error(e.what()));
      ctx.exit_code = kExitBuildFailure;
    }
  });
}

// `lit builder prune`: docker's command for the build cache (steps and cache mounts).
void register_builder(CLI::App& app, Context& ctx) {
  auto* builder = app.add_subcommand("builder", "Manage the build cache");
  builder->require_subcommand(1);
  auto* cmd = builder->add_subcommand("prune", "Remove the build cache and RUN's cache mounts");
  auto force = std::make_shared<bool>(false);
  cmd->add_flag("-f,--force", *force, "Do not prompt for confirmation");
  cmd->callback([&ctx, force] {
    if (!*force) {
      std::printf(
          "WARNING! This will remove all build cache. Are you sure you want to continue? "
          "[y/N] ");
      std::fflush(stdout);
      std::string answer;
      std::getline(std::cin, answer);
      if (answer != "y" && answer != "Y" && answer != "yes") return;
    }
    auto bytes = image::builder::prune_build_cache(ctx.paths.images());
    std::printf("Total reclaimed space: %.1fMB\n", double(bytes) / 1e6);
  });
}

}  // namespace

void register_project_ops_commands(CLI::App& app, Context& ctx) {
  register_exec(app, ctx);
  register_run(app, ctx);
  register_lifecycle(app, ctx, "start", Lifecycle::Start,
                     "Start the services' existing containers");
  register_lifecycle(app, ctx, "stop", Lifecycle::Stop,
                     "Stop the services' containers (dependants first)");
  register_lifecycle(app, ctx, "restart", Lifecycle::Restart, "Restart the services' containers");
  register_images(app, ctx);
  register_ls(app, ctx);
  register_pull(app, ctx);
  register_build(app, ctx);
  register_builder(app, ctx);
}

}  // namespace lit::app
