#pragma once
// The container's /dev: a small tmpfs with the standard device nodes, its own
// devpts instance, /dev/shm, /dev/mqueue and the usual symlinks.
#include <cstdint>
#include <vector>

#include "runtime/spec/spec.hpp"

namespace lit::runtime {

// root_fd: the rootfs (before pivot_root). Needs a new IPC namespace for mqueue.
void setup_dev(int root_fd, std::int64_t shm_size);

// The spec's own devices (--device), after setup_dev: each node made with its
// host node's type, numbers, mode and owner (replacing a default node of that
// name), or, where mknod is refused, the host's node bound on an empty file.
void make_device_nodes(int root_fd, const std::vector<DeviceNode>& devices);

}  // namespace lit::runtime
