#pragma once
// The container's /dev: a small tmpfs with the standard device nodes, its own
// devpts instance, /dev/shm, /dev/mqueue and the usual symlinks.
#include <cstdint>

namespace lit::runtime {

// root_fd: the rootfs (before pivot_root). Needs a new IPC namespace for mqueue.
void setup_dev(int root_fd, std::int64_t shm_size);

}  // namespace lit::runtime
