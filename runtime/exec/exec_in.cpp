#include "runtime/exec/exec_in.hpp"

#include <fcntl.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <cerrno>
#include <optional>

#include "runtime/exec/exec_spawn.hpp"
#include "runtime/process/pty.hpp"
#include "runtime/process/supervise.hpp"
#include "runtime/spec/create.hpp"
#include "runtime/spec/options.hpp"
#include "runtime/util/error.hpp"

namespace lit::runtime {
namespace {

// Failures past the "is it running" check read "exec in container web: ...".
template <typename F>
auto with_exec_context(const ContainerRecord& r, F&& f) {
  return with_start_context("exec in container " + r.name, std::forward<F>(f));
}

UniqueFd open_dev_null() {
  UniqueFd null(::open("/dev/null", O_RDWR | O_CLOEXEC));
  if (!null) throw Error::sys("open", "/dev/null", errno);
  return null;
}

}  // namespace

ProcessSpec exec_process_spec(const ContainerRecord& r, const ExecOptions& o) {
  if (o.args.empty()) throw Error("exec in container " + r.name + ": no command given");
  ProcessSpec p = r.spec.process;
  p.args = o.args;
  p.terminal = o.tty;
  p.stdin_open = o.interactive;
  if (!o.workdir.empty()) {
    if (o.workdir[0] != '/')
      throw Error("invalid working directory \"" + o.workdir + "\": it must be an absolute path");
    p.cwd = o.workdir;
  }
  if (!o.user.empty()) {
    ResolvedUser u = resolve_user(parse_user(o.user), r.spec.layers);
    p.uid = u.uid;
    p.gid = u.gid;
    p.additional_gids = u.additional_gids;
    set_env(p.env, "HOME=" + u.home);  // as runc does for the user it runs as
  }
  if (o.tty && !get_env(p.env, "TERM")) p.env.push_back("TERM=xterm");
  const EnvLookup lookup = process_env_lookup();
  for (const auto& e : o.env) {
    if (auto kv = parse_env_arg(e, lookup)) set_env(p.env, *kv);
  }
  return p;
}

ExitStatus exec_in(const ContainerRecord& r, const ExecOptions& o) {
  ProcessSpec p = exec_process_spec(r, o);
  open_running_init(r);  // "not running" is the user's mistake: no context needed
  return with_exec_context(r, [&] {
    UniqueFd null;
    ExecStdio stdio;
    if (o.tty) {
      stdio.window = terminal_size();
    } else if (!o.interactive) {
      null = open_dev_null();
      stdio.fds[0] = null.get();
    }
    ForwardedSignals signals;  // before the fork: no signal is lost meanwhile
    SpawnedExec s = spawn_in_container(r, p, stdio, false, o.seccomp_cache);
    ChildGuard guard(s.pid);
    UniqueFd pidfd(static_cast<int>(::syscall(SYS_pidfd_open, s.pid, 0)));
    if (!pidfd) throw Error::sys("open pidfd of", std::to_string(s.pid), errno);
    std::optional<RawTerminal> raw;
    if (s.master) raw.emplace();
    ExitStatus status =
        supervise({s.pid, pidfd.get(), s.master.get(), o.tty && o.interactive}, signals);
    guard.reaped();
    return status;
  });
}

void exec_detached(const ContainerRecord& r, const ExecOptions& o) {
  if (o.tty) throw Error("exec: -d cannot have a terminal (-t)").with_hint("drop -d or -t");
  ProcessSpec p = exec_process_spec(r, o);
  open_running_init(r);
  with_exec_context(r, [&] {
    UniqueFd null = open_dev_null();
    ExecStdio stdio;
    for (int& fd : stdio.fds) fd = null.get();  // nobody reads its output (as docker exec -d)
    spawn_in_container(r, p, stdio, true, o.seccomp_cache);
  });
}

}  // namespace lit::runtime
