#pragma once
// Builds the container's filesystem view inside the init's mount namespace:
// overlay root, /proc, /sys, /sys/fs/cgroup, /dev, the generated /etc files and
// the spec's mounts, then pivot_root into it (the old root is detached).
#include <filesystem>
#include <vector>

#include "runtime/spec/spec.hpp"
#include "runtime/util/fs.hpp"

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
  // With a user namespace: the root lit made (idmapped_overlay.hpp), a detached
  // mount attached at `rootfs` instead of mounting an overlay there.
  int rootfs_mount = -1;
};

// Everything up to (not including) pivot_root. Run in the init, as root (of
// the host, or of its user namespace: then it first opens the host paths it
// binds and becomes that namespace's root). Returns the mounted root.
UniqueFd prepare_rootfs(const ContainerSpec& spec, const RootfsContext& ctx);

// In a new user namespace: setgroups({}), setresgid/setresuid(0): the
// namespace's root (the range's first host id) with its capabilities.
void become_userns_root();

// fchdir into the mounted rootfs, pivot_root(".", "."), detach the old root.
void pivot_into(int root_fd, const std::filesystem::path& merged);

// After pivot: make "/" read-only (its submounts keep their own flags).
void make_root_readonly();

}  // namespace lit::runtime
