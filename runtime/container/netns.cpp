#include "runtime/container/netns.hpp"

#include <fcntl.h>
#include <net/if.h>
#include <netinet/in.h>
#include <sched.h>
#include <sys/ioctl.h>
#include <sys/socket.h>

#include <cerrno>
#include <cstring>

#include "runtime/util/error.hpp"
#include "runtime/util/fs.hpp"

namespace lit::runtime {

void bring_up_loopback() {
  UniqueFd sock(::socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0));
  if (!sock) throw Error::sys("open socket to configure", "lo", errno);
  ifreq req{};
  std::strncpy(req.ifr_name, "lo", IFNAMSIZ - 1);
  check_sys(::ioctl(sock.get(), SIOCGIFFLAGS, &req), "get flags of", "lo");
  req.ifr_flags = static_cast<short>(req.ifr_flags | IFF_UP | IFF_RUNNING);
  check_sys(::ioctl(sock.get(), SIOCSIFFLAGS, &req), "bring up", "lo");
}

BackgroundNetns::BackgroundNetns() : thread_([this] { make(); }) {}

BackgroundNetns::~BackgroundNetns() {
  if (thread_.joinable()) thread_.join();
}

void BackgroundNetns::make() noexcept {
  try {
    // Only this thread moves: its siblings keep the host's network.
    check_sys(::unshare(CLONE_NEWNET), "create network namespace");
    bring_up_loopback();
    fd_ = UniqueFd(::open("/proc/thread-self/ns/net", O_RDONLY | O_CLOEXEC));
    if (!fd_) throw Error::sys("open", "/proc/thread-self/ns/net", errno);
  } catch (...) {
    error_ = std::current_exception();
  }
}

UniqueFd BackgroundNetns::take() {
  if (thread_.joinable()) thread_.join();
  if (error_) std::rethrow_exception(error_);
  return std::move(fd_);
}

}  // namespace lit::runtime
