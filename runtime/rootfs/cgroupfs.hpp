#pragma once
// /sys/fs/cgroup inside the container, read-only, showing only the container's
// own cgroup (mounted from the init's cgroup namespace): cgroup2 on a unified
// host; on a v1/hybrid host a tmpfs with one mount per hierarchy lit uses.
#include <filesystem>
#include <vector>

namespace lit::runtime {

void mount_cgroupfs(int root_fd, const std::vector<std::filesystem::path>& cgroup_paths);

}  // namespace lit::runtime
