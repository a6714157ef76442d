#pragma once
// Runs one container in the foreground: creates its cgroup, clones the init
// process into new namespaces, sets up the rootfs inside the container's own
// mount namespace (so every mount dies with it), waits for it, and tears down
// everything it made. SIGINT/SIGTERM received meanwhile are forwarded.
#include <sys/types.h>

#include <functional>
#include <string>

#include "runtime/container/spec.hpp"

namespace lit::runtime {

struct ExitStatus {
  int code = 0;         // exit code, or 128+signal when killed by a signal
  int signal = 0;       // the killing signal, 0 if it exited
  bool oom_killed = false;
};

struct RunHooks {
  // Called once the container's init is running (before exec of the user's
  // command completes), e.g. to record its pid in the container record.
  std::function<void(pid_t pid)> on_start;
};

// Throws lit::Error (with context) when the container cannot be started;
// nothing it made is left behind in that case.
ExitStatus run_foreground(const ContainerSpec& spec, const RunHooks& hooks = {});

}  // namespace lit::runtime
