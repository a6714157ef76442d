#include "runtime/exec/exec_spawn.hpp"

#include <fcntl.h>
#include <linux/close_range.h>
#include <sched.h>
#include <signal.h>
#include <stdlib.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <string>

#include "runtime/cgroups/cgroup.hpp"
#include "runtime/process/channel.hpp"
#include "runtime/process/exec.hpp"
#include "runtime/process/run.hpp"
#include "runtime/process/sealed_exec.hpp"
#include "runtime/rootfs/beneath.hpp"
#include "runtime/rootfs/rootfs.hpp"
#include "runtime/security/apparmor.hpp"
#include "runtime/security/security.hpp"
#include "runtime/state/liveness.hpp"
#include "runtime/util/error.hpp"

namespace lit::runtime {
namespace {

constexpr int kNamespaces =
    CLONE_NEWNS | CLONE_NEWUTS | CLONE_NEWIPC | CLONE_NEWNET | CLONE_NEWPID | CLONE_NEWCGROUP;

Error not_running(const ContainerRecord& r) {
  return Error("container " + r.name + " is not running")
      .with_hint("start it first: lit container start " + r.name);
}

// What the forked helper and the process need; built before fork.
struct ChildPlan {
  const ContainerRecord* record;
  const ProcessSpec* process;
  const ExecStdio* stdio;
  int init_pidfd;
  int channel_fd;
  int pid_pipe;  // write end: the process's pid, for lit (not detached)
  bool detached;
  cgroups::Cgroup* cgroup;                  // the container's, joined by the helper itself
  const security::SeccompProgram* seccomp;  // made before the fork (nullptr: none)
  const std::string* apparmor;              // the container's AppArmor profile ("": none)
  int trampoline;                           // open_exec_trampoline()
};

// After setns, /dev/pts is the container's devpts: the pty is the container's
// own, and only the master travels to lit.
void attach_pty(const ProcessSpec& p, const ExecStdio& s, const Channel& channel) {
  UniqueFd master(::open("/dev/pts/ptmx", O_RDWR | O_NOCTTY | O_CLOEXEC));
  if (!master) throw Error::sys("open", "/dev/pts/ptmx", errno);
  check_sys(::unlockpt(master.get()), "unlock pty", "/dev/pts/ptmx");
  if (s.window)
    check_sys(::ioctl(master.get(), TIOCSWINSZ, &*s.window), "set terminal size", "/dev/pts");
  UniqueFd slave(::ioctl(master.get(), TIOCGPTPEER, O_RDWR | O_NOCTTY));
  if (!slave) throw Error::sys("open pty slave", "/dev/pts", errno);
  if (p.uid != 0)
    check_sys(::fchown(slave.get(), p.uid, static_cast<gid_t>(-1)), "chown pty", "/dev/pts");
  check_sys(::ioctl(slave.get(), TIOCSCTTY, 0), "set controlling terminal", "/dev/pts");
  for (int fd = 0; fd < 3; ++fd) check_sys(::dup2(slave.get(), fd), "attach pty", "/dev/pts");
  channel.send_master(master.get());
}

void setup_stdio(const ProcessSpec& p, const ExecStdio& s, const Channel& channel) {
  if (p.terminal) return attach_pty(p, s, channel);
  for (int i = 0; i < 3; ++i)
    if (s.fds[i] >= 0) check_sys(::dup2(s.fds[i], i), "set up the exec'd process's stdio");
}

// Resolved beneath the container's root (CVE-2024-21626): "-w /proc/self/fd/N"
// (an fd lit still holds until its exec), a symlink to it or ".." cannot leave it.
void enter_cwd(const std::string& cwd) {
  UniqueFd root(::open("/", O_PATH | O_DIRECTORY | O_CLOEXEC));
  if (!root) throw Error::sys("open", "/", errno);
  UniqueFd dir = open_beneath(root.get(), cwd, O_PATH | O_DIRECTORY);
  if (!dir)
    throw Error::sys("enter working directory", cwd, errno)
        .with_hint("the working directory must resolve inside the container");
  check_sys(::fchdir(dir.get()), "enter working directory", cwd);
}

// In the container's namespaces and cgroup: the last steps, as the container's init took them.
[[noreturn]] void run_process(const ChildPlan& c, const Channel& channel) noexcept {
  run_child(channel, "exec", [&] {
    ::setsid();  // out of lit's process group: only signals lit forwards reach it
    reset_signals();
    setup_stdio(*c.process, *c.stdio, channel);
    ::close_range(3, ~0U, CLOSE_RANGE_CLOEXEC);  // nothing of lit's leaks into the container
    enter_cwd(c.process->cwd.empty() ? "/" : c.process->cwd);
    const ProcessSpec& p = *c.process;
    security::apply_process_security(c.record->spec.security, p.uid, p.gid, p.additional_gids,
                                     c.seccomp, *c.apparmor);
    exec_process(p, {c.trampoline, c.channel_fd});
  });
}

// As lit's child (CLONE_PARENT): lit waits for it, forwards signals, reads its pid here.
void spawn_sibling(const ChildPlan& c, const Channel& channel) {
  long pid = ::syscall(SYS_clone, CLONE_PARENT | SIGCHLD, nullptr, nullptr, nullptr, nullptr);
  if (pid < 0) throw Error::sys("create a process in container", c.record->name, errno);
  if (pid == 0) run_process(c, channel);
  pid_t p = static_cast<pid_t>(pid);
  if (::write(c.pid_pipe, &p, sizeof p) != sizeof p)
    throw Error::sys("report the exec'd pid", "", errno);
}

// Detached: a child whose parent exits inside the container's pid namespace is
// adopted by the container's init, like any daemon started in it.
void spawn_orphan(const ChildPlan& c, const Channel& channel) {
  pid_t middle = ::fork();
  if (middle < 0) throw Error::sys("create a process in container", c.record->name, errno);
  if (middle == 0) {
    run_child(channel, "exec", [&] {
      pid_t pid = ::fork();
      if (pid < 0) throw Error::sys("create a process in container", c.record->name, errno);
      if (pid == 0) run_process(c, channel);
    });
  }
  while (::waitpid(middle, nullptr, 0) < 0 && errno == EINTR) {
  }
}

[[noreturn]] void helper_main(const ChildPlan& c) noexcept {
  Channel channel(c.channel_fd);
  run_child(channel, "exec", [&] {
    // Until its exec, the container cannot open its /proc/PID entries: exe
    // (lit's binary), fd, mem (CVE-2019-5736). Forks inherit this.
    check_sys(::prctl(PR_SET_DUMPABLE, 0), "make the exec helper non-dumpable");
    // Joined before the namespaces: the process is born in the container's cgroup.
    c.cgroup->join_self();
    if (channel.receive().kind != ChannelMessage::Go) ::_exit(125);  // lit gave up
    // With its user namespace (which the kernel joins first): then as that
    // namespace's root, so that what it creates (a pty) has a mapped owner.
    const bool userns = c.record->spec.userns.enabled();
    check_sys(::setns(c.init_pidfd, kNamespaces | (userns ? CLONE_NEWUSER : 0)),
              "join the namespaces of container", c.record->name);
    if (userns) become_userns_root();
    if (c.detached)
      spawn_orphan(c, channel);
    else
      spawn_sibling(c, channel);
  });
}

pid_t read_pid(int fd) {
  pid_t pid = -1;
  ssize_t n;
  while ((n = ::read(fd, &pid, sizeof pid)) < 0 && errno == EINTR) {
  }
  return n == sizeof pid ? pid : -1;
}

void reap(pid_t pid) {
  while (::waitpid(pid, nullptr, 0) < 0 && errno == EINTR) {
  }
}

}  // namespace

ChildGuard::~ChildGuard() {
  if (pid_ <= 0) return;
  ::kill(pid_, SIGKILL);
  reap(pid_);
}

UniqueFd open_running_init(const ContainerRecord& r) {
  ContainerState st = observed_state(r);
  if (st.status != ContainerStatus::Running || st.pid <= 0) throw not_running(r);
  UniqueFd fd(static_cast<int>(::syscall(SYS_pidfd_open, st.pid, 0)));
  if (!fd) {
    if (errno == ESRCH) throw not_running(r);
    throw Error::sys("open the init of container " + r.name + ", pid", std::to_string(st.pid),
                     errno);
  }
  // The pid may have been reused since the record was read: the start time tells.
  if (!process_alive(st.pid, st.pid_start_time)) throw not_running(r);
  return fd;
}

SpawnedExec spawn_in_container(const ContainerRecord& r, const ProcessSpec& p,
                               const ExecStdio& stdio, bool detached,
                               const std::filesystem::path& seccomp_cache) {
  UniqueFd init = open_running_init(r);
  auto cgroup = cgroups::manager_for(r.spec.cgroup_manager)->open(r.id);
  UniqueFd parent_end, child_end;
  Channel::make_pair(parent_end, child_end);
  int pipe_fds[2];
  check_sys(::pipe2(pipe_fds, O_CLOEXEC), "create pipe");
  UniqueFd pid_r(pipe_fds[0]), pid_w(pipe_fds[1]);
  auto seccomp = security::seccomp_program_for(r.spec.security, seccomp_cache);
  // The container's own profile, loaded when it started.
  const std::string apparmor =
      security::host_apparmor_profile(r.spec.security.apparmor, r.spec.security.privileged);
  UniqueFd trampoline = open_exec_trampoline();
  ChildPlan plan{&r,
                 &p,
                 &stdio,
                 init.get(),
                 child_end.get(),
                 pid_w.get(),
                 detached,
                 cgroup.get(),
                 seccomp ? &*seccomp : nullptr,
                 &apparmor,
                 trampoline.get()};

  pid_t helper = ::fork();
  if (helper < 0) throw Error::sys("fork", "", errno);
  if (helper == 0) helper_main(plan);
  ChildGuard helper_guard(helper);
  child_end.reset();
  pid_w.reset();
  Channel channel(parent_end.get());
  channel.send_go();
  SpawnedExec out;
  if (!detached) out.pid = read_pid(pid_r.get());
  reap(helper);
  helper_guard.reaped();
  ChildGuard process_guard(out.pid);
  for (;;) {
    ChannelMessage m = channel.receive();
    if (m.kind == ChannelMessage::Eof) break;
    if (m.kind == ChannelMessage::Master) out.master = std::move(m.fd);
    if (m.kind == ChannelMessage::Failure) throw StartError(std::move(m.error), m.exit_code);
  }
  if (!detached && out.pid <= 0)
    throw Error("exec in container " + r.name + ": the helper process died");
  process_guard.reaped();
  return out;
}

MergedOutput merged_output() {
  int fds[2];
  check_sys(::pipe2(fds, O_CLOEXEC), "create pipe");
  MergedOutput m{UniqueFd(fds[0]), UniqueFd(fds[1]),
                 UniqueFd(::open("/dev/null", O_RDONLY | O_CLOEXEC))};
  if (!m.null) throw Error::sys("open", "/dev/null", errno);
  return m;
}

ExecStdio MergedOutput::stdio() const {
  ExecStdio s;
  s.fds[0] = null.get();
  s.fds[1] = s.fds[2] = write.get();
  return s;
}

}  // namespace lit::runtime
