#pragma once
// What the project commands share (cmd_project.cpp, cmd_project_ops.cpp):
// loading the project of the global flags, its lock, and progress output.
#include <chrono>
#include <functional>
#include <memory>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include "app/context.hpp"
#include "reconciler/apply/actions.hpp"
#include "reconciler/apply/apply.hpp"
#include "reconciler/load/load.hpp"
#include "reconciler/model.hpp"
#include "runtime/util/fs.hpp"

namespace lit::app {

// The loader's options for the global flags (-f, -p, --project-directory,
// --env-file, --profile) and the services named.
reconciler::LoadOptions load_options(const Context& ctx,
                                     const std::vector<std::string>& services = {});

// The project of -f / -p / --project-directory / --env-file / --profile;
// naming services activates their profiles. Prints the loader's warnings.
// `env_file_services`: the services whose env_file entries must be readable
// (with their dependencies); by default the services named, all when none is.
reconciler::Project load(
    const Context& ctx, const std::vector<std::string>& services = {},
    const std::optional<std::vector<std::string>>& env_file_services = std::nullopt);

// The project for a command that does not need the file (down, stop, ps,
// logs, exec...): the file's as load() finds it; with -p NAME or
// COMPOSE_PROJECT_NAME and no file to be found, the files `up` last applied
// (their labels) when still readable, else the project as its containers'
// labels record it (project_from_labels), so it works from any directory.
// These commands create nothing: no service's env_file is needed.
reconciler::Project load_by_name(const Context& ctx, const std::vector<std::string>& services = {});

// `up`, `down` and friends on one project run one at a time.
FileLock project_lock(const Context& ctx, const std::string& project);

// up --wait: how long, and for which services (every one when empty).
struct WaitFor {
  std::chrono::seconds timeout;
  std::set<std::string> services;
  reconciler::ReadinessObserver on_look{};  // each look at the containers (systemd's STATUS=)
};

// Runs a plan with the progress view the user chose (then, with --wait, waits
// for the services in the same view) and reports what failed; the exit status
// (0 or 1, as compose; 130 after Ctrl-C, which skips what had not started yet,
// app/interrupt.hpp).
int apply_with_progress(const Context& ctx, const reconciler::Project& project,
                        const reconciler::Desired& desired, const reconciler::Plan& plan,
                        const reconciler::ApplyOptions& options,
                        const std::optional<WaitFor>& wait = {});

// The attached mode of `lit up` (cmd_project_logs.cpp).
struct AttachFlags;
// Adds --abort-on-container-exit, --exit-code-from, --attach, -t... to `up` (after -d and --wait).
std::shared_ptr<AttachFlags> add_attach_flags(CLI::App& up);
// --menu / --no-menu (--menu=false) when given on the command line.
std::optional<bool> menu_flag(const AttachFlags& flags);
// Checks the flags against the project before anything changes; the function
// returned attaches once the plan is applied and returns up's exit status.
std::function<int(bool interrupted)> prepare_attach(Context& ctx, const AttachFlags& flags,
                                                    const reconciler::Project& project,
                                                    const reconciler::DesiredState& desired,
                                                    const std::vector<std::string>& services,
                                                    reconciler::Progress progress);

}  // namespace lit::app
