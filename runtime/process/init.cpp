#include "runtime/process/init.hpp"

#include <fcntl.h>
#include <linux/close_range.h>
#include <sched.h>
#include <signal.h>
#include <sys/mount.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>

#include "runtime/init/init_binary.hpp"
#include "runtime/process/channel.hpp"
#include "runtime/process/exec.hpp"
#include "runtime/process/netns.hpp"
#include "runtime/process/pty.hpp"
#include "runtime/process/run.hpp"
#include "runtime/rootfs/beneath.hpp"
#include "runtime/security/security.hpp"
#include "runtime/spec/sysctl.hpp"
#include "runtime/trace/root_trace.hpp"
#include "runtime/util/error.hpp"

namespace lit::runtime {
namespace {

// The command starts as from a fresh exec: default dispositions, nothing
// blocked (lit blocks the signals it forwards), no inherited fds beyond 0-2.
void reset_process_state() {
  reset_signals();
  ::close_range(3, ~0U, CLOSE_RANGE_CLOEXEC);
  ::umask(022);
}

// What came with "go": the network namespace to join and (user namespace)
// the root lit made, sent just before it.
struct Go {
  UniqueFd netns, rootfs;
};

Go wait_for_go(const Channel& channel) {
  Go go;
  for (;;) {
    ChannelMessage m = channel.receive();
    if (m.kind == ChannelMessage::Rootfs) {
      go.rootfs = std::move(m.fd);
      continue;
    }
    if (m.kind != ChannelMessage::Go) ::_exit(125);  // lit gave up on us: nothing to report to
    go.netns = std::move(m.fd);
    return go;
  }
}

// The rootfs, built and entered: lit's root attached (user namespace) or an overlay mounted.
void enter_rootfs(const ContainerSpec& spec, RootfsContext ctx, UniqueFd lit_root) {
  if (spec.userns.enabled() && !lit_root) throw Error("attach the container's root: lit sent none");
  ctx.rootfs_mount = lit_root.get();
  UniqueFd root = prepare_rootfs(spec, ctx);
  pivot_into(root.get(), ctx.rootfs);
}

// Detached: the supervisor's pipes (or /dev/null) become 0, 1 and 2.
void setup_detached_stdio(const int (&fds)[3]) {
  UniqueFd null(::open("/dev/null", O_RDWR | O_CLOEXEC));
  if (!null) throw Error::sys("open", "/dev/null", errno);
  for (int i = 0; i < 3; ++i)
    check_sys(::dup2(fds[i] >= 0 ? fds[i] : null.get(), i), "set up the container's stdio");
}

// Ties the init's life to its supervisor's. The kernel clears this when the
// credentials change, so it is set again right before exec.
void die_with_parent(bool enabled) {
  if (enabled) check_sys(::prctl(PR_SET_PDEATHSIG, SIGKILL), "set the parent-death signal");
}

void setup_stdio(const ProcessSpec& p) {
  if (p.terminal || p.stdin_open) return;
  UniqueFd null(::open("/dev/null", O_RDONLY | O_CLOEXEC));
  if (!null) throw Error::sys("open", "/dev/null", errno);
  check_sys(::dup2(null.get(), STDIN_FILENO), "redirect stdin to", "/dev/null");
}

// Made and entered beneath the new root (CVE-2024-21626): a working directory
// that is, or passes through, a symlink to /proc/self/fd/N (an fd lit still
// holds) or climbs with ".." stays inside the container or fails.
void enter_cwd(const std::string& cwd) {
  if (cwd.empty() || cwd[0] != '/')
    throw Error("working directory", cwd, EINVAL, "it must be absolute");
  UniqueFd root(::open("/", O_PATH | O_DIRECTORY | O_CLOEXEC));
  if (!root) throw Error::sys("open", "/", errno);
  try {
    UniqueFd dir = make_dirs_beneath(root.get(), cwd);
    check_sys(::fchdir(dir.get()), "enter working directory", cwd);
  } catch (Error& e) {
    throw e.context("enter working directory " + cwd)
        .with_hint("the working directory must resolve inside the container");
  }
}

// ipc container:NAME: the joined container's /dev/shm, shared as docker
// shares it. A mount of another mount namespace cannot be bound from this
// one: the init enters that namespace, takes a detached copy of the mount
// there (open_tree), and comes back; setup_dev attaches the copy.
UniqueFd copy_joined_shm(int mntns_fd, const std::string& container) {
  UniqueFd own(::open("/proc/self/ns/mnt", O_RDONLY | O_CLOEXEC));
  if (!own) throw Error::sys("open", "/proc/self/ns/mnt", errno);
  // setns resets the root to the namespace's: kept to be restored exactly.
  UniqueFd root(::open("/", O_PATH | O_DIRECTORY | O_CLOEXEC));
  if (!root) throw Error::sys("open", "/", errno);
  check_sys(::setns(mntns_fd, CLONE_NEWNS), "enter the mount namespace of container", container);
  UniqueFd tree(::open_tree(AT_FDCWD, "/dev/shm", OPEN_TREE_CLONE | OPEN_TREE_CLOEXEC));
  const int err = errno;
  check_sys(::setns(own.get(), CLONE_NEWNS), "return to the container's mount namespace");
  check_sys(::fchdir(root.get()), "return to", "/");
  check_sys(::chroot("."), "return to", "/");
  if (!tree) throw Error::sys("copy the /dev/shm of container", container, err);
  return tree;
}

void run_init(const InitConfig& c, const Channel& channel) {
  const ContainerSpec& spec = *c.spec;
  Go go = wait_for_go(channel);
  UniqueFd& sent_netns = go.netns;
  if (c.netns_with_go && !sent_netns)
    throw Error("join the network namespace made for it: lit sent none");
  const int netns_fd = c.netns_with_go ? sent_netns.get() : c.netns_fd;
  // Before the rootfs: its /sys then shows the joined namespace's devices.
  if (netns_fd >= 0)
    check_sys(
        ::setns(netns_fd, CLONE_NEWNET), "join the network namespace",
        spec.network_container.empty() ? "made for it" : "of container " + spec.network_container);
  sent_netns.reset();
  // Before the rootfs: its /dev/mqueue then shows the joined namespace's queues.
  if (c.ipcns_fd >= 0)
    check_sys(::setns(c.ipcns_fd, CLONE_NEWIPC), "join the IPC namespace of container",
              spec.ipc.container);
  // Now in its cgroup: this makes that cgroup the root of what it sees.
  check_sys(::unshare(CLONE_NEWCGROUP), "create cgroup namespace");
  if (c.detached)
    setup_detached_stdio(c.stdio);
  else
    setup_stdio(spec.process);
  RootfsContext rootfs = c.rootfs;
  UniqueFd shm;
  if (c.ipc_mntns_fd >= 0) {
    shm = copy_joined_shm(c.ipc_mntns_fd, spec.ipc.container);
    rootfs.shm_tree = shm.get();
  }
  // `lit optimize image` traces its files (root_trace.hpp): connected while the
  // bundle is in reach, marked once in the root, before anything runs there.
  UniqueFd tracer = connect_to_tracer(spec.bundle);
  enter_rootfs(spec, rootfs, std::move(go.rootfs));
  if (tracer) {
    hand_over_root_mark(tracer.get());
    tracer.reset();
  }
  if (!spec.hostname.empty() && spec.uts.mode != NamespaceMode::Host) {  // host: the host's
    check_sys(::sethostname(spec.hostname.data(), spec.hostname.size()), "set hostname",
              spec.hostname);
  }
  // A joined namespace is set up already (a background one has its loopback up).
  if (netns_fd < 0 && spec.network != NetworkMode::Host) bring_up_loopback();
  apply_sysctls(spec.sysctls);
  for (const auto& r :
       spec.rlimits) {  // before capabilities are dropped: raising needs CAP_SYS_RESOURCE
    rlimit lim{r.soft, r.hard};
    check_sys(::setrlimit(static_cast<__rlimit_resource>(r.resource), &lim), "set ulimit",
              std::to_string(r.resource));
  }
  if (spec.process.terminal) {
    UniqueFd master = open_container_pty(c.window, spec.process.uid);
    channel.send_master(master.get());
  }
  security::mask_paths(spec.security);
  enter_cwd(spec.process.cwd);
  if (spec.security.read_only_rootfs) make_root_readonly();
  security::apply_process_security(spec.security, spec.process.uid, spec.process.gid,
                                   spec.process.additional_gids, c.seccomp, c.apparmor);
  die_with_parent(c.die_with_parent);
  exec_process(spec.init ? under_init(spec.process) : spec.process,
               {c.exec_trampoline, c.channel_fd});
}

}  // namespace

void container_init(const InitConfig& c) noexcept {
  Channel channel(c.channel_fd);
  run_child(channel, "container init", [&] {
    // Until its exec, the container's processes (a shared PID namespace) cannot
    // open its /proc/PID entries: exe (lit's binary), fd, mem (CVE-2019-5736).
    check_sys(::prctl(PR_SET_DUMPABLE, 0), "make the container's init non-dumpable");
    ::setsid();  // out of lit's process group: only signals lit forwards reach it
    // The init moves itself (cheaper than lit moving it), while lit does its
    // before-start work; the command's exec comes later, so nothing escapes it.
    if (c.cgroup) c.cgroup->join_self();
    die_with_parent(c.die_with_parent);
    reset_process_state();
    run_init(c, channel);
  });
}

}  // namespace lit::runtime
