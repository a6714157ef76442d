#pragma once
// Ctrl-C (or SIGTERM) while `up`, `down`, `start`... apply a plan: the first
// one cancels what has not started yet, lets the actions in progress finish
// (so nothing is left half-made) and makes the command exit 130, as compose
// does; a second one ends lit at once.
#include <stop_token>
#include <thread>

#include "runtime/process/supervise.hpp"
#include "runtime/util/fs.hpp"

namespace lit::app {

class CancelOnInterrupt {
 public:
  // Blocks SIGINT and SIGTERM in the calling thread (threads started later
  // inherit that) and watches them from a thread of its own. Construct it
  // before starting workers.
  CancelOnInterrupt();
  ~CancelOnInterrupt();
  CancelOnInterrupt(const CancelOnInterrupt&) = delete;
  CancelOnInterrupt& operator=(const CancelOnInterrupt&) = delete;

  std::stop_token token() const { return source_.get_token(); }
  bool interrupted() const { return source_.stop_requested(); }

 private:
  void watch();

  runtime::ForwardedSignals signals_;
  UniqueFd wake_;  // eventfd: the destructor ends the watcher
  std::stop_source source_;
  std::thread watcher_;
};

}  // namespace lit::app
