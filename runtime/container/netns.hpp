#pragma once
// Inside a new network namespace only "lo" exists, and it starts down.
#include <exception>
#include <thread>

#include "runtime/util/fs.hpp"

namespace lit::runtime {

void bring_up_loopback();

// A new network namespace is about a millisecond of kernel work (every
// protocol sets itself up in it), the most expensive part of a container's
// clone. This makes one, with its loopback up, on a thread of its own while the
// caller prepares the container's cgroup and rootfs; the init then joins it.
// The namespace lives as long as the fd or a process in it.
class BackgroundNetns {
 public:
  BackgroundNetns();
  ~BackgroundNetns();  // joins the thread; an untaken namespace goes with its fd
  BackgroundNetns(const BackgroundNetns&) = delete;
  BackgroundNetns& operator=(const BackgroundNetns&) = delete;

  // Waits for the thread: the namespace's fd, or the error that stopped it.
  // Afterwards the process is single-threaded again (a fork-style clone is safe).
  UniqueFd take();

 private:
  void make() noexcept;

  UniqueFd fd_;
  std::exception_ptr error_;
  std::thread thread_;  // last: starts once the members it writes exist
};

}  // namespace lit::runtime
