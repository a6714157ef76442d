#pragma once
// The container's init, from clone to exec: joins its cgroup, waits until lit
// has set up what the container needs from outside, enters its own cgroup namespace, builds and
// enters the rootfs, applies the process's security and execs the command. Any failure is reported
// over the channel and the init exits; it never returns.
#include <sys/ioctl.h>

#include <optional>

#include "runtime/cgroups/cgroup.hpp"
#include "runtime/rootfs/rootfs.hpp"
#include "runtime/security/seccomp.hpp"
#include "runtime/spec/spec.hpp"

namespace lit::runtime {

struct InitConfig {
  const ContainerSpec* spec = nullptr;
  cgroups::Cgroup* cgroup = nullptr;  // joined first thing, before any of the container runs
  RootfsContext rootfs;
  int channel_fd = -1;
  std::optional<winsize> window;  // lit's terminal size, for -t
  int stdio[3] = {-1, -1, -1};    // detached: host fds to become 0, 1, 2 (-1: /dev/null)
  bool detached = false;          // stdio above instead of the caller's
  bool die_with_parent = false;   // SIGKILL when the parent (supervisor, build) dies
  int netns_fd =
      -1;  // the namespace to join: Container's (None's made in the background comes with go)
  bool netns_with_go = false;  // None: joins the namespace sent with "go" (BackgroundStart)
  int ipcns_fd = -1;           // --ipc container:NAME: the namespace to join
  int ipc_mntns_fd = -1;       // and the mount namespace whose /dev/shm it shares
  const security::SeccompProgram* seccomp = nullptr;  // made by lit before the clone
  std::string apparmor;      // the AppArmor profile from its exec on ("" none), loaded by lit
  int exec_trampoline = -1;  // open_exec_trampoline(): the last execve goes through it
};

[[noreturn]] void container_init(const InitConfig& config) noexcept;

}  // namespace lit::runtime
