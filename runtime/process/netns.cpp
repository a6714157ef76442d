#include "runtime/process/netns.hpp"

#include <fcntl.h>
#include <net/if.h>
#include <netinet/in.h>
#include <sched.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <utility>

#include "runtime/util/error.hpp"

namespace lit::runtime {

int set_loopback_up(const char** step) noexcept {
  *step = "open socket to configure";
  int sock = ::socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
  if (sock < 0) return errno;
  ifreq req{};
  std::strncpy(req.ifr_name, "lo", IFNAMSIZ - 1);
  int err = 0;
  *step = "get flags of";
  if (::ioctl(sock, SIOCGIFFLAGS, &req) < 0) {
    err = errno;
  } else {
    *step = "bring up";
    req.ifr_flags = static_cast<short>(req.ifr_flags | IFF_UP | IFF_RUNNING);
    if (::ioctl(sock, SIOCSIFFLAGS, &req) < 0) err = errno;
  }
  ::close(sock);
  return err;
}

void bring_up_loopback() {
  const char* step = nullptr;
  if (int err = set_loopback_up(&step)) throw Error::sys(step, "lo", err);
}

}  // namespace lit::runtime
