#include "runtime/process/pty.hpp"

#include <fcntl.h>
#include <stdlib.h>
#include <sys/mount.h>
#include <unistd.h>

#include <cerrno>
#include <string>

#include "runtime/util/error.hpp"

namespace lit::runtime {

UniqueFd open_container_pty(const std::optional<winsize>& size, uid_t uid) {
  UniqueFd master(::open("/dev/pts/ptmx", O_RDWR | O_NOCTTY | O_CLOEXEC));
  if (!master) throw Error::sys("open", "/dev/pts/ptmx", errno);
  check_sys(::unlockpt(master.get()), "unlock pty", "/dev/pts/ptmx");
  if (size)
    check_sys(::ioctl(master.get(), TIOCSWINSZ, &*size), "set terminal size", "/dev/pts/ptmx");
  // TIOCGPTPEER opens the peer of this very master, with no path lookup.
  UniqueFd slave(::ioctl(master.get(), TIOCGPTPEER, O_RDWR | O_NOCTTY));
  if (!slave) throw Error::sys("open pty slave", "/dev/pts", errno);
  if (uid != 0)
    check_sys(::fchown(slave.get(), uid, static_cast<gid_t>(-1)), "chown pty", "/dev/pts");
  unsigned n = 0;
  check_sys(::ioctl(master.get(), TIOCGPTN, &n), "get pty number", "/dev/pts/ptmx");
  std::string slave_path = "/dev/pts/" + std::to_string(n);
  UniqueFd console(::open("/dev/console", O_CREAT | O_WRONLY | O_NOFOLLOW | O_CLOEXEC, 0600));
  if (!console) throw Error::sys("create", "/dev/console", errno);
  check_sys(::mount(slave_path.c_str(), "/dev/console", nullptr, MS_BIND, nullptr), "bind pty on",
            "/dev/console");
  check_sys(::ioctl(slave.get(), TIOCSCTTY, 0), "set controlling terminal", slave_path);
  for (int fd = 0; fd < 3; ++fd) check_sys(::dup2(slave.get(), fd), "attach pty", slave_path);
  return master;
}

std::optional<winsize> terminal_size() {
  winsize ws{};
  if (::ioctl(STDOUT_FILENO, TIOCGWINSZ, &ws) == 0 || ::ioctl(STDIN_FILENO, TIOCGWINSZ, &ws) == 0)
    return ws;
  return std::nullopt;
}

RawTerminal::RawTerminal() {
  termios t{};
  if (!::isatty(STDIN_FILENO) || ::tcgetattr(STDIN_FILENO, &t) < 0) return;
  saved_ = t;
  ::cfmakeraw(&t);
  ::tcsetattr(STDIN_FILENO, TCSANOW, &t);
}

RawTerminal::~RawTerminal() {
  if (saved_) ::tcsetattr(STDIN_FILENO, TCSANOW, &*saved_);
}

}  // namespace lit::runtime
