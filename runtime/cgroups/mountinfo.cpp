#include "runtime/cgroups/mountinfo.hpp"

#include <sstream>

#include "runtime/util/fs.hpp"

namespace lit::cgroups {
namespace {

// mountinfo escapes space, tab, newline and backslash as \ooo octal.
std::string unescape(std::string_view s) {
  std::string out;
  for (size_t i = 0; i < s.size(); ++i) {
    if (s[i] == '\\' && i + 3 < s.size()) {
      auto oct = s.substr(i + 1, 3);
      if (oct.find_first_not_of("01234567") == std::string_view::npos) {
        out += static_cast<char>((oct[0] - '0') * 64 + (oct[1] - '0') * 8 + (oct[2] - '0'));
        i += 3;
        continue;
      }
    }
    out += s[i];
  }
  return out;
}

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
  for (const auto& line : split(mountinfo, '\n')) {
    // id parent dev root mount_point options [optional...] - fstype source super_options
    auto fields = split(line, ' ');
    size_t dash = 0;
    while (dash < fields.size() && fields[dash] != "-") ++dash;
    if (dash < 5 || dash + 1 >= fields.size()) continue;
    const std::string& fstype = fields[dash + 1];
    if (fstype != "cgroup" && fstype != "cgroup2") continue;
    CgroupMount m;
    m.mount_point = unescape(fields[4]);
    m.unified = fstype == "cgroup2";
    if (!m.unified && dash + 3 < fields.size()) {
      m.controllers = controllers_of(fields[dash + 3]);
      for (auto& opt : split(fields[dash + 3], ','))
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
