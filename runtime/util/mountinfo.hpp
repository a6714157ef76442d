#pragma once
// /proc/<pid>/mountinfo, one entry per mount, in table order (proc(5)):
//   id parent major:minor root mount_point options [optional...] - fstype source super_options
#include <filesystem>
#include <string>
#include <string_view>
#include <vector>

namespace lit {

struct MountEntry {
  std::filesystem::path mount_point;  // unescaped (\040 is a space)
  std::string fstype;                 // "overlay", "cgroup2", ...
  std::string source;
  std::string super_options;  // "rw,nosuid,cpu,cpuacct"
};

// Lines that do not have the fields above are skipped.
std::vector<MountEntry> parse_mountinfo(std::string_view text);

}  // namespace lit
