#include "app/interrupt.hpp"

#include <poll.h>
#include <signal.h>
#include <sys/eventfd.h>
#include <unistd.h>

#include <cstdint>
#include <cstdio>

#include "runtime/util/error.hpp"

namespace lit::app {

CancelOnInterrupt::CancelOnInterrupt() : signals_({SIGINT, SIGTERM}) {
  wake_.reset(::eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK));
  if (!wake_) throw Error::sys("create eventfd", "", errno);
  watcher_ = std::thread([this] { watch(); });
}

CancelOnInterrupt::~CancelOnInterrupt() {
  const std::uint64_t one = 1;
  (void)::write(wake_.get(), &one, sizeof one);
  watcher_.join();
}

void CancelOnInterrupt::watch() {
  pollfd fds[2] = {{signals_.fd(), POLLIN, 0}, {wake_.get(), POLLIN, 0}};
  for (;;) {
    if (::poll(fds, 2, -1) < 0) {
      if (errno == EINTR) continue;
      return;
    }
    if (fds[1].revents != 0) return;
    for (int sig = signals_.next(); sig != 0; sig = signals_.next()) {
      if (!source_.stop_requested()) {
        std::fputs(
            "Interrupted: finishing what is in progress, skipping the rest "
            "(press Ctrl+C again to force)\n",
            stderr);
        source_.request_stop();
        continue;
      }
      // The second one: die of it, as lit did before it caught the first.
      ::signal(sig, SIG_DFL);
      sigset_t set;
      sigemptyset(&set);
      sigaddset(&set, sig);
      ::pthread_sigmask(SIG_UNBLOCK, &set, nullptr);
      ::raise(sig);
    }
  }
}

}  // namespace lit::app
