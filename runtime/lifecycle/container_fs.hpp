#pragma once
// A container's file system as `container cp`, `export`, `diff` and `commit`
// reach it. A running container's root is its init's (/proc/PID/root: its
// mount namespace, volumes included); a stopped one's is its overlay, mounted
// for this process only: the calling process first moves to a private mount
// namespace (unshare), so the mount never appears on the host and goes away
// when lit exits. Paths are then resolved beneath the root (rootfs/copy.hpp).
#include <filesystem>
#include <string>
#include <utility>
#include <vector>

#include "runtime/state/record.hpp"
#include "runtime/util/fs.hpp"
#include "runtime/util/paths.hpp"

namespace lit::runtime {

enum class RootAccess {
  Read,   // cp out of the container: the live root when running, else a read-only overlay
  Write,  // cp into it: the live root when running, else its overlay with its upper/ (rw)
  Image,  // export: image layers + upper/ read-only, no mounts (running or not)
};

// An O_PATH directory fd on the container's root. A mounted view stays
// attached at its mount point (paths with ".." do not resolve on a detached
// mount: openat2 RESOLVE_IN_ROOT keeps failing with EAGAIN) until this is
// destroyed, which unmounts it and removes the mount point.
class ContainerRoot {
 public:
  explicit ContainerRoot(UniqueFd fd, std::filesystem::path mount_point = {})
      : fd_(std::move(fd)), mount_point_(std::move(mount_point)) {}
  ContainerRoot(ContainerRoot&& o) noexcept = default;
  ContainerRoot(const ContainerRoot&) = delete;
  ContainerRoot& operator=(const ContainerRoot&) = delete;
  ContainerRoot& operator=(ContainerRoot&&) = delete;
  ~ContainerRoot();
  int get() const { return fd_.get(); }

 private:
  UniqueFd fd_;
  std::filesystem::path mount_point_;
};

ContainerRoot open_container_root(const Paths& paths, const ContainerRecord& rec,
                                  RootAccess access);

// One line of `container diff`: 'A', 'C' or 'D' and the path in the container.
struct FsChange {
  char kind;
  std::string path;
};

// The container's upper/ against its image layers, sorted by path as docker prints them.
std::vector<FsChange> container_changes(const ContainerRecord& rec);

}  // namespace lit::runtime
