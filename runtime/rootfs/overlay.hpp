#pragma once
// The container's root: overlayfs with the image layers as lowerdirs and the
// bundle's upper/ and work/, mounted on a directory of the caller's (the
// container's run directory). Called inside the init's own mount namespace, so
// the mount never appears on the host.
#include <filesystem>
#include <string>
#include <vector>

namespace lit::runtime {

// layers: bottom first (as in ContainerSpec). Creates upper/ and work/ (and
// the mount point). volatile_upper: never sync upper/ (fsync is a no-op,
// unmount skips the host fs commit); only for writable layers that are
// discarded after the run. init_layer (if not empty) goes above the image's.
void mount_overlay(const std::vector<std::filesystem::path>& layers,
                   const std::filesystem::path& bundle, const std::filesystem::path& target,
                   bool volatile_upper = false, const std::filesystem::path& init_layer = {});

// A volatile mount leaves work/work/incompat/volatile (and a "dirty" file in
// it) behind, and overlay refuses to mount over it again; the upper layer is
// disposable, so the marker goes before the next volatile mount. `work`: the
// overlay's workdir.
void clear_volatile_marker(const std::filesystem::path& work);

// A read-only overlay of `layers` (bottom first, at least two) on target:
// how `container cp` and `export` see a container that is not running (its
// upper/ as the top-most layer).
void mount_overlay_readonly(const std::vector<std::filesystem::path>& layers,
                            const std::filesystem::path& target);
// The same on an O_PATH fd of the mount point (resolved beneath a rootfs);
// `what` names it in errors.
void mount_overlay_readonly_on(const std::vector<std::filesystem::path>& layers, int target_fd,
                               const std::string& what);

}  // namespace lit::runtime
