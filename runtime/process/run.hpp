#pragma once
// Runs one container in the foreground: creates its cgroup, clones the init
// process into new namespaces, sets up the rootfs inside the container's own
// mount namespace (so every mount dies with it), waits for it, and tears down
// everything it made. SIGINT, SIGTERM, SIGHUP, SIGQUIT, SIGUSR1 and SIGUSR2
// received meanwhile are forwarded to the container's init.
//
// Call it from a single-threaded process (the CLI's foreground run): the init
// is cloned fork-style and keeps using the C++ runtime until it execs.
#include <sys/types.h>

#include <functional>
#include <string>

#include "runtime/process/start_error.hpp"
#include "runtime/spec/spec.hpp"
#include "runtime/util/error.hpp"
#include "runtime/util/fs.hpp"

namespace lit::runtime {

struct ExitStatus {
  int code = 0;    // exit code, or 128+signal when killed by a signal
  int signal = 0;  // the killing signal, 0 if it exited
  bool oom_killed = false;
};

struct RunHooks {
  // Called once the init is in its namespaces and cgroup, before it sets up its
  // rootfs: e.g. to move a veth into /proc/<pid>/ns/net. Throwing aborts the start.
  std::function<void(pid_t pid)> before_start;
  // Called after before_start, right before the init is told to go: a held
  // start (detached.hpp, HeldStart) waits here for its release, everything
  // else made. Throwing aborts the start.
  std::function<void()> before_go;
  // Called once the user's command was exec'd successfully (the init's pid as
  // seen from the host), e.g. to record its pid in the container record.
  std::function<void(pid_t pid)> on_start;
  // NetworkMode::Container: the joined container's network namespace (its
  // init's /proc/PID/ns/net), entered by the init before anything else.
  UniqueFd netns;
  // --pid container:NAME, --ipc container:NAME: the joined container's PID
  // namespace (entered by lit around the init's clone: it applies to children)
  // and IPC namespace (entered by the init); with the IPC namespace, the
  // joined container's mount namespace, where the init copies its /dev/shm.
  UniqueFd pidns, ipcns, ipc_mntns;
  // Where compiled seccomp programs are kept between containers (empty: none kept).
  std::filesystem::path seccomp_cache;
  // Where lit notes the AppArmor profile it loaded (lit's run root; empty: none noted).
  std::filesystem::path apparmor_state;
  // The container's runtime directory (Paths::run_container): its etc files and
  // rootfs mount point. Empty: the bundle holds them.
  std::filesystem::path run_dir;
  // A shared layer with empty /etc/hostname, hosts and resolv.conf to bind over
  // (see init_layer.hpp); empty: none.
  std::filesystem::path init_layer;
  // --userns auto: where layers on a filesystem that cannot id-map get copies
  // with their ids shifted (layer_copies_root of lit's root); empty: such a
  // layer fails the start.
  std::filesystem::path layer_copies;
  // Foreground: the init is SIGKILLed when the calling thread's process dies,
  // taking its PID namespace with it (a build's RUN, which nobody else would
  // reap or stop). Off for `lit run`, whose container outlives a killed lit.
  bool die_with_caller = false;
};

// Throws StartError (with context) when the container cannot be started;
// nothing it made is left behind in that case. Once started, returns the exit
// status of the container's init; the cgroup is destroyed (remaining processes
// killed) before it returns. The bundle directory is left in place.
ExitStatus run_foreground(const ContainerSpec& spec, const RunHooks& hooks = {});

// Host fds the init of a detached container gets as its stdin, stdout and
// stderr (-1: /dev/null), e.g. the pipes its supervisor logs.
struct DetachedStdio {
  int in = -1, out = -1, err = -1;
  // With a terminal (-t): a unix socket the pty master is sent over, to the
  // supervisor that keeps it (runc's --console-socket).
  int console = -1;
};

// Starts a container for its supervisor (lit-shim), which must be the calling
// process's parent: the init is cloned as our sibling (CLONE_PARENT), so the
// supervisor reaps it, and it is SIGKILLed if the supervisor dies (pdeathsig).
// Returns the init's pid once the command was exec'd; its cgroup then stays for
// the supervisor to destroy. Throws StartError like run_foreground, leaving
// nothing behind.
pid_t start_detached(const ContainerSpec& spec, const DetachedStdio& stdio,
                     const RunHooks& hooks = {});

}  // namespace lit::runtime
