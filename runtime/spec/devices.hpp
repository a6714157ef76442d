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

// The host nodes behind a request (symlinks followed, as docker does): its
// type, numbers, mode and owner. A directory gives every device node beneath
// it (symlinks and other files skipped), each at the same place under the
// container path. Throws when the path is missing, is neither a character or
// block device nor a directory, or is a directory without device nodes.
std::vector<DeviceNode> resolve_devices(const DeviceRequest& request);

// --device-cgroup-rule, a service's device_cgroup_rules: docker's
// "TYPE MAJOR:MINOR ACCESS" (TYPE a, b or c; MAJOR, MINOR a number or *;
// ACCESS r, w, m). Throws a one-line error naming `flag`.
cgroups::DeviceRule parse_device_cgroup_rule(std::string_view value,
                                             std::string_view flag = "flag --device-cgroup-rule");

// The host's device nodes, as a privileged container gets them in its /dev:
// every character and block device under `dev` (default the host's /dev),
// except those beneath pts, shm, mqueue, fd and the console (lit's own).
std::vector<DeviceNode> host_device_nodes(const std::string& dev = "/dev");

// The cgroup's allow list: every device for a privileged container; else
// docker's defaults, each of the spec's devices with its access and each of
// its device cgroup rules.
std::vector<cgroups::DeviceRule> device_rules(const ContainerSpec& spec);

}  // namespace lit::runtime
