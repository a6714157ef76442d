#include "runtime/cgroups/mountinfo.hpp"

#include <sstream>

#include "runtime/util/fs.hpp"
#include "runtime/util/mountinfo.hpp"

namespace lit::cgroups {
namespace {

std::vector<std::string> split(std::string_view s, char sep) {
  std::vector<std::string> out;
  size_t start = 0;
  while (start <= s.size()) {
    size_t end = s.find(sep, start);
    if (end == std::string_view::npos) end = s.size();
    if (end > start) out.emplace_back(s.substr(start, end - start));
    start = end + 1;
  }
  return out;
}

// Super options of a v1 mount mix controllers with flags ("rw,nosuid,cpu,cpuacct").
std::vector<std::string> controllers_of(std::string_view super_options) {
  static const std::vector<std::string> not_controllers = {
      "rw", "ro", "noprefix", "clone_children", "xattr", "cpuset_v2_mode", "none"};
  std::vector<std::string> out;
  for (auto& opt : split(super_options, ',')) {
    if (opt.find('=') != std::string::npos) continue;  // name=systemd, release_agent=...
    bool flag = false;
    for (const auto& n : not_controllers) flag = flag || opt == n;
    if (!flag) out.push_back(opt);
  }
  return out;
}

}  // namespace

std::vector<CgroupMount> parse_cgroup_mounts(std::string_view mountinfo) {
  std::vector<CgroupMount> out;
  for (auto& entry : parse_mountinfo(mountinfo)) {
    if (entry.fstype != "cgroup" && entry.fstype != "cgroup2") continue;
    CgroupMount m;
    m.mount_point = std::move(entry.mount_point);
    m.unified = entry.fstype == "cgroup2";
    if (!m.unified && !entry.super_options.empty()) {
      m.controllers = controllers_of(entry.super_options);
      for (auto& opt : split(entry.super_options, ','))
        if (opt != "rw" && opt != "ro") m.options += (m.options.empty() ? "" : ",") + opt;
    }
    out.push_back(std::move(m));
  }
  return out;
}

const std::vector<CgroupMount>& host_cgroup_mounts() {
  static const std::vector<CgroupMount> mounts =
      parse_cgroup_mounts(read_file("/proc/self/mountinfo"));
  return mounts;
}

}  // namespace lit::cgroups
