#include "runtime/process/background_start.hpp"

#include <fcntl.h>
#include <sched.h>
#include <spdlog/spdlog.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <utility>

#include "runtime/process/netns.hpp"
#include "runtime/util/error.hpp"

namespace lit::runtime {

BackgroundStart::BackgroundStart(bool netns, DetachedOverlay* overlay)
    : want_netns_(netns), overlay_(overlay) {
  int err = ::pthread_create(&thread_, nullptr, &BackgroundStart::make, this);
  if (err != 0) throw Error::sys("start a thread to prepare the container", "", err);
  joinable_ = true;
}

BackgroundStart::~BackgroundStart() {
  join();
  if (netns_fd_ >= 0) ::close(netns_fd_);
}

void BackgroundStart::join() noexcept {
  if (joinable_) ::pthread_join(thread_, nullptr);
  joinable_ = false;
}

void* BackgroundStart::make(void* self) noexcept {
  auto* me = static_cast<BackgroundStart*>(self);
  if (me->overlay_) me->overlay_err_ = me->overlay_->make(&me->overlay_failed_);
  if (!me->want_netns_) return nullptr;
  // Only this thread moves: its siblings keep the host's network.
  if (::unshare(CLONE_NEWNET) < 0) {
    me->err_ = errno;
    me->failed_ = "create network namespace";
  } else if (int err = set_loopback_up(&me->failed_)) {
    me->err_ = err;
    me->target_ = "lo";
  } else if ((me->netns_fd_ = ::open("/proc/thread-self/ns/net", O_RDONLY | O_CLOEXEC)) < 0) {
    me->err_ = errno;
    me->failed_ = "open";
    me->target_ = "/proc/thread-self/ns/net";
  }
  return nullptr;
}

UniqueFd BackgroundStart::take_netns() {
  join();
  if (err_ != 0) throw Error::sys(failed_, target_, err_);
  return UniqueFd(std::exchange(netns_fd_, -1));
}

UniqueFd BackgroundStart::take_overlay() {
  join();
  if (!overlay_) return {};
  if (overlay_err_ != 0)
    spdlog::debug("the init mounts the overlay itself: {}: {}", overlay_failed_,
                  std::strerror(overlay_err_));
  return overlay_->take();
}

}  // namespace lit::runtime
