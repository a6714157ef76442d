#pragma once
// lit's side of a running container: one poll loop that forwards signals to
// the init, copies the pty both ways (with -t) and follows window size changes,
// until the init exits.
#include <signal.h>
#include <sys/types.h>

#include <initializer_list>

#include "runtime/process/run.hpp"
#include "runtime/util/fs.hpp"

namespace lit::runtime {

// Blocks the forwarded signals (and SIGWINCH) and reads them from a signalfd,
// restoring the previous mask when destroyed. Created before clone so no
// signal is lost; the init unblocks them for itself.
class ForwardedSignals {
 public:
  ForwardedSignals();
  // Only these signals (an attached `lit up` handles SIGINT and SIGTERM itself).
  explicit ForwardedSignals(std::initializer_list<int> signals);
  ~ForwardedSignals();
  ForwardedSignals(const ForwardedSignals&) = delete;
  ForwardedSignals& operator=(const ForwardedSignals&) = delete;
  int fd() const { return fd_.get(); }
  // The next pending signal, 0 when none is.
  int next() const;

 private:
  sigset_t old_{};
  UniqueFd fd_;
};

struct Supervised {
  pid_t pid;
  int pidfd;
  int master = -1;          // pty master with -t, else -1
  bool copy_stdin = false;  // -i with -t
};

// Returns once the init has exited (and was reaped) and the pty is drained.
ExitStatus supervise(const Supervised& s, const ForwardedSignals& signals);

}  // namespace lit::runtime
