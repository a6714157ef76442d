// lit-init: lit's minimal init for `--init` containers, PID 1 inside them.
//   lit-init -- COMMAND [ARG...]
// Runs COMMAND as its child, forwards SIGTERM, SIGINT, SIGHUP, SIGQUIT, SIGUSR1,
// SIGUSR2 and SIGWINCH to it, reaps every process re-parented to it (zombies),
// and exits with the command's status (128+signal when killed by one).
// Static and C-style: it runs in any image and costs almost nothing.
//   lit-init --pause
// lit-pause, which holds a rootless session's namespaces (runtime/rootless/
// session.hpp): it sleeps until SIGTERM, SIGINT or SIGKILL ends it.
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <termios.h>
#include <unistd.h>

namespace {

constexpr int kForwarded[] = {SIGTERM, SIGINT, SIGHUP, SIGQUIT, SIGUSR1, SIGUSR2, SIGWINCH};

// The child gets its own process group, foreground on the terminal if there is
// one: a ^C on the pty then reaches it once, not twice (directly and forwarded).
[[noreturn]] void run_child(char** argv, const sigset_t* saved) {
  setpgid(0, 0);
  if (isatty(STDIN_FILENO)) tcsetpgrp(STDIN_FILENO, getpid());  // SIGTTOU is still blocked here
  sigprocmask(SIG_SETMASK, saved, nullptr);
  execvp(argv[0], argv);
  int err = errno;
  fprintf(stderr, "lit-init: exec %s: %s\n", argv[0], strerror(err));
  _exit(err == ENOENT || err == ENOTDIR ? 127 : 126);
}

int status_code(int status) {
  return WIFSIGNALED(status) ? 128 + WTERMSIG(status) : WEXITSTATUS(status);
}

// Reaps everything that has exited; true (and *code) once `child` is among them.
bool reap_all(pid_t child, int* code) {
  bool child_done = false;
  for (;;) {
    int status = 0;
    pid_t pid = waitpid(-1, &status, WNOHANG);
    if (pid < 0 && errno == EINTR) continue;
    if (pid <= 0) return child_done;
    if (pid == child) {
      *code = status_code(status);
      child_done = true;
    }
  }
}

[[noreturn]] void pause_forever() {
  prctl(PR_SET_NAME, "lit-pause");
  sigset_t all;
  sigfillset(&all);
  sigdelset(&all, SIGTERM);
  sigdelset(&all, SIGINT);
  sigprocmask(SIG_SETMASK, &all, nullptr);
  signal(SIGTERM, SIG_DFL);
  signal(SIGINT, SIG_DFL);
  for (;;) pause();
}

}  // namespace

int main(int argc, char** argv) {
  if (argc == 2 && strcmp(argv[1], "--pause") == 0) pause_forever();
  int first = 1;
  if (first < argc && strcmp(argv[first], "--") == 0) ++first;
  if (first >= argc) {
    fprintf(stderr, "usage: lit-init -- COMMAND [ARG...]\n");
    return 125;
  }
  // PID 1 gets no signal it has no handler for, except those it has blocked:
  // blocked, they stay pending for sigwaitinfo below.
  sigset_t set, saved;
  sigemptyset(&set);
  for (int sig : kForwarded) sigaddset(&set, sig);
  sigaddset(&set, SIGCHLD);
  sigaddset(&set, SIGTTIN);
  sigaddset(&set, SIGTTOU);
  signal(SIGCHLD, SIG_DFL);  // SIG_IGN would make the kernel reap, and hide the status
  sigprocmask(SIG_BLOCK, &set, &saved);

  pid_t child = fork();
  if (child < 0) {
    fprintf(stderr, "lit-init: fork: %s\n", strerror(errno));
    return 125;
  }
  if (child == 0) run_child(argv + first, &saved);

  for (;;) {
    siginfo_t info;
    int sig = sigwaitinfo(&set, &info);
    if (sig < 0) continue;  // EINTR
    if (sig == SIGCHLD) {
      int code = 0;
      if (reap_all(child, &code)) return code;
    } else if (sig != SIGTTIN && sig != SIGTTOU) {
      kill(child, sig);
    }
  }
}
