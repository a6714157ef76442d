#pragma once
// `lit up` without -d, as docker compose's attached mode: after the plan is
// applied, the services' logs are streamed (each container's log so far, then
// what it writes) until every attached container has exited for good;
// containers that appear meanwhile (a scale-up, a recreate by another `up`)
// are attached too. Ctrl-C stops the project's containers in reverse
// dependency order, after their pre_stop hooks (a second one kills them); with
// --abort-on-container-exit the first exit stops the others.
#include <map>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include "reconciler/apply/apply.hpp"
#include "reconciler/model.hpp"
#include "reconciler/plan.hpp"
#include "runtime/logs/log_prefix.hpp"
#include "runtime/util/paths.hpp"

namespace lit::reconciler {

// compose's exit status after Ctrl-C (or SIGTERM).
constexpr int kExitInterrupted = 130;

struct AttachOptions {
  // The services `up` brought up: their containers are stopped on Ctrl-C.
  std::vector<std::string> services;
  // Whose logs are shown and whose exits end the attachment (none: until Ctrl-C).
  std::vector<std::string> attach;
  bool abort_on_exit = false;       // --abort-on-container-exit
  bool abort_on_failure = false;    // --abort-on-container-failure: only a non-zero exit
  std::string exit_code_from;       // --exit-code-from SERVICE (aborts on exit too)
  std::optional<int> stop_timeout;  // -t: seconds before SIGKILL (else stop_grace_period)
  runtime::LogStyle style;
  // service -> the services that depend on it: on Ctrl-C (or an abort) a
  // service's containers are stopped once its dependants' are, as compose does.
  std::map<std::string, std::vector<std::string>> dependants;
  // Ctrl-C came while `up` was still applying: stop the services at once.
  bool interrupted = false;
  // The services with pre_stop hooks: run in each of their running containers
  // before it is stopped (output "web-1 -> | text"; a failing hook leaves that
  // container running and fails `up`, as compose's stop does).
  std::map<std::string, Service> pre_stop;
};

// Exit status of `lit up` as compose's: 0 when the attached containers exited on
// their own, 130 after Ctrl-C (or SIGTERM), the exit code of --exit-code-from's
// service (or of the first container to exit, with --abort-on-container-exit).
// Logs go to out_fd; notices and the stop progress to stderr and `progress`.
int attach_project(const Paths& paths, const std::string& project, const AttachOptions& options,
                   const Progress& progress, int out_fd);

// The services `lit up SERVICE...` acts on: the named ones with everything they
// depend on, or all of them.
std::vector<std::string> services_of_up(const DesiredState& desired,
                                        const std::vector<std::string>& named);

}  // namespace lit::reconciler
