// lit: a daemonless, compose-style container orchestrator. This file only
// parses global flags, dispatches to a command group, and maps errors to exit codes.
#include <spdlog/spdlog.h>
#include <unistd.h>

#include <CLI/CLI.hpp>
#include <cstdio>

#include "app/context.hpp"
#include "network/manager.hpp"
#include "runtime/util/error.hpp"

int main(int argc, char** argv) {
  using namespace lit;
  app::Context ctx{Paths::from_environment()};
  network::install_manager();  // containers on lit networks

  CLI::App cli{"lit: daemonless, compose-style containers", "lit"};
  cli.require_subcommand(1);
  cli.set_version_flag("--version", "lit 0.1.0");
  std::string log_level = "warn";
  std::string root = ctx.paths.root, run_root = ctx.paths.run_root;
  cli.add_option("--root", root, "Persistent state directory (env LIT_ROOT)")->capture_default_str();
  cli.add_option("--run-root", run_root, "Runtime state directory (env LIT_RUN_ROOT)")
      ->capture_default_str();
  cli.add_option("--log-level", log_level, "Log level: trace, debug, info, warn, error, off")
      ->check(CLI::IsMember({"trace", "debug", "info", "warn", "error", "critical", "off"}))
      ->capture_default_str();
  auto each = [](CLI::Option* o) { return o->allow_extra_args(false); };
  each(cli.add_option("-f,--file", ctx.project.files, "Project file (repeatable; default: lit.yml or compose.yaml)"));
  cli.add_option("-p,--project-name", ctx.project.project_name, "Project name (default: name: or the directory)");
  cli.add_option("--project-directory", ctx.project.project_directory, "Project directory (default: the first file's)");
  each(cli.add_option("--env-file", ctx.project.env_files, "Environment file for interpolation (default: .env)"));
  each(cli.add_option("--profile", ctx.project.profiles, "Activate a profile (repeatable)"));
  cli.add_option("--progress", ctx.project.progress, "Progress output: auto, tty, plain, json, quiet")
      ->check(CLI::IsMember({"auto", "tty", "plain", "json", "quiet"}));
  cli.parse_complete_callback([&] {
    spdlog::set_level(spdlog::level::from_str(log_level));
    spdlog::set_pattern("lit: %l: %v");
    ctx.paths.root = root;
    ctx.paths.run_root = run_root;
  });

  app::register_image_commands(cli, ctx);
  app::register_container_commands(cli, ctx);
  app::register_network_commands(cli, ctx);
  app::register_project_commands(cli, ctx);

  try {
    cli.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    int rc = cli.exit(e);
    return rc == 0 ? 0 : app::kExitLitFailure;
  } catch (const lit::Error& e) {
    std::fprintf(stderr, "lit: %s\n", e.what());
    if (!e.hint().empty()) std::fprintf(stderr, "hint: %s\n", e.hint().c_str());
    return app::kExitLitFailure;
  } catch (const std::exception& e) {
    std::fprintf(stderr, "lit: %s\n", e.what());
    return app::kExitLitFailure;
  }
  return ctx.exit_code;
}
