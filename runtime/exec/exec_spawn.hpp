#pragma once
// How a process enters a running container (exec_in.hpp's machinery). lit
// forks a helper, puts it into the container's cgroup, and the helper joins the
// init's namespaces with one setns(pidfd) and clones the process: as lit's own
// child (CLONE_PARENT, so lit waits for it and forwards signals) or, detached,
// as an orphan adopted by the container's init.
#include <sys/ioctl.h>
#include <sys/types.h>

#include <optional>

#include "runtime/state/record.hpp"
#include "runtime/util/fs.hpp"

namespace lit::runtime {

struct ExecStdio {
  int fds[3] = {-1, -1, -1};      // host fds to become 0, 1, 2; -1 keeps lit's own
  std::optional<winsize> window;  // with process.terminal: the pty's size
};

struct SpawnedExec {
  pid_t pid = -1;   // lit's child, already exec'd (-1 when detached)
  UniqueFd master;  // the pty master with process.terminal
};

// The container's init, checked against its recorded start time: throws
// `container NAME is not running` (with a hint) when it is not.
UniqueFd open_running_init(const ContainerRecord& record);

// Returns once the process has exec'd. Throws StartError (126/127 from exec,
// 125 otherwise) and then nothing of it is left running.
// seccomp_cache as in ExecOptions.
SpawnedExec spawn_in_container(const ContainerRecord& record, const ProcessSpec& process,
                               const ExecStdio& stdio, bool detached,
                               const std::filesystem::path& seccomp_cache = {});

// The stdio of a process whose output lit reads (exec_capture, exec_lines):
// stdin /dev/null, stdout and stderr into one pipe. Once spawned, drop
// `write` so that `read` ends when the process (and its children) are done.
struct MergedOutput {
  UniqueFd read, write, null;
  ExecStdio stdio() const;
};
MergedOutput merged_output();  // throws naming the pipe or /dev/null

// Kills (SIGKILL) and reaps a child of ours on scope exit, unless reaped().
class ChildGuard {
 public:
  explicit ChildGuard(pid_t pid) : pid_(pid) {}
  ~ChildGuard();
  ChildGuard(const ChildGuard&) = delete;
  ChildGuard& operator=(const ChildGuard&) = delete;
  void reaped() { pid_ = -1; }

 private:
  pid_t pid_;
};

}  // namespace lit::runtime
