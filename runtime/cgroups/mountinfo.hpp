#pragma once
// Parses /proc/self/mountinfo for cgroup mounts: which hierarchies exist and,
// for v1, which controllers each one carries (from the super options).
#include <filesystem>
#include <string>
#include <string_view>
#include <vector>

namespace lit::cgroups {

struct CgroupMount {
  std::filesystem::path mount_point;
  bool unified = false;                  // cgroup2
  std::vector<std::string> controllers;  // v1 only: "cpu", "cpuacct", "memory", ...
  std::string options;  // v1 only: the super options but rw/ro ("cpu,cpuacct", "name=systemd")
};

// Only "cgroup" and "cgroup2" mounts are returned, in table order.
std::vector<CgroupMount> parse_cgroup_mounts(std::string_view mountinfo);

// This process's cgroup mounts, from /proc/self/mountinfo read once: lit never
// changes them, and the init of a container (a fork of lit) finds them here
// instead of reading the whole mount table again.
const std::vector<CgroupMount>& host_cgroup_mounts();

}  // namespace lit::cgroups
