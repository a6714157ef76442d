// lit logs, and lit up's attached mode: flags and wiring. Merging, following,
// prefixing and stopping live in reconciler/logs and reconciler/apply/attach.
#include <unistd.h>

#include <algorithm>
#include <memory>
#include <string>
#include <vector>

#include "app/context.hpp"
#include "app/project.hpp"
#include "reconciler/apply/attach.hpp"
#include "reconciler/load/load.hpp"
#include "reconciler/logs.hpp"
#include "runtime/logs/logs.hpp"
#include "runtime/shim/log_time.hpp"

namespace lit::app {

// The flags `lit up` takes for its attached mode, as compose's.
struct AttachFlags {
  bool abort_on_exit = false, abort_on_failure = false, no_color = false, no_prefix = false,
       timestamps = false, attach_dependencies = false, menu = false;
  const CLI::Option* menu_option = nullptr;  // counted: given on the command line
  std::string exit_code_from;
  std::vector<std::string> attach, no_attach;
  std::optional<int> timeout;
};

namespace {

// Prefixes in color on a terminal (--ansi auto), always or never, as compose's.
runtime::LogStyle log_style(const std::string& ansi, bool no_color, bool no_prefix,
                            bool timestamps) {
  bool color = ansi == "always" || (ansi == "auto" && ::isatty(STDOUT_FILENO) == 1);
  return {!no_prefix, !no_color && color, timestamps};
}

void check_services(const std::string& flag, const std::vector<std::string>& names,
                    const std::vector<std::string>& known) {
  for (const auto& n : names)
    if (std::count(known.begin(), known.end(), n) == 0)
      throw Error("invalid value \"" + n + "\" for flag " + flag + ": no such service");
}

}  // namespace

void register_project_logs(CLI::App& app, Context& ctx) {
  struct Opts {
    bool follow = false, timestamps = false, no_color = false, no_prefix = false;
    std::string tail = "all", since, until;
    std::vector<std::string> services;
    int index = 0;
  };
  auto o = std::make_shared<Opts>();
  auto* cmd = app.add_subcommand(
      "logs", "Print the output of the project's containers, merged in time order");
  cmd->add_flag("-f,--follow", o->follow, "Follow new output until the containers stop");
  cmd->add_option("-n,--tail", o->tail,
                  "Lines to show from the end of each container's log, or \"all\"")
      ->capture_default_str();
  cmd->add_flag("-t,--timestamps", o->timestamps, "Show each line's time (RFC3339Nano)");
  cmd->add_option("--since", o->since,
                  "Only lines since a time (2026-01-02T15:04:05Z, Unix seconds) or a duration "
                  "before now (10m, 1h30m)");
  cmd->add_option("--until", o->until,
                  "Only lines before a time (2026-01-02T15:04:05Z, Unix seconds) or a duration "
                  "before now (10m)");
  cmd->add_option("--index", o->index, "Only this replica of the services")
      ->check(CLI::PositiveNumber);
  cmd->add_flag("--no-color", o->no_color, "Prefixes without colors");
  cmd->add_flag("--no-log-prefix", o->no_prefix, "No \"service-1 | \" before each line");
  cmd->add_option("SERVICE", o->services, "Only these services' containers");
  cmd->callback([&ctx, o] {
    reconciler::ProjectLogOptions opts;
    opts.query.tail = runtime::parse_tail(o->tail);
    if (!o->since.empty()) opts.query.since_ns = shim::parse_since(o->since, shim::now_ns());
    if (!o->until.empty())
      opts.query.until_ns = shim::parse_since(o->until, shim::now_ns(), "--until");
    opts.follow = o->follow;
    opts.style = log_style(ctx.project.ansi, o->no_color, o->no_prefix, o->timestamps);
    auto project = load_by_name(ctx, o->services);  // names an unknown service
    auto targets = reconciler::log_targets(ctx.paths, project.name, o->services);
    auto chosen = [o](std::vector<reconciler::LogTarget> found) {
      if (o->index > 0) std::erase_if(found, [&](const auto& t) { return t.number != o->index; });
      return found;
    };
    targets = chosen(std::move(targets));
    opts.discover = [&ctx, o, chosen, name = project.name] {
      return chosen(reconciler::log_targets(ctx.paths, name, o->services));
    };
    reconciler::print_project_logs(ctx.paths, targets, opts, STDOUT_FILENO);
  });
}

std::shared_ptr<AttachFlags> add_attach_flags(CLI::App& up) {
  auto f = std::make_shared<AttachFlags>();
  auto exclusive = [&up](CLI::Option* opt) {
    return opt->excludes(up.get_option("--detach"))->excludes(up.get_option("--wait"));
  };
  exclusive(up.add_flag("--abort-on-container-exit", f->abort_on_exit,
                        "Stop all containers when one exits"));
  exclusive(up.add_flag("--abort-on-container-failure", f->abort_on_failure,
                        "Stop all containers when one exits with a failure"))
      ->excludes(up.get_option("--abort-on-container-exit"));
  exclusive(up.add_option("--exit-code-from", f->exit_code_from,
                          "Return this service's exit code (implies --abort-on-container-exit)"));
  exclusive(up.add_option("--attach", f->attach, "Show only these services' output")
                ->allow_extra_args(false));
  exclusive(up.add_option("--no-attach", f->no_attach, "Do not show these services' output")
                ->allow_extra_args(false));
  exclusive(up.add_flag("--attach-dependencies", f->attach_dependencies,
                        "Show the output of the dependencies of the services named too"));
  f->menu_option = up.add_flag("--menu,!--no-menu", f->menu,
                               "Shortcut keys at the bottom of an attached up on a terminal "
                               "(default on; env COMPOSE_MENU)");
  up.add_option("-t,--timeout", f->timeout, "Seconds to wait for a stop on Ctrl-C before SIGKILL");
  up.add_flag("--no-color", f->no_color, "Prefixes without colors");
  up.add_flag("--no-log-prefix", f->no_prefix, "No \"service-1 | \" before each line");
  up.add_flag("--timestamps", f->timestamps, "Show each line's time (RFC3339Nano)");
  return f;
}

std::optional<bool> menu_flag(const AttachFlags& flags) {
  if (!flags.menu_option || flags.menu_option->count() == 0) return std::nullopt;
  return flags.menu;
}

std::function<int(bool interrupted)> prepare_attach(Context& ctx, const AttachFlags& f,
                                                    const reconciler::Project& project,
                                                    const reconciler::DesiredState& desired,
                                                    const std::vector<std::string>& services,
                                                    reconciler::Progress progress) {
  reconciler::AttachOptions o;
  o.services = reconciler::services_of_up(desired, services);
  if (!f.exit_code_from.empty()) check_services("--exit-code-from", {f.exit_code_from}, o.services);
  check_services("--attach", f.attach, o.services);
  check_services("--no-attach", f.no_attach, o.services);
  // compose attaches to the services named on the command line (not their
  // dependencies, unless --attach-dependencies), else to all; --attach
  // chooses, --no-attach leaves out.
  const auto& base = !f.attach.empty()                             ? f.attach
                     : !services.empty() && !f.attach_dependencies ? services
                                                                   : o.services;
  for (const auto& s : base)
    if (std::count(f.no_attach.begin(), f.no_attach.end(), s) == 0) o.attach.push_back(s);
  for (const auto& s : desired.services)
    for (const auto& d : s.depends_on) o.dependants[d.service].push_back(s.name);
  for (const auto& [name, s] : project.services)
    if (!s.pre_stop.empty()) o.pre_stop.emplace(name, s);
  o.abort_on_exit = f.abort_on_exit;
  o.abort_on_failure = f.abort_on_failure;
  o.exit_code_from = f.exit_code_from;
  o.stop_timeout = f.timeout;
  o.style = log_style(ctx.project.ansi, f.no_color, f.no_prefix, f.timestamps);
  return [&ctx, o, name = desired.project, progress](bool interrupted) {
    auto options = o;
    options.interrupted = interrupted;
    return reconciler::attach_project(ctx.paths, name, options, progress, STDOUT_FILENO);
  };
}

}  // namespace lit::app
