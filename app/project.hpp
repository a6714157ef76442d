#pragma once
// What the project commands share (cmd_project.cpp, cmd_project_ops.cpp):
// loading the project of the global flags, its lock, and progress output.
#include <chrono>
#include <cstddef>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <set>
#include <stop_token>
#include <string>
#include <vector>

#include "app/context.hpp"
#include "reconciler/apply/actions.hpp"
#include "reconciler/apply/apply.hpp"
#include "reconciler/load/load.hpp"
#include "reconciler/model.hpp"
#include "runtime/state/status.hpp"
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

// The second half of load_by_name: `name` from the files `up` last applied
// when readable, else from its containers' labels.
reconciler::Project load_from_labels(const Context& ctx, const std::string& name,
                                     const std::vector<std::string>& services = {});

// `up`, `down` and friends on one project run one at a time.
FileLock project_lock(const Context& ctx, const std::string& project);

// up --wait: how long, and for which services (every one when empty).
struct WaitFor {
  std::chrono::seconds timeout;
  std::set<std::string> services;
  reconciler::ReadinessObserver on_look{};  // each look at the containers (systemd's STATUS=)
  // Work for the time the wait takes, run beside it once the plan is applied
  // (the version the up records); what it throws, the wait rethrows.
  std::function<void()> meanwhile{};
};

// What applying a plan (and waiting, with --wait) came to: the failures, one
// line each (empty: it worked), the hooks' output and the warnings.
struct Applied {
  std::vector<std::string> failures, output, warnings;
};

// Runs a plan, then with `wait` waits for the services, reporting to
// `progress`; cancelled by options.stop. Prints nothing: for the front ends
// that are not a terminal (lit-dbus) and for apply_with_progress below.
Applied apply_and_wait(const Context& ctx, const reconciler::Project& project,
                       const reconciler::Desired& desired, const reconciler::Plan& plan,
                       const reconciler::ApplyOptions& options, const std::optional<WaitFor>& wait,
                       const reconciler::Progress& progress = {});

// Runs a plan with the progress view the user chose (then, with --wait, waits
// for the services in the same view) and reports what failed; the exit status
// (0 or 1, as compose; 130 after Ctrl-C, which skips what had not started yet,
// app/interrupt.hpp).
int apply_with_progress(const Context& ctx, const reconciler::Project& project,
                        const reconciler::Desired& desired, const reconciler::Plan& plan,
                        const reconciler::ApplyOptions& options,
                        const std::optional<WaitFor>& wait = {});

// ---- use cases the front ends other than the CLI call (lit-dbus) ----

// `up -d [--wait] [--atomic]` of the project in project_dir (absolute).
struct UpRequest {
  std::string project_dir;
  std::vector<std::string> files, profiles;  // absolute; empty: the directory's file
  std::vector<std::string> services;         // empty: every service (and their dependencies)
  bool wait = false, atomic = false;
  bool build = false, force_recreate = false, remove_orphans = false;  // up's flags
  std::string pull;  // --pull: always, missing or never; empty: each service's pull_policy
  std::chrono::seconds timeout{120};  // --wait-timeout
};
struct UpOutcome {
  std::string project;                // its name, as loaded
  std::vector<std::string> failures;  // empty: it converged (and was ready, with wait)
};
// Converges as `lit up -d` does (cmd_project.cpp), printing no progress;
// with atomic, a failure returns the changed services to the current version.
// Throws lit::Error when the project cannot be loaded or planned.
UpOutcome up_detached(const Context& ctx, const UpRequest& request, std::stop_token stop = {});

// The projects with containers on this host, by name, and their containers'
// statuses (cmd_project_ops.cpp; `lit ls`).
struct ProjectSeen {
  std::vector<runtime::ContainerStatus> statuses;
  std::string files;
};
std::map<std::string, ProjectSeen> projects_on_host(const Context& ctx);
// compose's combined status: "exited(1), running(2)".
std::string combined_status(const std::vector<runtime::ContainerStatus>& statuses);

// A project or service lit does not know, told apart by the front ends
// (D-Bus: io.lit.Error.NotFound).
class NotFound : public Error {
 public:
  explicit NotFound(std::string message, std::string hint = {}) : Error(std::move(message)) {
    if (!hint.empty()) with_hint(std::move(hint));
  }
};

// The project `name` as its containers' labels (or the files up applied)
// give it; throws "no such project: NAME" when no container has it.
reconciler::Project known_project(const Context& ctx, const std::string& name);

// One container of a project's services, as lit records it.
struct ServiceContainer {
  std::string service, name;
  runtime::ContainerStatus status = runtime::ContainerStatus::Created;
  runtime::Health health = runtime::Health::None;
  int exit_code = 0;
};
std::vector<ServiceContainer> service_containers(const Context& ctx, const std::string& project);

// `lit -p NAME down` and `lit -p NAME restart SERVICE`: the failures (empty:
// done). `stop` skips what has not started yet, as Ctrl-C does for the CLI.
std::vector<std::string> down_project(const Context& ctx, const std::string& project,
                                      std::stop_token stop = {});
std::vector<std::string> restart_service(const Context& ctx, const std::string& project,
                                         const std::string& service, std::stop_token stop = {});

// `lit -p NAME logs --no-log-prefix --tail N SERVICE`: the last `tail` lines
// of each of the service's containers (0: all), without their newlines.
std::vector<std::string> service_log_lines(const Context& ctx, const std::string& project,
                                           const std::string& service, std::size_t tail);

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
