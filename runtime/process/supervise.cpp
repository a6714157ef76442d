#include "runtime/process/supervise.hpp"

#include <fcntl.h>
#include <poll.h>
#include <sys/ioctl.h>
#include <sys/signalfd.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <string>

#include "runtime/process/pty.hpp"
#include "runtime/util/error.hpp"
#include "runtime/util/io.hpp"

namespace lit::runtime {
namespace {

// Copies what is readable; false at end of input (EOF, or EIO once the pty's
// slave side is closed by everyone).
bool pump(int from, int to) {
  char buf[65536];
  ssize_t n = ::read(from, buf, sizeof buf);
  if (n < 0) return errno == EINTR || errno == EAGAIN;
  if (n == 0) return false;
  // A reader that went away (EPIPE/EIO) drops the output, as a terminal would.
  (void)write_all(to, std::string_view(buf, static_cast<size_t>(n)));
  return true;
}

ExitStatus reap(pid_t pid) {
  int st = wait_status_of(pid);
  if (st < 0) throw Error::sys("wait for container", std::to_string(pid), errno);
  ExitStatus s;
  s.signal = WIFSIGNALED(st) ? WTERMSIG(st) : 0;
  s.code = exit_code_of(st);
  return s;
}

void on_signal(const Supervised& s, const ForwardedSignals& signals) {
  const int sig = signals.next();
  if (sig == 0) return;
  if (sig == SIGWINCH) {
    if (auto ws = terminal_size(); ws && s.master >= 0) ::ioctl(s.master, TIOCSWINSZ, &*ws);
    return;
  }
  ::syscall(SYS_pidfd_send_signal, s.pidfd, sig, nullptr, 0);
}

}  // namespace

ForwardedSignals::ForwardedSignals()
    : ForwardedSignals({SIGINT, SIGTERM, SIGHUP, SIGQUIT, SIGUSR1, SIGUSR2, SIGWINCH}) {}

ForwardedSignals::ForwardedSignals(std::initializer_list<int> signals) {
  sigset_t set;
  sigemptyset(&set);
  for (int sig : signals) sigaddset(&set, sig);
  check_sys(::sigprocmask(SIG_BLOCK, &set, &old_), "block signals");
  fd_.reset(::signalfd(-1, &set, SFD_CLOEXEC | SFD_NONBLOCK));
  if (!fd_) {
    int e = errno;
    ::sigprocmask(SIG_SETMASK, &old_, nullptr);
    throw Error::sys("create signalfd", "", e);
  }
}

int ForwardedSignals::next() const {
  signalfd_siginfo info{};
  if (::read(fd_.get(), &info, sizeof info) != sizeof info) return 0;
  return static_cast<int>(info.ssi_signo);
}

ForwardedSignals::~ForwardedSignals() { ::sigprocmask(SIG_SETMASK, &old_, nullptr); }

ExitStatus supervise(const Supervised& s, const ForwardedSignals& signals) {
  if (s.master >= 0) ::fcntl(s.master, F_SETFL, ::fcntl(s.master, F_GETFL) | O_NONBLOCK);
  bool exited = false, master_open = s.master >= 0, stdin_open = s.copy_stdin;
  ExitStatus status;
  // After the init exits, the pty still holds its last output: drain to EIO.
  while (!exited || master_open) {
    pollfd fds[4] = {
        {s.pidfd, POLLIN, 0}, {signals.fd(), POLLIN, 0}, {-1, POLLIN, 0}, {-1, POLLIN, 0}};
    if (exited) fds[0].fd = -1;
    if (master_open) fds[2].fd = s.master;
    if (stdin_open && !exited) fds[3].fd = STDIN_FILENO;
    int n = ::poll(fds, 4, exited ? 1000 : -1);
    if (n < 0 && errno != EINTR)
      throw Error::sys("wait for container", std::to_string(s.pid), errno);
    if (n == 0) break;  // drained as far as anyone will write
    if (fds[1].revents) on_signal(s, signals);
    if (fds[2].revents) master_open = pump(s.master, STDOUT_FILENO);
    if (fds[3].revents && !pump(STDIN_FILENO, s.master)) stdin_open = false;
    if (fds[0].revents) {
      status = reap(s.pid);
      exited = true;
    }
  }
  return status;
}

}  // namespace lit::runtime
