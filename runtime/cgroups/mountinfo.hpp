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
};

// Only "cgroup" and "cgroup2" mounts are returned, in table order.
std::vector<CgroupMount> parse_cgroup_mounts(std::string_view mountinfo);

}  // namespace lit::cgroups
