#pragma once
// What a container's start can make on a thread of its own while lit prepares
// its cgroup and run directory and clones its init:
// - a new network namespace (--network none), with its loopback up: about a
//   millisecond of kernel work, every protocol setting itself up in it;
// - the root overlay as a detached mount (detached_overlay.hpp): overlayfs
//   probes its upper filesystem (a work directory, a tmpfile, an xattr) on
//   every mount.
// The init gets both with "go" and joins or attaches them. Each lives as long
// as an fd of it or (the namespace) a process in it.
//
// The init may be cloned while the thread still runs: a fork-style clone
// (no glibc fork handlers) copies memory as it is, so the thread allocates
// nothing and takes no lock of the C library (pthread, not std::thread, whose
// state the thread itself frees; errors are an errno and a static string),
// and the init's copy can never hold a malloc lock the thread had.
#include <pthread.h>

#include "runtime/rootfs/detached_overlay.hpp"
#include "runtime/util/fs.hpp"

namespace lit::runtime {

class BackgroundStart {
 public:
  // Starts the thread (throws if none can be started). netns: make a network
  // namespace; overlay (may be null): make it, kept by the caller until take_overlay.
  BackgroundStart(bool netns, DetachedOverlay* overlay);
  ~BackgroundStart();  // joins the thread; what was not taken is closed
  BackgroundStart(const BackgroundStart&) = delete;
  BackgroundStart& operator=(const BackgroundStart&) = delete;

  // Waits for the thread: the namespace's fd, or the error that stopped it.
  UniqueFd take_netns();
  // Waits for the thread: the overlay, or nothing when it could not be made
  // (the init then mounts it itself, and reports what fails there).
  UniqueFd take_overlay();

 private:
  static void* make(void* self) noexcept;
  void join() noexcept;

  bool want_netns_;
  DetachedOverlay* overlay_;
  int netns_fd_ = -1;
  int err_ = 0;
  const char* failed_ = "";  // what failed and on what (static strings), with err_
  const char* target_ = "";
  int overlay_err_ = 0;
  const char* overlay_failed_ = "";
  pthread_t thread_{};
  bool joinable_ = false;
};

}  // namespace lit::runtime
