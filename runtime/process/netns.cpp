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
namespace {

// 0 once lo is up, else the errno of the step that failed, named in *step.
// Allocates nothing: BackgroundNetns's thread uses it.
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

}  // namespace

void bring_up_loopback() {
  const char* step = nullptr;
  if (int err = set_loopback_up(&step)) throw Error::sys(step, "lo", err);
}

BackgroundNetns::BackgroundNetns() {
  int err = ::pthread_create(&thread_, nullptr, &BackgroundNetns::make, this);
  if (err != 0) throw Error::sys("start a thread to create the network namespace", "", err);
  joinable_ = true;
}

BackgroundNetns::~BackgroundNetns() {
  join();
  if (fd_ >= 0) ::close(fd_);
}

void BackgroundNetns::join() noexcept {
  if (joinable_) ::pthread_join(thread_, nullptr);
  joinable_ = false;
}

void* BackgroundNetns::make(void* self) noexcept {
  auto* me = static_cast<BackgroundNetns*>(self);
  // Only this thread moves: its siblings keep the host's network.
  if (::unshare(CLONE_NEWNET) < 0) {
    me->err_ = errno;
    me->failed_ = "create network namespace";
  } else if (int err = set_loopback_up(&me->failed_)) {
    me->err_ = err;
    me->target_ = "lo";
  } else if ((me->fd_ = ::open("/proc/thread-self/ns/net", O_RDONLY | O_CLOEXEC)) < 0) {
    me->err_ = errno;
    me->failed_ = "open";
    me->target_ = "/proc/thread-self/ns/net";
  }
  return nullptr;
}

UniqueFd BackgroundNetns::take() {
  join();
  if (err_ != 0) throw Error::sys(failed_, target_, err_);
  return UniqueFd(std::exchange(fd_, -1));
}

}  // namespace lit::runtime
