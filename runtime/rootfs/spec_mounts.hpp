#pragma once
// The spec's own mounts (volumes, binds, tmpfs), applied beneath the rootfs in
// order of depth so /a is mounted before /a/b.
#include <vector>

#include "runtime/spec/spec.hpp"

namespace lit::runtime {

void apply_spec_mounts(int root_fd, const std::vector<Mount>& mounts);

}  // namespace lit::runtime
