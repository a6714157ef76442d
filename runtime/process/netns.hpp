#pragma once
// Inside a new network namespace only "lo" exists, and it starts down.
#include <pthread.h>

#include "runtime/util/fs.hpp"

namespace lit::runtime {

void bring_up_loopback();

// A new network namespace is about a millisecond of kernel work (every
// protocol sets itself up in it), the most expensive part of a container's
// clone. This makes one, with its loopback up, on a thread of its own while the
// caller prepares the container's cgroup and rootfs and clones its init; the
// init then joins it. The namespace lives as long as the fd or a process in it.
//
// The init may be cloned while the thread still runs: a fork-style clone
// (no glibc fork handlers) copies memory as it is, so the thread allocates
// nothing and takes no lock of the C library (pthread, not std::thread, whose
// state the thread itself frees; errors are an errno and a static string),
// and the init's copy can never hold a malloc lock the thread had.
class BackgroundNetns {
 public:
  BackgroundNetns();   // throws if no thread can be started
  ~BackgroundNetns();  // joins the thread; an untaken namespace is closed
  BackgroundNetns(const BackgroundNetns&) = delete;
  BackgroundNetns& operator=(const BackgroundNetns&) = delete;

  // Waits for the thread: the namespace's fd, or the error that stopped it.
  UniqueFd take();

 private:
  static void* make(void* self) noexcept;
  void join() noexcept;

  int fd_ = -1;
  int err_ = 0;
  const char* failed_ = "";  // what failed and on what (static strings), with err_
  const char* target_ = "";
  pthread_t thread_{};
  bool joinable_ = false;
};

}  // namespace lit::runtime
