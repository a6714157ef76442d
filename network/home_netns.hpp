#pragma once
// Where lit's networks live: the host's network namespace as root; a rootless
// session's own (runtime/rootless/session.hpp) for a user without root, whose
// lit processes keep the host's on their main thread (their supervisors bind
// published ports there). Network namespaces are per thread: in a session, the
// network manager's work runs on a thread that enters the session's namespace
// and ends with the work (a thread cannot return to the host's).
#include <functional>
#include <optional>
#include <type_traits>
#include <utility>

namespace lit::network {

// Runs fn on a thread in the session's network namespace; rethrows what it threw.
void run_in_session_netns(const std::function<void()>& fn);

// True on a thread already in lit's network namespace (always, as root).
bool in_home_netns_now();

// fn() where lit's networks live: directly as root (or when already there),
// else through run_in_session_netns.
template <class F>
auto in_home_netns(F&& fn) -> decltype(fn()) {
  if (in_home_netns_now()) return fn();
  using R = decltype(fn());
  if constexpr (std::is_void_v<R>) {
    run_in_session_netns([&] { fn(); });
  } else {
    std::optional<R> result;
    run_in_session_netns([&] { result.emplace(fn()); });
    return std::move(*result);
  }
}

}  // namespace lit::network
