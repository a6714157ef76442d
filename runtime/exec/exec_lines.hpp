#pragma once
// A command run in a running container with its output handed over line by
// line: what a compose lifecycle hook (post_start, pre_stop) needs. The process
// enters the container as `lit exec` does (exec_in.hpp), with stdin on
// /dev/null and stdout and stderr merged; there is no deadline.
#include <functional>
#include <string_view>

#include "runtime/exec/exec_in.hpp"
#include "runtime/state/record.hpp"

namespace lit::runtime {

struct LineExec {
  ExecOptions exec;         // args, env, workdir, user (interactive and tty unused)
  bool privileged = false;  // every capability, as `docker exec --privileged`
};

// The record an exec with every capability lit holds runs against (`exec
// --privileged`, a privileged hook): no capability dropped, every one added;
// the container's seccomp profile stays, as with docker.
ContainerRecord with_privileges(const ContainerRecord& record);

// Calls on_line for each line of output (without its newline; a last line
// without one too), from the calling thread. Returns the command's exit code
// (128+signal when killed); a command that cannot be exec'd gives 126/127 and
// its reason as one line. lit's own failures (the container not running, its
// namespaces not joinable) throw lit::Error.
int exec_lines(const ContainerRecord& record, const LineExec& options,
               const std::function<void(std::string_view line)>& on_line);

}  // namespace lit::runtime
