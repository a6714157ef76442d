// Chooses the cgroup driver from the mount table: pure v2 when cgroup2 is the
// hierarchy at the cgroup root, v1 when the v1 controllers lit uses are mounted
// (legacy, or hybrid with an empty cgroup2 at .../unified).
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <map>

#include "runtime/cgroups/drivers.hpp"
#include "runtime/cgroups/files.hpp"
#include "runtime/cgroups/mountinfo.hpp"
#include "runtime/rootless/session.hpp"
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

fs::path delegated_v2_dir(const fs::path& v2_mount, const std::string& proc_self_cgroup) {
  std::string own;
  for (size_t pos = 0; pos < proc_self_cgroup.size();) {
    size_t nl = proc_self_cgroup.find('\n', pos);
    std::string line = proc_self_cgroup.substr(pos, nl == std::string::npos ? nl : nl - pos);
    if (line.rfind("0::", 0) == 0) own = line.substr(3);
    pos = nl == std::string::npos ? proc_self_cgroup.size() : nl + 1;
  }
  if (own.empty() || own[0] != '/') return {};
  fs::path found;
  // The highest ancestor of our own cgroup that is this user's, with its
  // cgroup.procs and cgroup.subtree_control writable (systemd's user@UID.service).
  for (fs::path dir = v2_mount / fs::path(own).relative_path();; dir = dir.parent_path()) {
    struct stat st {};
    bool mine = ::stat(dir.c_str(), &st) == 0 && st.st_uid == ::geteuid() &&
                ::access((dir / "cgroup.procs").c_str(), W_OK) == 0 &&
                ::access((dir / "cgroup.subtree_control").c_str(), W_OK) == 0;
    if (mine)
      found = dir;
    else if (!found.empty())
      break;
    if (dir.lexically_normal() == v2_mount.lexically_normal() || !dir.has_relative_path()) break;
  }
  return found;
}

namespace {

// A rootless session: the user's delegated v2 cgroup, else none (with why).
std::unique_ptr<Manager> detect_rootless(const fs::path& sysfs_cgroup,
                                         const std::vector<CgroupMount>& table) {
  for (const auto& m : table) {
    if (!m.unified || m.mount_point.lexically_normal() != sysfs_cgroup.lexically_normal()) continue;
    fs::path dir = delegated_v2_dir(m.mount_point, read_file("/proc/self/cgroup"));
    if (!dir.empty()) return make_v2_manager(dir);
    return make_none_manager("no cgroup v2 subtree is delegated to this user");
  }
  return make_none_manager(
      "cgroups v1 cannot be delegated to a user; rootless limits need cgroup v2");
}

}  // namespace

std::unique_ptr<Manager> detect(const fs::path& sysfs_cgroup, const fs::path& mountinfo) {
  return detect_from(sysfs_cgroup, parse_cgroup_mounts(read_file(mountinfo)));
}

std::unique_ptr<Manager> detect(const fs::path& sysfs_cgroup) {
  if (rootless::active()) return detect_rootless(sysfs_cgroup, host_cgroup_mounts());
  return detect_from(sysfs_cgroup, host_cgroup_mounts());
}

}  // namespace lit::cgroups
