#include "runtime/container/cgroupfs.hpp"

#include <fcntl.h>
#include <sys/mount.h>
#include <sys/stat.h>

#include <cerrno>
#include <sstream>
#include <string>

#include "runtime/container/beneath.hpp"
#include "runtime/container/mount_util.hpp"
#include "runtime/util/error.hpp"
#include "runtime/util/fs.hpp"

namespace lit::runtime {
namespace {

constexpr unsigned long kFlags = MS_NOSUID | MS_NODEV | MS_NOEXEC | MS_RDONLY;

struct Hierarchy {
  fs::path mountpoint;
  std::string fstype;   // cgroup or cgroup2
  std::string options;  // super options without rw/ro: "memory", "name=systemd"
};

// The host's cgroup mounts, as this (still host-like) mount namespace sees them.
std::vector<Hierarchy> host_hierarchies() {
  std::vector<Hierarchy> out;
  std::istringstream in(read_file("/proc/self/mountinfo"));
  std::string line;
  while (std::getline(in, line)) {
    auto dash = line.find(" - ");
    if (dash == std::string::npos) continue;
    std::istringstream pre(line.substr(0, dash)), post(line.substr(dash + 3));
    std::string id, parent, devno, root, mp, type, source, super;
    pre >> id >> parent >> devno >> root >> mp;
    post >> type >> source >> super;
    if (type != "cgroup" && type != "cgroup2") continue;
    std::string opts;
    std::istringstream so(super);
    for (std::string o; std::getline(so, o, ',');) {
      if (o == "rw" || o == "ro") continue;
      opts += (opts.empty() ? "" : ",") + o;
    }
    out.push_back({mp, type, opts});
  }
  return out;
}

bool is_under(const fs::path& p, const fs::path& dir) {
  auto rel = p.lexically_relative(dir);
  return !rel.empty() && *rel.begin() != "..";
}

}  // namespace

void mount_cgroupfs(int root_fd, const std::vector<fs::path>& cgroup_paths) {
  UniqueFd target = open_beneath(root_fd, "/sys/fs/cgroup", O_PATH | O_DIRECTORY);
  if (!target) throw Error::sys("open", "/sys/fs/cgroup", errno);
  auto hierarchies = host_hierarchies();
  for (const auto& h : hierarchies) {
    if (h.mountpoint == "/sys/fs/cgroup" && h.fstype == "cgroup2") {  // unified host
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
    for (const auto& p : cgroup_paths) used = used || is_under(p, h.mountpoint);
    if (!used || h.mountpoint.parent_path() != "/sys/fs/cgroup") continue;
    std::string name = h.mountpoint.filename().string();
    std::string what = "/sys/fs/cgroup/" + name;
    if (::mkdirat(dir.get(), name.c_str(), 0755) < 0 && errno != EEXIST) {
      throw Error::sys("create directory", what, errno);
    }
    UniqueFd sub(::openat(dir.get(), name.c_str(), O_PATH | O_DIRECTORY | O_CLOEXEC));
    if (!sub) throw Error::sys("open", what, errno);
    const char* data = h.fstype == "cgroup" ? h.options.c_str() : nullptr;
    mount_on(sub.get(), what, "cgroup", h.fstype.c_str(), kFlags, data);
  }
  make_readonly(dir.get(), "/sys/fs/cgroup", false);
}

}  // namespace lit::runtime
