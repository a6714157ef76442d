#pragma once
// The container's root overlay (overlay.hpp's mount_overlay) made as a
// detached mount (fsopen, fsmount) instead of on a directory: lit makes it on
// a thread of its own while it prepares the rest of the container, and the
// init attaches it in its own mount namespace (rootfs.cpp, mount_root), where
// it then dies with the namespace. A detached mount goes with its last fd, so
// nothing of it is ever on the host.
//
// Everything is composed by the constructor; make() then allocates nothing
// and takes no lock of the C library, so the init may be cloned fork-style
// while it runs (see BackgroundStart).
#include <filesystem>
#include <string>
#include <vector>

#include "runtime/util/fs.hpp"

namespace lit::runtime {

class DetachedOverlay {
 public:
  // layers: bottom first; init_layer (if not empty) above them, as mount_overlay.
  DetachedOverlay(const std::vector<std::filesystem::path>& layers,
                  const std::filesystem::path& bundle, bool volatile_upper,
                  const std::filesystem::path& init_layer);

  // Creates upper/ and work/ and makes the overlay: 0, or the errno of the step
  // that failed (*step, a static string). Once. Each layer is its own
  // "lowerdir+" (Linux 6.8+: fsconfig takes strings of at most 256 bytes);
  // where that fails, the caller mounts the overlay the old way.
  int make(const char** step) noexcept;

  // The mount made (empty when make() failed or was not called).
  UniqueFd take() { return UniqueFd(std::exchange(fd_, -1)); }

  ~DetachedOverlay();
  DetachedOverlay(const DetachedOverlay&) = delete;
  DetachedOverlay& operator=(const DetachedOverlay&) = delete;

 private:
  std::vector<std::string> lowers_;  // top-most first
  std::string upper_, work_, marker_, dirty_;
  bool volatile_ = false;
  bool userxattr_ = false;
  int fd_ = -1;
};

}  // namespace lit::runtime
