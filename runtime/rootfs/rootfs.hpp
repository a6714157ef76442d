#pragma once
// Builds the container's filesystem view inside the init's mount namespace:
// overlay root, /proc, /sys, /sys/fs/cgroup, /dev, the generated /etc files and
// the spec's mounts, then pivot_root into it (the old root is detached).
#include <filesystem>
#include <vector>

#include "runtime/spec/spec.hpp"

namespace lit::runtime {

struct RootfsContext {
  // The container's cgroup directories on the host: which cgroup hierarchies
  // to show at /sys/fs/cgroup (each mounted from the init's cgroup namespace).
  std::vector<std::filesystem::path> cgroup_paths;
  std::filesystem::path etc_dir;     // hostname, hosts, resolv.conf to bind over /etc's
  std::filesystem::path rootfs;      // where the overlay is mounted (an existing directory)
  std::filesystem::path init_layer;  // top-most lower layer, or empty
  // ipc container:NAME: a detached copy of the joined container's /dev/shm
  // mount (open_tree), attached at /dev/shm; -1: a tmpfs of its own.
  int shm_tree = -1;
};

// Everything up to (not including) pivot_root. Run in the init, as root.
void prepare_rootfs(const ContainerSpec& spec, const RootfsContext& ctx);

// chdir into the mounted rootfs, pivot_root(".", "."), detach the old root.
void pivot_into(const std::filesystem::path& merged);

// After pivot: make "/" read-only (its submounts keep their own flags).
void make_root_readonly();

}  // namespace lit::runtime
