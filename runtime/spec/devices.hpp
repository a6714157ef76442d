#pragma once
// Host devices in a container: --device's syntax (docker's), the host node
// behind a request, and the device cgroup rules a spec asks for.
#include <string_view>
#include <vector>

#include "runtime/cgroups/device_rules.hpp"
#include "runtime/spec/request.hpp"
#include "runtime/spec/spec.hpp"

namespace lit::runtime {

// HOST[:CONTAINER][:PERMS], as docker reads it: CONTAINER defaults to HOST,
// PERMS (r, w, m, default rwm) may also stand second ("/dev/fuse:rw").
// Throws a one-line error naming `flag` ("flag --device", or a compose key).
DeviceRequest parse_device(std::string_view value, std::string_view flag = "flag --device");

// The host node behind a request (symlinks followed, as docker does): its
// type, numbers, mode and owner. Throws when the path is missing or is not a
// character or block device.
DeviceNode resolve_device(const DeviceRequest& request);

// The cgroup's allow list: every device for a privileged container; else
// docker's defaults and each of the spec's devices with its access.
std::vector<cgroups::DeviceRule> device_rules(const ContainerSpec& spec);

}  // namespace lit::runtime
