#pragma once
// What every CLI command receives: the resolved state roots and the place to
// put its exit status. Commands register themselves on the CLI11 app.
#include <CLI/CLI.hpp>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "runtime/container/record.hpp"
#include "runtime/util/error.hpp"
#include "runtime/util/paths.hpp"

namespace lit::reconciler {
struct Project;
struct DesiredState;
}  // namespace lit::reconciler

namespace lit::app {

// Exit status for lit's own failures, as docker uses.
inline constexpr int kExitLitFailure = 125;

// The project flags compose takes before the command: lit -f F -p NAME up.
struct ProjectFlags {
  std::vector<std::string> files;      // -f, repeatable
  std::string project_name;            // -p
  std::string project_directory;       // --project-directory
  std::vector<std::string> env_files;  // --env-file
  std::vector<std::string> profiles;   // --profile
};

struct Context {
  Paths paths;
  int exit_code = 0;  // set by the command that ran
  ProjectFlags project{};
};

// Prints "lit: message" (and its hint) and sets the exit code, for commands
// that go on with their other arguments after a failure, as docker does.
void report(Context& ctx, const Error& e);

// Looks up each name (name or unique id prefix) and runs fn on its record;
// a failure is reported and the next name is tried.
void for_each_container(Context& ctx, const std::vector<std::string>& names,
                        const std::function<void(const runtime::ContainerRecord&)>& fn);

// One function per command group, each in its own file (cmd_image.cpp, ...).
void register_image_commands(CLI::App& app, Context& ctx);
void register_container_commands(CLI::App& app, Context& ctx);
void register_network_commands(CLI::App& app, Context& ctx);  // cmd_network.cpp
void register_project_commands(CLI::App& app, Context& ctx);  // cmd_project.cpp: up, down, ps, config
// The project of the -f/-p flags, its warnings printed; `services` as `up SERVICE...` (cmd_project.cpp).
reconciler::Project load_project_of(const Context& ctx, const std::vector<std::string>& services = {});

// cmd_project_logs.cpp: `lit logs`, and the attached mode of `lit up`.
void register_project_logs(CLI::App& app, Context& ctx);
struct AttachFlags;
// Adds --abort-on-container-exit, --exit-code-from, --attach, -t... to `up` (after -d and --wait).
std::shared_ptr<AttachFlags> add_attach_flags(CLI::App& up);
// Checks the flags against the project before anything changes; the function
// returned attaches once the plan is applied and returns up's exit status.
std::function<int()> prepare_attach(Context& ctx, const AttachFlags& flags,
                                    const reconciler::DesiredState& desired,
                                    const std::vector<std::string>& services,
                                    std::function<void(const std::string&)> progress);

// Subcommands of `lit container`, each group in its own file.
void register_lifecycle_commands(CLI::App& container, Context& ctx);   // cmd_lifecycle.cpp
void register_exec_commands(CLI::App& container, Context& ctx);        // cmd_exec.cpp
void register_inspection_commands(CLI::App& container, Context& ctx);  // cmd_inspect.cpp

}  // namespace lit::app
