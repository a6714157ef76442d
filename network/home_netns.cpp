#include "network/home_netns.hpp"

#include <sched.h>

#include <exception>
#include <thread>

#include "runtime/rootless/session.hpp"
#include "runtime/util/error.hpp"

namespace lit::network {
namespace {
thread_local bool t_in_session = false;
}  // namespace

bool in_home_netns_now() { return t_in_session || !rootless::active(); }

void run_in_session_netns(const std::function<void()>& fn) {
  const int netns = rootless::netns_fd();
  std::exception_ptr failure;
  std::thread([&] {
    try {
      check_sys(::setns(netns, CLONE_NEWNET), "enter the rootless session's network namespace",
                "/proc/" + std::to_string(rootless::pause_pid()) + "/ns/net");
      t_in_session = true;
      fn();
    } catch (...) {
      failure = std::current_exception();
    }
  }).join();
  if (failure) std::rethrow_exception(failure);
}

}  // namespace lit::network
