#include "runtime/rootfs/cgroupfs.hpp"

#include <fcntl.h>
#include <sys/mount.h>
#include <sys/stat.h>

#include <cerrno>
#include <string>

#include "runtime/cgroups/mountinfo.hpp"
#include "runtime/rootfs/beneath.hpp"
#include "runtime/rootfs/mount_util.hpp"
#include "runtime/util/error.hpp"
#include "runtime/util/fs.hpp"

namespace lit::runtime {
namespace {

constexpr unsigned long kFlags = MS_NOSUID | MS_NODEV | MS_NOEXEC | MS_RDONLY;

bool is_under(const fs::path& p, const fs::path& dir) {
  auto rel = p.lexically_relative(dir);
  return !rel.empty() && *rel.begin() != "..";
}

}  // namespace

void mount_cgroupfs(int root_fd, const std::vector<fs::path>& cgroup_paths) {
  UniqueFd target = open_beneath(root_fd, "/sys/fs/cgroup", O_PATH | O_DIRECTORY);
  if (!target) throw Error::sys("open", "/sys/fs/cgroup", errno);
  // The host's cgroup mounts, as lit (before the container's mounts) saw them.
  const auto& hierarchies = cgroups::host_cgroup_mounts();
  for (const auto& h : hierarchies) {
    if (h.mount_point == "/sys/fs/cgroup" && h.unified) {  // unified host
      mount_on(target.get(), "/sys/fs/cgroup", "cgroup2", "cgroup2", kFlags);
      return;
    }
  }
  mount_on(target.get(), "/sys/fs/cgroup", "tmpfs", "tmpfs", MS_NOSUID | MS_NODEV | MS_NOEXEC,
           "mode=755,size=64k");
  UniqueFd dir = open_beneath(root_fd, "/sys/fs/cgroup", O_DIRECTORY | O_RDONLY);
  if (!dir) throw Error::sys("open", "/sys/fs/cgroup", errno);
  for (const auto& h : hierarchies) {
    bool used = false;
    for (const auto& p : cgroup_paths) used = used || is_under(p, h.mount_point);
    if (!used || h.mount_point.parent_path() != "/sys/fs/cgroup") continue;
    std::string name = h.mount_point.filename().string();
    std::string what = "/sys/fs/cgroup/" + name;
    if (::mkdirat(dir.get(), name.c_str(), 0755) < 0 && errno != EEXIST) {
      throw Error::sys("create directory", what, errno);
    }
    UniqueFd sub(::openat(dir.get(), name.c_str(), O_PATH | O_DIRECTORY | O_CLOEXEC));
    if (!sub) throw Error::sys("open", what, errno);
    const char* data = h.unified ? nullptr : h.options.c_str();
    mount_on(sub.get(), what, "cgroup", h.unified ? "cgroup2" : "cgroup", kFlags, data);
  }
  make_readonly(dir.get(), "/sys/fs/cgroup", false);
}

}  // namespace lit::runtime
