#pragma once
// The container's /dev: a small tmpfs with the standard device nodes, its own
// devpts instance, /dev/shm, /dev/mqueue and the usual symlinks.
#include <cstdint>

namespace lit::runtime {

// What the container's /dev/shm is: a tmpfs of `size` bytes (the default),
// absent (ipc: none, as docker), or `tree`: a detached copy of a joined
// container's /dev/shm mount (ipc: container:NAME), attached there.
struct DevShm {
  std::int64_t size = 64 << 20;
  bool none = false;
  int tree = -1;
};

// root_fd: the rootfs (before pivot_root). Needs its IPC namespace entered for mqueue.
void setup_dev(int root_fd, const DevShm& shm);

}  // namespace lit::runtime
