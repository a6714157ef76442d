#include "runtime/rootfs/host_sources.hpp"

#include <fcntl.h>

#include <cerrno>

#include "runtime/util/error.hpp"

namespace lit::runtime {

void HostSources::open(const fs::path& p) {
  if (fds_.contains(p)) return;
  UniqueFd fd(::open(p.c_str(), O_PATH | O_CLOEXEC));
  if (!fd) {
    if (errno == ENOENT) return;
    throw Error::sys("open", p.string(), errno);
  }
  fds_.emplace(p, std::move(fd));
}

std::string HostSources::path(const fs::path& p) const {
  auto it = fds_.find(p);
  return it == fds_.end() ? p.string() : "/proc/self/fd/" + std::to_string(it->second.get());
}

std::vector<Mount> HostSources::rebased(const std::vector<Mount>& mounts) const {
  std::vector<Mount> out = mounts;
  for (auto& m : out)
    if (m.type == "bind") m.source = path(m.source);
  return out;
}

}  // namespace lit::runtime
