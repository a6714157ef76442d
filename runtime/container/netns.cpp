#include "runtime/container/netns.hpp"

#include <net/if.h>
#include <netinet/in.h>
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

}  // namespace lit::runtime
