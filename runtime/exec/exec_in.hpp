#pragma once
// `lit container exec`: a new process inside a running container. It joins all
// the container's namespaces (mnt, uts, ipc, net, pid, cgroup) through a pidfd
// of the container's init, its cgroup, and gets the container's security
// (capabilities, seccomp, no_new_privs); the masked paths are already part of
// the mount namespace it joins.
//
// Call these from a single-threaded process (the CLI, or a short-lived helper):
// they fork and the child keeps using the C++ runtime until it execs.
#include <sys/types.h>

#include <chrono>
#include <cstddef>
#include <filesystem>
#include <string>
#include <vector>

#include "runtime/process/run.hpp"
#include "runtime/state/record.hpp"

namespace lit::runtime {

struct ExecOptions {
  std::vector<std::string> args = {};  // args[0] looked up in the container's PATH
  std::vector<std::string> env =
      {};                    // -e K=V (K alone: from lit's environment), over the container's
  std::string workdir = {};  // -w; empty: the container's working directory
  std::string user = {};     // -u as `run` takes it; empty: the container's user
  bool interactive = false;  // -i: stdin stays connected (else /dev/null)
  bool tty = false;          // -t: a pty from the container's /dev/pts
  // Paths::seccomp_cache(): the container's seccomp program as its start
  // compiled it (empty: compiled again, ~1-3 ms).
  std::filesystem::path seccomp_cache = {};
};

// The process as it will run: env, cwd and identity resolved against the
// record (-u against the image's /etc/passwd and /etc/group). Pure apart from
// reading those files; throws lit::Error for an unknown user.
ProcessSpec exec_process_spec(const ContainerRecord& record, const ExecOptions& options);

// Foreground exec: stdio inherited (or the pty with -t), SIGINT, SIGTERM,
// SIGHUP, SIGQUIT, SIGUSR1, SIGUSR2 forwarded, returns the command's status.
// Throws StartError: 127/126 when the command is not found / not executable,
// 125 for lit's own failures, e.g. `container web is not running`.
ExitStatus exec_in(const ContainerRecord& record, const ExecOptions& options);

// -d: returns once the command was exec'd; its output goes to /dev/null. It
// runs as a child of the container's init, which reaps it (lit-init does).
void exec_detached(const ContainerRecord& record, const ExecOptions& options);

// A health probe's result: stdout and stderr merged, cut to max_output bytes.
struct CapturedExec {
  int exit_code = 0;  // 128+signal when killed; -1 when timed out
  bool timed_out = false;
  std::string output;
};

// Runs args as the container's user, env and cwd with stdin on /dev/null. At
// the timeout the process and its process group get SIGKILL. A command that
// cannot be exec'd gives 126/127 with the reason as output; lit's own failures
// (container not running, namespaces not joinable) throw lit::Error.
// seccomp_cache as in ExecOptions.
CapturedExec exec_capture(const ContainerRecord& r, const std::vector<std::string>& args,
                          std::chrono::nanoseconds timeout, size_t max_output,
                          const std::filesystem::path& seccomp_cache = {});

}  // namespace lit::runtime
