#include "runtime/process/run.hpp"

#include <fcntl.h>
#include <sched.h>
#include <signal.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>

#include "runtime/cgroups/cgroup.hpp"
#include "runtime/process/background_start.hpp"
#include "runtime/process/channel.hpp"
#include "runtime/process/init.hpp"
#include "runtime/process/pty.hpp"
#include "runtime/process/sealed_exec.hpp"
#include "runtime/process/supervise.hpp"
#include "runtime/rootfs/detached_overlay.hpp"
#include "runtime/rootfs/etc_files.hpp"
#include "runtime/rootfs/idmapped_overlay.hpp"
#include "runtime/rootfs/init_layer.hpp"
#include "runtime/rootless/session.hpp"
#include "runtime/security/apparmor.hpp"
#include "runtime/security/security.hpp"
#include "runtime/spec/devices.hpp"
#include "runtime/spec/namespaces.hpp"
#include "runtime/spec/sysctl.hpp"
#include "runtime/userns/idmap_write.hpp"
#include "runtime/util/io.hpp"

namespace lit::runtime {
namespace {

// Destroys the container's cgroup (killing whatever is left in it) on scope exit.
class CgroupGuard {
 public:
  explicit CgroupGuard(std::unique_ptr<cgroups::Cgroup> cg) : cg_(std::move(cg)) {}
  ~CgroupGuard() {
    if (!cg_ || released_) return;
    try {
      cg_->destroy();
    } catch (...) {  // a destructor must not throw; the leak check reports leftovers
    }
  }
  cgroups::Cgroup* operator->() const { return cg_.get(); }
  cgroups::Cgroup* get() const { return cg_.get(); }
  // The container outlives this process (detached): its supervisor destroys it.
  void release() { released_ = true; }

 private:
  std::unique_ptr<cgroups::Cgroup> cg_;
  bool released_ = false;
};

// Kills and reaps the init unless it was reaped already.
class InitGuard {
 public:
  explicit InitGuard(pid_t pid) : pid_(pid) {}
  ~InitGuard() {
    if (pid_ <= 0) return;
    ::kill(pid_, SIGKILL);
    while (::waitpid(pid_, nullptr, 0) < 0 && errno == EINTR) {
    }
  }
  void reaped() { pid_ = -1; }

 private:
  pid_t pid_;
};

void validate(const ContainerSpec& spec, const RunHooks& hooks) {
  if (spec.process.args.empty()) throw Error("run", spec.name, 0, "no command specified");
  if (spec.network == NetworkMode::Container && !hooks.netns)
    throw Error("run", spec.name, 0,
                "no network namespace of container " + spec.network_container + " to join");
  if (spec.pid.mode == NamespaceMode::Container && !hooks.pidns)
    throw Error("run", spec.name, 0, "no PID namespace of container " + spec.pid.container);
  if (spec.ipc.mode == NamespaceMode::Container && !hooks.ipcns)
    throw Error("run", spec.name, 0, "no IPC namespace of container " + spec.ipc.container);
  if (spec.layers.empty()) throw Error("run", spec.name, 0, "the image has no layers");
  struct stat st {};
  if (::stat(spec.bundle.c_str(), &st) < 0 || !S_ISDIR(st.st_mode)) {
    throw Error::sys("open bundle", spec.bundle.string(), errno ? errno : ENOTDIR);
  }
  validate_sysctls(spec.sysctls, spec.network);
  check_userns_combination(spec.userns.enabled(), spec.network, spec.pid, spec.ipc,
                           !spec.image_mounts.empty());
}

// The init layer the overlay gets (init_layer.hpp), if any.
fs::path chosen_init_layer(const ContainerSpec& spec, const RunHooks& hooks) {
  return !hooks.init_layer.empty() && init_layer_fits(spec.layers) ? hooks.init_layer : fs::path();
}

// What is made in the background (background_start.hpp): the network
// namespace for --network none, whose namespace needs nothing from outside
// (bridge's gets its veth by the init's pid), but not with a user namespace
// (its init, once in it, may join only namespaces it owns); the overlay for
// root's containers (a user namespace's is id-mapped, made after the clone).
// Returns whether the namespace is made there.
bool start_in_background(std::optional<BackgroundStart>& background,
                         std::optional<DetachedOverlay>& overlay, const ContainerSpec& spec,
                         const RunHooks& hooks) {
  const bool netns = spec.network == NetworkMode::None && !hooks.netns && !spec.userns.enabled();
  if (!spec.userns.enabled() && !rootless::active())
    overlay.emplace(spec.layers, spec.bundle, spec.volatile_rootfs, chosen_init_layer(spec, hooks));
  if (netns || overlay) background.emplace(netns, overlay ? &*overlay : nullptr);
  return netns;
}

// An init that joins a namespace (another container's, or one made in the
// background) is cloned without one; otherwise it gets a new namespace unless
// it shares the host's.
pid_t clone_init(const ContainerSpec& spec, bool joins_netns, bool as_sibling) {
  unsigned long flags = CLONE_NEWNS | SIGCHLD;
  // First in the kernel's order: every namespace made with it is owned by it.
  if (spec.userns.enabled()) flags |= CLONE_NEWUSER;
  if (!joins_netns && spec.network != NetworkMode::Host) flags |= CLONE_NEWNET;
  // Host: the host's; Container: entered around the clone (PID) or by the init (IPC).
  if (spec.pid.mode == NamespaceMode::Private) flags |= CLONE_NEWPID;
  if (spec.ipc.mode == NamespaceMode::Private || spec.ipc.mode == NamespaceMode::Shareable ||
      spec.ipc.mode == NamespaceMode::None)
    flags |= CLONE_NEWIPC;
  if (spec.uts.mode != NamespaceMode::Host) flags |= CLONE_NEWUTS;
  // Detached: the init becomes the child of our parent, the supervisor, which reaps it.
  if (as_sibling) flags |= CLONE_PARENT;
  // fork-style clone (no new stack): the child continues here with a copy of memory.
  long pid = ::syscall(SYS_clone, flags, nullptr, nullptr, nullptr, nullptr);
  if (pid < 0) throw Error::sys("create container namespaces", "", errno);
  return static_cast<pid_t>(pid);
}

// The etc files and mount point where the init will find them: the run
// directory (or, for callers without one, the bundle, with merged/).
RootfsContext prepare_run_dir(const ContainerSpec& spec, const RunHooks& hooks,
                              const cgroups::Cgroup& cgroup) {
  RootfsContext ctx{cgroup.paths(), hooks.run_dir, hooks.run_dir / "rootfs", {}};
  if (hooks.run_dir.empty()) ctx = {cgroup.paths(), spec.bundle, spec.bundle / "merged", {}};
  make_dirs(ctx.rootfs, 0700);
  write_etc_files(spec, ctx.etc_dir);
  if (spec.userns.enabled()) chown_etc_files(ctx.etc_dir, spec.userns);
  ctx.init_layer = chosen_init_layer(spec, hooks);
  return ctx;
}

// Reads the init's messages until its exec closes the channel.
UniqueFd await_exec(const Channel& channel, pid_t pid, InitGuard& init) {
  UniqueFd master;
  for (;;) {
    ChannelMessage m = channel.receive();
    if (m.kind == ChannelMessage::Eof) return master;
    if (m.kind == ChannelMessage::Master) master = std::move(m.fd);
    if (m.kind == ChannelMessage::Failure) {
      while (::waitpid(pid, nullptr, 0) < 0 && errno == EINTR) {
      }
      init.reaped();
      throw StartError(std::move(m.error), m.exit_code);
    }
  }
}

// What starting a container takes, foreground or detached: checks, the
// namespace made in the background, the cgroup, the run directory, seccomp, and
// the handshake with the init (clone, then "go", then its exec). The caller
// sets its own parts of `config` before clone() and does its own steps
// between clone() and go().
class Launch {
 public:
  Launch(const ContainerSpec& spec, const RunHooks& hooks) : spec_(spec), hooks_(hooks) {
    validate(spec, hooks);
    config.netns_with_go = start_in_background(background_, overlay_, spec, hooks);
    cgroup_.emplace(cgroups::manager_for(spec.cgroup_manager)->create(spec.id));
    cgroups::Limits limits = spec.limits;
    limits.devices = device_rules(spec);
    (*cgroup_)->apply(limits);
    config.spec = &spec;
    config.cgroup = cgroup_->get();
    config.rootfs = prepare_run_dir(spec, hooks, *cgroup_->get());
    seccomp_ = security::seccomp_program_for(spec.security, hooks.seccomp_cache);
    if (seccomp_) config.seccomp = &*seccomp_;
    config.apparmor = security::prepare_apparmor(spec.security.apparmor, spec.security.privileged,
                                                 hooks.apparmor_state);
    config.netns_fd = hooks.netns.get();
    config.ipcns_fd = hooks.ipcns.get();
    trampoline_ = open_exec_trampoline();
    config.exec_trampoline = trampoline_.get();
    config.ipc_mntns_fd = hooks.ipc_mntns.get();
    Channel::make_pair(parent_end_, child_end_);
    config.channel_fd = child_end_.get();
  }

  // The init, cloned (as a sibling: the supervisor's child, for a detached one).
  // A joined PID namespace is entered by this thread for its children only
  // (setns(CLONE_NEWPID)), and left right after the clone.
  pid_t clone(bool as_sibling) {
    UniqueFd own_pidns;
    if (hooks_.pidns) {
      own_pidns = UniqueFd(::open("/proc/thread-self/ns/pid", O_RDONLY | O_CLOEXEC));
      if (!own_pidns) throw Error::sys("open", "/proc/thread-self/ns/pid", errno);
      check_sys(::setns(hooks_.pidns.get(), CLONE_NEWPID), "join the PID namespace of container",
                spec_.pid.container);
    }
    pid_t pid = -1;
    try {
      pid = clone_init(spec_, config.netns_fd >= 0 || config.netns_with_go, as_sibling);
    } catch (...) {
      if (own_pidns) ::setns(own_pidns.get(), CLONE_NEWPID);
      throw;
    }
    if (pid == 0) container_init(config);
    if (own_pidns)
      check_sys(::setns(own_pidns.get(), CLONE_NEWPID), "return to lit's PID namespace");
    child_end_.reset();
    return pid;
  }

  // The before_start and before_go hooks, "go" with the namespace made
  // meanwhile, and the wait for the init's exec; then the on_start hook. The
  // pty master with -t.
  UniqueFd go(pid_t pid, InitGuard& init) {
    (*cgroup_)->start_with(pid);  // a systemd scope, made with the init in it
    Channel channel(parent_end_.get());
    if (spec_.userns.enabled()) send_userns_root(pid, channel);
    if (hooks_.before_start) hooks_.before_start(pid);
    if (hooks_.before_go) hooks_.before_go();
    // The thread has been making them while the init was cloned and joined its cgroup.
    if (background_) {
      if (UniqueFd root = background_->take_overlay()) channel.send_rootfs(root.get());
    }
    UniqueFd own_netns = config.netns_with_go ? background_->take_netns() : UniqueFd();
    channel.send_go(own_netns.get());
    UniqueFd master = await_exec(channel, pid, init);
    if (hooks_.on_start) hooks_.on_start(pid);
    return master;
  }

  // The init's user namespace gets its maps; its root (id-mapped layers) goes to the init.
  void send_userns_root(pid_t pid, const Channel& channel) {
    write_id_maps(pid, spec_.userns, default_id_map_writer());
    const std::string ns_path = "/proc/" + std::to_string(pid) + "/ns/user";
    UniqueFd userns(::open(ns_path.c_str(), O_RDONLY | O_CLOEXEC));
    if (!userns) throw Error::sys("open", ns_path, errno);
    UniqueFd root =
        make_idmapped_rootfs(spec_.layers, spec_.bundle, userns.get(), spec_.userns,
                             spec_.volatile_rootfs, config.rootfs.init_layer, hooks_.layer_copies);
    channel.send_rootfs(root.get());
  }

  cgroups::Cgroup& cgroup() { return *cgroup_->get(); }
  // The container outlives this process (detached): its supervisor destroys the cgroup.
  void release_cgroup() { cgroup_->release(); }

  InitConfig config;

 private:
  const ContainerSpec& spec_;
  const RunHooks& hooks_;
  std::optional<DetachedOverlay> overlay_;  // before background_: outlives its thread
  std::optional<BackgroundStart> background_;
  std::optional<CgroupGuard> cgroup_;
  std::optional<security::SeccompProgram> seccomp_;
  UniqueFd parent_end_, child_end_, trampoline_;
};

// Starts the init of a detached container and leaves it running.
pid_t start(const ContainerSpec& spec, const DetachedStdio& stdio, const RunHooks& hooks) {
  if (spec.process.terminal && stdio.console < 0)
    throw Error("run", spec.name, 0, "a detached terminal (-t) needs its supervisor");
  Launch launch(spec, hooks);
  launch.config.stdio[0] = stdio.in;
  launch.config.stdio[1] = stdio.out;
  launch.config.stdio[2] = stdio.err;
  launch.config.detached = true;
  launch.config.die_with_parent = true;
  pid_t pid = launch.clone(true);
  InitGuard init(pid);
  UniqueFd master = launch.go(pid, init);
  if (master && !send_fd(stdio.console, master.get()))
    throw Error::sys("send the pty master to the supervisor", spec.name, errno);
  init.reaped();  // the supervisor's child now, and its to reap
  launch.release_cgroup();
  return pid;
}

ExitStatus run(const ContainerSpec& spec, const RunHooks& hooks) {
  Launch launch(spec, hooks);
  if (spec.process.terminal) launch.config.window = terminal_size();
  launch.config.die_with_parent = hooks.die_with_caller;
  ForwardedSignals signals;
  pid_t pid = launch.clone(false);
  InitGuard init(pid);
  UniqueFd pidfd(static_cast<int>(::syscall(SYS_pidfd_open, pid, 0)));
  if (!pidfd) throw Error::sys("open pidfd of", std::to_string(pid), errno);
  UniqueFd master = launch.go(pid, init);

  std::optional<RawTerminal> raw;
  if (master) raw.emplace();
  bool copy_stdin = master && spec.process.stdin_open;
  ExitStatus status = supervise({pid, pidfd.get(), master.get(), copy_stdin}, signals);
  init.reaped();
  raw.reset();
  try {
    status.oom_killed = launch.cgroup().oom_kills() > 0;
  } catch (const Error&) {  // the status matters more than the OOM flag
  }
  return status;
}

}  // namespace

namespace {

std::string start_context(const ContainerSpec& spec) {
  return "start container " + (spec.name.empty() ? spec.id : spec.name);
}

}  // namespace

ExitStatus run_foreground(const ContainerSpec& spec, const RunHooks& hooks) {
  return with_start_context(start_context(spec), [&] { return run(spec, hooks); });
}

pid_t start_detached(const ContainerSpec& spec, const DetachedStdio& stdio, const RunHooks& hooks) {
  return with_start_context(start_context(spec), [&] { return start(spec, stdio, hooks); });
}

}  // namespace lit::runtime
