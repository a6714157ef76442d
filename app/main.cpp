// lit: a daemonless, compose-style container orchestrator. This file only
// parses global flags, dispatches to a command group, and maps errors to exit codes.
#include <spdlog/sinks/stdout_sinks.h>
#include <spdlog/spdlog.h>
#include <unistd.h>

#include <CLI/CLI.hpp>
#include <cstdio>
#include <cstdlib>
#include <set>
#include <string>
#include <string_view>

#include "app/bundle.hpp"
#include "app/cmd_optimize_image.hpp"
#include "app/context.hpp"
#include "app/flag_forms.hpp"
#include "app/pull.hpp"
#include "network/manager.hpp"
#include "runtime/rootless/session.hpp"
#include "runtime/util/error.hpp"

namespace {

// The n-th argument (0: the command or group; 1: its subcommand)
// that is neither a global option nor its value. Empty when there is none.
std::string_view command_word(int argc, char** argv, int n = 0) {
  static constexpr std::string_view kWithValue[] = {
      "--root",     "--run-root",     "--log-level",         "-f",         "--file",
      "-p",         "--project-name", "--project-directory", "--env-file", "--profile",
      "--progress", "--ansi",         "--cgroup-manager"};
  for (int i = 1; i < argc; ++i) {
    std::string_view a = argv[i];
    if (a.empty() || a[0] != '-') {
      if (n-- == 0) return a;
      continue;
    }
    for (auto o : kWithValue) {
      if (a == o) {
        ++i;
        break;
      }
    }
  }
  return {};
}

// What the command made was released when its scope ended; left are the CLI
// tree and static state, whose teardown costs about half a millisecond that no
// one sees (the kernel frees the memory). Flush what was written, and go.
[[noreturn]] void leave(int code) {
  if (auto* logger = spdlog::default_logger_raw()) logger->flush();
  std::fflush(nullptr);
  std::_Exit(code);
}

// CLI11 builds every option of every command it is given, a few hundred
// microseconds for all of lit: a group named first gets only itself, and
// `container run`, the one whose start-up is measured, only run.
// Help, project commands and typos get the whole tree (usage unchanged).
// Returns the exit status of the command's own error: docker's 125 for the
// container, image and network groups; 1 for the project commands, as
// compose (and volume, login, as docker).
// What the global flags imply for the others: --ansi never means plain
// progress (compose's), always a terminal's; --dry-run only on compose's commands.
void apply_global_flags(const CLI::App& cli, lit::app::Context& ctx) {
  auto& p = ctx.project;
  if (p.ansi == "never" && p.progress == "auto") p.progress = "plain";
  if (p.ansi == "always" && p.progress == "auto") p.progress = "tty";
  if (!p.dry_run) return;
  auto subs = cli.get_subcommands();
  const std::string command = subs.empty() ? "" : subs.front()->get_name();
  // compose's commands: each simulates its changes (prints what it would do),
  // or only reads and runs as it is. lit's docker-style groups have no dry run.
  static const std::set<std::string> kNotCompose = {
      "container", "image", "network", "volume", "system", "login", "logout", "builder", "bundle"};
  if (kNotCompose.count(command))
    throw lit::Error("--dry-run: a flag of the project (compose) commands, not of lit " + command)
        .with_hint("run the command without --dry-run");
}

int register_commands(CLI::App& cli, lit::app::Context& ctx, int argc, char** argv) {
  using namespace lit;
  std::string_view word = command_word(argc, argv);
  bool all = word != "image" && word != "container" && word != "network" && word != "volume" &&
             word != "system";
  if (all || word == "image") app::register_image_commands(cli, ctx);
  if (all || word == "container") {
    const std::string_view sub = word == "container" ? command_word(argc, argv, 1) : "";
    const bool helper =
        sub == "__spawn" || sub == "__exited" || sub == "__health" || sub == "__dns";
    using app::ContainerCommands;
    app::register_container_commands(cli, ctx,
                                     sub == "run" ? ContainerCommands::Run
                                     : helper     ? ContainerCommands::SupervisorHelpers
                                                  : ContainerCommands::All);
  }
  if (all || word == "network") app::register_network_commands(cli, ctx);
  if (all || word == "volume") app::register_volume_commands(cli, ctx);
  if (all || word == "system") app::register_system_commands(cli, ctx);
  if (all) app::register_project_commands(cli, ctx);
  if (all) app::register_registry_commands(cli, ctx);
  if (all) app::register_systemd_commands(cli, ctx);
  if (all) app::register_rollback(cli, ctx);
  if (all) app::register_bundle_commands(cli, ctx);
  if (all) app::register_serve(cli, ctx);
  // `lit optimize image` (shrink-image branch): until the lead's cmd_optimize.cpp
  // makes the group and calls add_optimize_image_command itself.
  if (all) {
    auto* optimize = cli.add_subcommand("optimize", "Tune a project's services");
    optimize->require_subcommand(1);
    app::add_optimize_image_command(*optimize, ctx);
  }
  app::accept_short_option_equals(cli);  // -f=PATH, -t=0, as docker
  return word == "container" || word == "image" || word == "network" ? app::kExitLitFailure
                                                                     : app::kExitProjectFailure;
}

// compose's flags before the command: lit -f F -p NAME up.
void add_project_flags(CLI::App& cli, lit::app::ProjectFlags& project) {
  auto each = [](CLI::Option* o) { return o->allow_extra_args(false); };
  each(cli.add_option("-f,--file", project.files,
                      "Project file (repeatable; default: lit.yml or compose.yaml)"));
  cli.add_option("-p,--project-name", project.project_name,
                 "Project name (default: name: or the directory)");
  cli.add_option("--project-directory", project.project_directory,
                 "Project directory (default: the first file's)");
  each(cli.add_option("--env-file", project.env_files,
                      "Environment file for interpolation (default: .env)"));
  each(cli.add_option("--profile", project.profiles, "Activate a profile (repeatable)"));
  cli.add_option("--progress", project.progress, "Progress output: auto, tty, plain, json, quiet")
      ->check(CLI::IsMember({"auto", "tty", "plain", "json", "quiet"}));
  cli.add_option("--ansi", project.ansi, "Colors and terminal output: never, always or auto")
      ->check(CLI::IsMember({"never", "always", "auto"}))
      ->envname("COMPOSE_ANSI");
  cli.add_flag("--dry-run", project.dry_run,
               "Print what a project command would do; change nothing");
  cli.add_flag("--compatibility", project.compatibility,
               "Name containers as compose v1 did (PROJECT_SERVICE_N)")
      ->envname("COMPOSE_COMPATIBILITY");
}

}  // namespace

int main(int argc, char** argv) {
  using namespace lit;
  // Warnings and debug lines on stderr (spdlog's own default is stdout, where
  // they would mix with what a command prints: an id, JSON, a table).
  spdlog::set_default_logger(
      std::make_shared<spdlog::logger>("lit", std::make_shared<spdlog::sinks::stderr_sink_st>()));
  app::Context ctx{Paths::from_environment()};
  network::install_manager();  // containers on lit networks

  CLI::App cli{"lit: daemonless, compose-style containers", "lit"};
  cli.require_subcommand(1);
  // lit's error line (and one hint), as for every other error.
  cli.failure_message([](const CLI::App* app, const CLI::Error& e) {
    std::string command = "lit";  // the command given, as far as it was parsed
    for (auto subs = app->get_subcommands(); !subs.empty(); subs = subs.front()->get_subcommands())
      command += " " + subs.front()->get_name();
    return "lit: " + std::string(e.what()) + "\nhint: see '" + command + " --help'\n";
  });
  cli.set_version_flag("--version", std::string("lit ") + app::kLitVersion);
  std::string log_level = "warn";
  std::string root = ctx.paths.root, run_root = ctx.paths.run_root;
  cli.add_option("--root", root, "Persistent state directory (env LIT_ROOT)")
      ->capture_default_str();
  cli.add_option("--run-root", run_root, "Runtime state directory (env LIT_RUN_ROOT)")
      ->capture_default_str();
  cli.add_option("--log-level", log_level, "Log level: trace, debug, info, warn, error, off")
      ->check(CLI::IsMember({"trace", "debug", "info", "warn", "error", "critical", "off"}))
      ->capture_default_str();
  // New containers' cgroups; the runtime (and lit-dbus, lit's helpers) read the
  // choice from the environment, as it read LIT_ROOT.
  std::string cgroup_manager;
  cli.add_option("--cgroup-manager", cgroup_manager,
                 "Who makes containers' cgroups: cgroupfs, systemd or auto (env "
                 "LIT_CGROUP_MANAGER; auto: systemd where it is PID 1 on cgroup v2)")
      ->check(CLI::IsMember({"cgroupfs", "systemd", "auto"}));
  add_project_flags(cli, ctx.project);
  cli.parse_complete_callback([&] {
    apply_global_flags(cli, ctx);
    spdlog::set_level(spdlog::level::from_str(log_level));
    spdlog::set_pattern("lit: %l: %v");
    ctx.paths.root = root;
    ctx.paths.run_root = run_root;
    if (!cgroup_manager.empty()) ::setenv("LIT_CGROUP_MANAGER", cgroup_manager.c_str(), 1);
    rootless::enter(ctx.paths, argv);  // a user without root: into their session (one thread yet)
  });

  const int failure = register_commands(cli, ctx, argc, argv);

  // A rootless session that nothing needs any more ends with the command.
  auto done = [&](int code) {
    rootless::end_if_idle(ctx.paths.root, ctx.paths.run_root);
    leave(code);
  };
  try {
    cli.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    int rc = cli.exit(e);
    done(rc == 0 ? 0 : failure);
  } catch (const lit::Error& e) {
    std::fprintf(stderr, "lit: %s\n", e.what());
    if (!e.hint().empty()) std::fprintf(stderr, "hint: %s\n", e.hint().c_str());
    done(failure);
  } catch (const std::exception& e) {
    std::fprintf(stderr, "lit: %s\n", e.what());
    done(failure);
  }
  done(ctx.exit_code);
}
