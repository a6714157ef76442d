// peak-rss OUT CMD ARGS...: runs CMD and writes to OUT "HWM MAXRSS ANON FILE"
// in kB:
//   HWM    the peak resident set of CMD's own process (VmHWM of its memory,
//          read at its exit through ptrace's PTRACE_EVENT_EXIT stop, before
//          the kernel drops the memory), so nothing it forks is counted;
//   MAXRSS ru_maxrss from wait4: the largest of CMD and every descendant it
//          waited for (what `/usr/bin/time -f %M` prints);
//   ANON, FILE  what was resident at that exit: anonymous memory (heap,
//          stacks, data) and file pages (its binary's text, libraries).
// Exits with CMD's status (128+signal when killed). Used by edge-bench.sh.
#include <signal.h>
#include <sys/ptrace.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <string>

// A "Key:   123 kB" line of /proc/PID/status, in kB; -1 when missing.
static long status_kb(pid_t pid, const std::string& key) {
  std::ifstream in("/proc/" + std::to_string(pid) + "/status");
  std::string line;
  while (std::getline(in, line))
    if (line.rfind(key + ":", 0) == 0)
      return std::strtol(line.c_str() + key.size() + 1, nullptr, 10);
  return -1;
}

int main(int argc, char** argv) {
  if (argc < 3) {
    std::fprintf(stderr, "usage: peak-rss OUT CMD [ARGS...]\n");
    return 2;
  }
  pid_t pid = ::fork();
  if (pid < 0) return 125;
  if (pid == 0) {
    ::ptrace(PTRACE_TRACEME, 0, nullptr, nullptr);
    ::raise(SIGSTOP);
    ::execvp(argv[2], argv + 2);
    std::perror(argv[2]);
    ::_exit(127);
  }
  int st = 0;
  ::waitpid(pid, &st, 0);  // the SIGSTOP before exec
  ::ptrace(PTRACE_SETOPTIONS, pid, nullptr,
           reinterpret_cast<void*>(PTRACE_O_TRACEEXIT | PTRACE_O_TRACEEXEC));
  ::ptrace(PTRACE_CONT, pid, nullptr, nullptr);
  long hwm = -1, anon = -1, file = -1;
  struct rusage ru {};
  for (;;) {
    if (::wait4(pid, &st, 0, &ru) < 0) return 125;
    if (WIFEXITED(st) || WIFSIGNALED(st)) break;
    if (!WIFSTOPPED(st)) continue;
    int sig = WSTOPSIG(st);
    int event = st >> 16;
    if (sig == SIGTRAP && event == PTRACE_EVENT_EXIT) {
      hwm = status_kb(pid, "VmHWM");
      anon = status_kb(pid, "RssAnon");
      file = status_kb(pid, "RssFile");
      sig = 0;
    } else if (sig == SIGTRAP && event != 0) {
      sig = 0;  // exec
    }
    ::ptrace(PTRACE_CONT, pid, nullptr, reinterpret_cast<void*>(static_cast<long>(sig)));
  }
  if (FILE* out = std::fopen(argv[1], "w")) {
    std::fprintf(out, "%ld %ld %ld %ld\n", hwm, ru.ru_maxrss, anon, file);
    std::fclose(out);
  }
  return WIFEXITED(st) ? WEXITSTATUS(st) : 128 + WTERMSIG(st);
}
