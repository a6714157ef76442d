#pragma once
// The container's root: overlayfs with the image layers as lowerdirs and the
// bundle's upper/ and work/, mounted at bundle/merged. Called inside the init's
// own mount namespace, so the mount never appears on the host.
#include <filesystem>
#include <vector>

namespace lit::runtime {

// layers: bottom first (as in ContainerSpec). Creates upper/, work/, merged/.
// volatile_upper: never sync upper/ (fsync is a no-op, unmount skips the host
// fs commit); only for writable layers that are discarded after the run.
void mount_overlay(const std::vector<std::filesystem::path>& layers,
                   const std::filesystem::path& bundle, bool volatile_upper = false);

}  // namespace lit::runtime
