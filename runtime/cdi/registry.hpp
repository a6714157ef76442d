#pragma once
// The CDI spec directories and the devices they define: which spec files a
// requested name comes from and the container edits it asks for.
//
// Every *.json and *.yaml file of each directory is read, in name order. A
// later directory overrides an earlier one for the same device (the spec's
// rule: /var/run/cdi, written at run time by a driver, over /etc/cdi); two
// files of one directory defining the same device are an error. A malformed
// file is an error whenever a CDI device is asked for (naming the file and
// the field), rather than a device that silently goes missing.
#include <filesystem>
#include <string>
#include <vector>

#include "runtime/cdi/name.hpp"
#include "runtime/cdi/spec_file.hpp"

namespace lit::runtime::cdi {

// Where lit looks, lowest priority first: /etc/cdi, /var/run/cdi (docker's and podman's).
const std::vector<std::filesystem::path>& default_spec_dirs();

// Edits one requested device brings, and where they come from (for errors).
struct DeviceEdits {
  std::string device;          // "example.com/gpu=0"
  std::filesystem::path file;  // the spec file
  bool spec_wide = false;      // the spec's own containerEdits (that device brought them)
  ContainerEdits edits;
  // "CDI device example.com/gpu=0 (/etc/cdi/gpu.json)", errors' subject.
  std::string origin() const { return "CDI device " + device + " (" + file.string() + ")"; }
  // "its edits", "its spec's containerEdits"
  std::string what() const { return spec_wide ? "its spec's containerEdits" : "its edits"; }
  bool operator==(const DeviceEdits&) const = default;
};

// The edits of the requested devices, in order: each spec file's own
// edits once, before the first of its devices, then each device's. A name
// given twice counts once. NAME "all", when the spec files define no device
// of that name, stands for every device of its kind (in name order).
// Throws for an unknown device (naming it and the directories searched), a
// malformed spec file, and a device whose edits need what lit does not do
// (OCI hooks, intelRdt, netDevices), naming the spec file and the device.
std::vector<DeviceEdits> resolve(
    const std::vector<DeviceName>& names,
    const std::vector<std::filesystem::path>& dirs = default_spec_dirs());

}  // namespace lit::runtime::cdi
