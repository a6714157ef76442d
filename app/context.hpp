#pragma once
// What every CLI command receives: the resolved state roots and the place to
// put its exit status. Commands register themselves on the CLI11 app.
#include <CLI/CLI.hpp>

#include "runtime/util/paths.hpp"

namespace lit::app {

// Exit status for lit's own failures, as docker uses.
inline constexpr int kExitLitFailure = 125;

struct Context {
  Paths paths;
  int exit_code = 0;  // set by the command that ran
};

// One function per command group, each in its own file (cmd_image.cpp, ...).
void register_image_commands(CLI::App& app, Context& ctx);
void register_container_commands(CLI::App& app, Context& ctx);
// Subcommands of `lit container`, each group in its own file.
void register_lifecycle_commands(CLI::App& container, Context& ctx);   // cmd_lifecycle.cpp
void register_exec_commands(CLI::App& container, Context& ctx);        // cmd_exec.cpp
void register_inspection_commands(CLI::App& container, Context& ctx);  // cmd_inspect.cpp

}  // namespace lit::app
