#pragma once
// Applies the edits of the requested CDI devices to a container's spec, through
// the paths --device, -v and -e take: device nodes made in /dev and allowed in
// the device cgroup, bind mounts (targets resolved inside the root at start),
// variables, supplementary groups. Called at create, so the record keeps the
// result and a restart does not read the spec files again (as docker resolves
// CDI devices at create).
#include <vector>

#include "runtime/cdi/registry.hpp"
#include "runtime/spec/spec.hpp"

namespace lit::runtime::cdi {

// `spec` holds the request's own devices, mounts, environment and user
// (resolved against the image): a CDI node or mount at a path they already
// use is an error; between CDI devices, a later one replaces an earlier one
// (as the CDI library does). A node's missing type and numbers come from the
// host node (as the spec says), its mode from fileMode, else the host node's;
// its owner from uid/gid, else the container's user (root: 0). Throws, with
// the device and spec file in front, for a missing host node or mount source,
// a node outside /dev or a FIFO, and a mount that is not a bind mount or takes
// an option lit does not apply.
void apply(const std::vector<DeviceEdits>& edits, ContainerSpec& spec);

}  // namespace lit::runtime::cdi
