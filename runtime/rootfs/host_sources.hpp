#pragma once
// Host paths the init binds into a container that has its own user namespace
// (the etc files, lit-init, bind volumes). They are opened (O_PATH) while the
// init still has lit's host uid, which owns lit's directories; once it is the
// container's root (a host uid of its range) it reaches them only through
// these descriptors ("/proc/self/fd/N"), whatever the modes of the
// directories above them (lit's root is 0700).
#include <filesystem>
#include <map>
#include <string>
#include <vector>

#include "runtime/spec/spec.hpp"
#include "runtime/util/fs.hpp"

namespace lit::runtime {

class HostSources {
 public:
  // Opens path (O_PATH); a missing path is left for the bind to report.
  void open(const std::filesystem::path& path);
  // "/proc/self/fd/N" for an opened path, else the path itself.
  std::string path(const std::filesystem::path& path) const;
  // mounts with each bind's source replaced as path() does.
  std::vector<Mount> rebased(const std::vector<Mount>& mounts) const;

 private:
  std::map<std::filesystem::path, UniqueFd> fds_;
};

}  // namespace lit::runtime
