#pragma once
// The spec's own mounts (volumes, binds, tmpfs, images), applied beneath the
// rootfs in order of depth so /a is mounted before /a/b.
#include <filesystem>
#include <vector>

#include "runtime/spec/spec.hpp"

namespace lit::runtime {

// scratch: a directory of the container's own (its bundle's image-mounts/)
// where an image mount with a subpath is staged and a one-layer image gets
// its empty second lower layer; only ever mounted on inside the container's
// private mount namespace.
void apply_spec_mounts(int root_fd, const std::vector<Mount>& mounts,
                       const std::vector<ImageMount>& image_mounts = {},
                       const std::filesystem::path& scratch = {});

}  // namespace lit::runtime
