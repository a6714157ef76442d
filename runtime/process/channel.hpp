#pragma once
// The parent <-> init channel: one SOCK_SEQPACKET socketpair (close-on-exec).
// The parent says "go" once the init is in its cgroup; the init may send the
// pty master (SCM_RIGHTS) and, on failure, one serialized error. A successful
// exec closes the init's end, so the parent reads EOF: the container started.
#include <string>

#include "runtime/util/error.hpp"
#include "runtime/util/fs.hpp"

namespace lit::runtime {

struct ChannelMessage {
  enum Kind { Eof, Go, Master, Failure, Rootfs } kind = Eof;
  // Master; Go: the network namespace to join, if any; Rootfs: the root lit
  // made for a container with its own user namespace (a detached mount).
  UniqueFd fd;
  int exit_code = 125;  // Failure: the exit code the CLI should use
  Error error{""};      // Failure
};

class Channel {
 public:
  // Creates both ends; parent() and child() are then used by each side.
  static void make_pair(UniqueFd& parent, UniqueFd& child);

  explicit Channel(int fd) : fd_(fd) {}
  // With fd >= 0, the network namespace the init is to join comes with it.
  void send_go(int netns_fd = -1) const;
  void send_master(int master_fd) const;
  // Before "go": the container's root as a detached mount (user namespaces).
  void send_rootfs(int mount_fd) const;
  // Never throws: the init calls it on its way out.
  void send_failure(const Error& e, int exit_code) const noexcept;
  ChannelMessage receive() const;

 private:
  void send(char kind, int fd, const char* what) const;

  int fd_;
};

}  // namespace lit::runtime
