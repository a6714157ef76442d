#pragma once
// Terminals for -t: the pty is allocated inside the container (from its own
// devpts instance) and only the master travels to lit; lit puts its own
// terminal in raw mode and copies bytes both ways.
#include <sys/ioctl.h>
#include <sys/types.h>
#include <termios.h>

#include <optional>

#include "runtime/util/fs.hpp"

namespace lit::runtime {

// In the init, after pivot_root: opens /dev/pts/ptmx, makes the slave its
// controlling terminal and stdin/stdout/stderr (also bound on /dev/console),
// and returns the master. The init must already lead its own session.
UniqueFd open_container_pty(const std::optional<winsize>& size, uid_t uid);

// The size of lit's terminal (stdout, else stdin), if it has one.
std::optional<winsize> terminal_size();

// Puts lit's stdin in raw mode while alive, if it is a terminal.
class RawTerminal {
 public:
  RawTerminal();
  ~RawTerminal();
  RawTerminal(const RawTerminal&) = delete;
  RawTerminal& operator=(const RawTerminal&) = delete;

 private:
  std::optional<termios> saved_;
};

}  // namespace lit::runtime
