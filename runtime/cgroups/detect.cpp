// Chooses the cgroup driver from the mount table: pure v2 when cgroup2 is the
// hierarchy at the cgroup root, v1 when the v1 controllers lit uses are mounted
// (legacy, or hybrid with an empty cgroup2 at .../unified).
#include <algorithm>
#include <map>

#include "runtime/cgroups/drivers.hpp"
#include "runtime/cgroups/files.hpp"
#include "runtime/cgroups/mountinfo.hpp"
#include "runtime/util/error.hpp"
#include "runtime/util/fs.hpp"

namespace lit::cgroups {
namespace {

const char* const kV1Controllers[] = {"memory", "cpu", "cpuacct", "pids", "freezer", "devices"};

bool is_under(const fs::path& p, const fs::path& root) {
  auto rel = p.lexically_normal().lexically_relative(root.lexically_normal());
  return !rel.empty() && *rel.begin() != "..";
}

bool has_controllers(const fs::path& v2_mount) {
  std::error_code ec;
  if (!fs::exists(v2_mount / "cgroup.controllers", ec)) return false;
  return read_file(v2_mount / "cgroup.controllers").find_first_not_of(" \n") != std::string::npos;
}

std::unique_ptr<Manager> detect_from(const fs::path& sysfs_cgroup,
                                     const std::vector<CgroupMount>& table) {
  std::vector<CgroupMount> mounts;
  for (const auto& m : table) {
    if (is_under(m.mount_point, sysfs_cgroup)) mounts.push_back(m);
  }
  const fs::path root = sysfs_cgroup.lexically_normal();
  for (const auto& m : mounts) {
    if (m.unified && m.mount_point.lexically_normal() == root)
      return make_v2_manager(m.mount_point);
  }
  std::map<std::string, fs::path> v1;
  for (const auto& m : mounts) {
    for (const auto& c : m.controllers) {
      bool wanted = std::find(std::begin(kV1Controllers), std::end(kV1Controllers), c) !=
                    std::end(kV1Controllers);
      if (wanted && !v1.contains(c)) v1[c] = m.mount_point;  // first mount of a controller wins
    }
  }
  if (!v1.empty()) return make_v1_manager(v1);
  // A cgroup2 mounted below the root that does hold controllers (unusual, but usable).
  for (const auto& m : mounts) {
    if (m.unified && has_controllers(m.mount_point)) return make_v2_manager(m.mount_point);
  }
  throw Error("find a usable cgroup hierarchy under", sysfs_cgroup.string(), 0,
              "mount cgroup2 at /sys/fs/cgroup, or the v1 memory, cpu and pids controllers");
}

}  // namespace

std::unique_ptr<Manager> detect(const fs::path& sysfs_cgroup, const fs::path& mountinfo) {
  return detect_from(sysfs_cgroup, parse_cgroup_mounts(read_file(mountinfo)));
}

std::unique_ptr<Manager> detect(const fs::path& sysfs_cgroup) {
  return detect_from(sysfs_cgroup, host_cgroup_mounts());
}

}  // namespace lit::cgroups
