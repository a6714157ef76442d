#pragma once
// What every CLI command receives: the resolved state roots and the place to
// put its exit status. Commands register themselves on the CLI11 app.
#include <CLI/CLI.hpp>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "runtime/exec/exec_in.hpp"
#include "runtime/lifecycle/attach.hpp"
#include "runtime/process/start_error.hpp"
#include "runtime/state/record.hpp"
#include "runtime/util/error.hpp"
#include "runtime/util/paths.hpp"

namespace lit::app {

// Exit status for lit's own failures, as docker uses.
inline constexpr int kExitLitFailure = 125;
// compose's exit status for a project command's own error.
inline constexpr int kExitProjectFailure = 1;
inline constexpr const char* kLitVersion = "0.1.0";  // lit version, --version
// A failed build (`lit build`), as `docker build` and `docker compose build` exit.
inline constexpr int kExitBuildFailure = 1;

// The project flags compose takes before the command: lit -f F -p NAME up.
struct ProjectFlags {
  std::vector<std::string> files;      // -f, repeatable
  std::string project_name;            // -p
  std::string project_directory;       // --project-directory
  std::vector<std::string> env_files;  // --env-file
  std::vector<std::string> profiles;   // --profile
  std::string progress = "auto";       // --progress: auto, tty, plain, json, quiet
  std::string ansi = "auto";           // --ansi: never, always, auto (colors on a terminal)
  bool dry_run = false;                // --dry-run: print what would be done, do nothing
  bool compatibility = false;          // --compatibility: compose v1's container names
};

struct Context {
  Paths paths;
  int exit_code = 0;  // set by the command that ran
  ProjectFlags project{};
};

// Prints "lit: message" (and its hint) and sets the exit code, for commands
// that go on with their other arguments after a failure, as docker does.
void report(Context& ctx, const Error& e);

// A container that could not start or exec: prints the error (and hint) and
// returns docker's exit status: 127 command not found, 126 not executable, 125 lit.
int start_failed(const runtime::StartError& e);

// Starts a created container: detached (prints its ID, the supervisor keeps
// it) or in the foreground (its exit status in ctx.exit_code; `started` is
// called once its command runs).
void start_created(Context& ctx, const runtime::ContainerRecord& rec, bool detach,
                   const std::function<void()>& started = {});

// `container exec` and `lit exec`: runs the command (detached or in the
// foreground, its status in ctx.exit_code).
void exec_command(Context& ctx, const runtime::ContainerRecord& rec,
                  const runtime::ExecOptions& options, bool detach);

// The stats loop of `container stats` and the project's `stats`: each second
// (once with no_stream) a table (or JSON lines) of the containers
// `targets` gives at that moment.
void stream_stats(const std::function<std::vector<runtime::ContainerRecord>()>& targets,
                  bool no_stream, bool json);

// Looks up each name (name or unique id prefix) and runs fn on its record;
// a failure is reported and the next name is tried.
void for_each_container(Context& ctx, const std::vector<std::string>& names,
                        const std::function<void(const runtime::ContainerRecord&)>& fn);

// One function per command group, each in its own file (cmd_image.cpp, ...).
void register_image_commands(CLI::App& app, Context& ctx);
// Which of the container group's commands a process builds: each costs lit's
// start-up, and `container run` (measured) and the supervisor's helpers
// (__spawn at each start, __health at each probe) need only their own.
enum class ContainerCommands { All, Run, SupervisorHelpers };
void register_container_commands(CLI::App& app, Context& ctx,
                                 ContainerCommands which = ContainerCommands::All);
void register_network_commands(CLI::App& app, Context& ctx);  // cmd_network.cpp
void register_volume_commands(CLI::App& app, Context& ctx);   // cmd_volume.cpp
void register_system_commands(CLI::App& app, Context& ctx);   // cmd_system.cpp
void register_project_commands(CLI::App& app,
                               Context& ctx);  // cmd_project.cpp: up, down, ps, config
// cmd_project_ops.cpp: exec, run, start, stop, restart, images, ls, pull, build
void register_project_ops_commands(CLI::App& app, Context& ctx);
// cmd_project_control.cpp: pause, unpause, kill, rm, top, port, wait, version
void register_project_control_commands(CLI::App& app, Context& ctx);
// cmd_project_logs.cpp: `lit logs` (the attached mode of `lit up`: app/project.hpp).
void register_project_logs(CLI::App& app, Context& ctx);
void register_config(CLI::App& app, Context& ctx);            // cmd_config.cpp: lit config
void register_systemd_commands(CLI::App& app, Context& ctx);  // cmd_systemd.cpp
void register_rollback(CLI::App& app, Context& ctx);          // cmd_rollback.cpp
void register_serve(CLI::App& app, Context& ctx);             // cmd_serve.cpp: lit serve --dbus
// cmd_events.cpp: `lit events` (compose's) and `lit system events` (docker's).
void register_project_events(CLI::App& app, Context& ctx);
// cmd_convert.cpp: `lit convert kubernetes` (reconciler/kube).
void register_convert(CLI::App& app, Context& ctx);
// cmd_optimize.cpp: lit optimize report / apply (optimize.auto_memory_tune).
void register_optimize(CLI::App& app, Context& ctx);
void register_system_events(CLI::App& system, Context& ctx);
void register_system_check(CLI::App& system, Context& ctx);  // cmd_system_check.cpp

// Subcommands of `lit container`, each group in its own file.
void register_lifecycle_commands(CLI::App& container, Context& ctx);  // cmd_lifecycle.cpp
// __spawn, __exited, __health (also in register_lifecycle_commands).
void register_supervisor_helpers(CLI::App& container, Context& ctx);   // cmd_lifecycle.cpp
void register_exec_commands(CLI::App& container, Context& ctx);        // cmd_exec.cpp
void register_inspection_commands(CLI::App& container, Context& ctx);  // cmd_inspect.cpp
void register_attach_command(CLI::App& container, Context& ctx);       // cmd_attach.cpp
// --detach-keys, --no-stdin, --sig-proxy of `container attach` and `lit attach`.
void add_attach_flags(CLI::App& cmd, runtime::AttachOptions& o);

}  // namespace lit::app
