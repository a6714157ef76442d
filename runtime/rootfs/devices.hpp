#pragma once
// The container's /dev: a small tmpfs with the standard device nodes, its own
// devpts instance, /dev/shm, /dev/mqueue and the usual symlinks.
#include <cstdint>
#include <vector>

#include "runtime/spec/spec.hpp"

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

// The spec's own devices (--device), after setup_dev: each node made with its
// host node's type, numbers, mode and owner (replacing a default node of that
// name), or, where mknod is refused, the host's node bound on an empty file.
void make_device_nodes(int root_fd, const std::vector<DeviceNode>& devices);

// A privileged container's /dev, after setup_dev: every host device node (see
// host_device_nodes) made as make_device_nodes makes them, except where lit's
// /dev already has that name (null, tty, ptmx, pts, shm, mqueue...).
void make_host_device_nodes(int root_fd);

}  // namespace lit::runtime
