// Joining a user's rootless session (session.hpp), or making it first.
#include <fcntl.h>
#include <sched.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <climits>
#include <cstdlib>
#include <string>

#include "runtime/rootless/session.hpp"
#include "runtime/rootless/session_files.hpp"
#include "runtime/util/error.hpp"

namespace lit::rootless {
namespace {

constexpr const char* kLockFdEnv = "_LIT_ROOTLESS_LOCK_FD";

// Held for the process's life: the session is not ended while it is open.
UniqueFd& session_lock() {
  static UniqueFd fd;
  return fd;
}

bool same_namespace(const std::string& a, const std::string& b) {
  struct stat sa {
  }, sb{};
  return ::stat(a.c_str(), &sa) == 0 && ::stat(b.c_str(), &sb) == 0 && sa.st_ino == sb.st_ino &&
         sa.st_dev == sb.st_dev;
}

std::string ns_path(pid_t pid, const char* which) {
  return "/proc/" + std::to_string(pid) + "/ns/" + which;
}

// setns resets the working directory to the new namespace's root: come back to
// the same path (the session's mounts are a copy of the host's).
void join(pid_t pause) {
  char cwd[PATH_MAX];
  const bool had_cwd = ::getcwd(cwd, sizeof cwd) != nullptr;
  UniqueFd user(::open(ns_path(pause, "user").c_str(), O_RDONLY | O_CLOEXEC));
  UniqueFd mnt(::open(ns_path(pause, "mnt").c_str(), O_RDONLY | O_CLOEXEC));
  if (!user || !mnt)
    throw Error::sys("open the namespaces of lit-pause", std::to_string(pause), errno);
  check_sys(::setns(user.get(), CLONE_NEWUSER), "join the rootless session's user namespace",
            ns_path(pause, "user"));
  check_sys(::setns(mnt.get(), CLONE_NEWNS), "join the rootless session's mount namespace",
            ns_path(pause, "mnt"));
  if (!had_cwd || ::chdir(cwd) < 0) [[maybe_unused]]
    int rc = ::chdir("/");
  ::setenv(kSessionEnv, std::to_string(pause).c_str(), 1);
}

// What lit and the processes it starts find in the environment from now on:
// the user's directories (lit is root of the session's user namespace now).
void keep_dirs_in_environment(const Paths& paths) {
  ::setenv("LIT_ROOT", paths.root.c_str(), 1);
  ::setenv("LIT_RUN_ROOT", paths.run_root.c_str(), 1);
}

// A lit already in the session (re-executed by enter(), or started by a lit or
// a supervisor there): the shared lock it inherited, else a new one.
void hold_session_lock(const Paths& paths) {
  if (const char* fd = std::getenv(kLockFdEnv)) {
    int n = std::atoi(fd);
    ::unsetenv(kLockFdEnv);
    if (n > 2 && ::fcntl(n, F_SETFD, FD_CLOEXEC) == 0) {
      session_lock().reset(n);
      return;
    }
  }
  SessionFiles files(paths.run_root);
  UniqueFd lock(::open(files.lock().c_str(), O_RDWR | O_CLOEXEC));
  if (lock && ::flock(lock.get(), LOCK_SH) == 0) session_lock() = std::move(lock);
}

// The process that joined runs lit again from the start: its memory then
// belongs to the session's user namespace, as a process started there does
// (the kernel checks access to a non-dumpable child, such as a container's
// init before its exec, against the namespace of its parent's memory).
[[noreturn]] void run_again(char** argv) {
  ::fcntl(session_lock().get(), F_SETFD, 0);  // the lock is held across the exec
  ::setenv(kLockFdEnv, std::to_string(session_lock().get()).c_str(), 1);
  ::execv("/proc/self/exe", argv);
  throw Error::sys("run lit again in the rootless session", "/proc/self/exe", errno);
}

}  // namespace

void enter(const Paths& paths, char** argv) {
  if (active() && same_namespace("/proc/self/ns/user", ns_path(pause_pid(), "user"))) {
    hold_session_lock(paths);
    return;
  }
  if (::geteuid() == 0 && !active()) return;
  ::unsetenv(kSessionEnv);
  keep_dirs_in_environment(paths);
  SessionFiles files(paths.run_root);
  files.make_dir();
  UniqueFd lock(::open(files.lock().c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0600));
  if (!lock) throw Error::sys("open", files.lock().string(), errno);
  check_sys(::flock(lock.get(), LOCK_EX), "lock", files.lock().string());
  pid_t pause = files.live_pause();
  if (pause == 0) pause = create_session(files);
  join(pause);
  ::flock(lock.get(), LOCK_SH);  // others may join now; end_if_idle waits for all to leave
  session_lock() = std::move(lock);
  if (argv) run_again(argv);
}

void end_if_idle(const std::filesystem::path& root,
                 const std::filesystem::path& run_root) noexcept {
  if (!active() || !session_lock()) return;
  try {
    SessionFiles files(run_root);
    if (files.has_records(root)) return;
    // Another lit still in the session holds its shared lock: it may be making something.
    if (::flock(session_lock().get(), LOCK_EX | LOCK_NB) < 0) return;
    if (files.has_records(root)) {
      ::flock(session_lock().get(), LOCK_SH);
      return;
    }
    files.stop_session();
  } catch (const std::exception&) {
  }
}

}  // namespace lit::rootless
