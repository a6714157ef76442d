#pragma once
// cgroup v2 has no devices controller: device access is decided by an eBPF
// program of type BPF_PROG_TYPE_CGROUP_DEVICE attached to the cgroup. lit
// assembles it itself, as runc's devicefilter does: read the request's type,
// access, major and minor from the context, compare with each rule in order,
// return 1 (allow) on the first match and 0 (deny) when none matches.
#include <linux/bpf.h>

#include <filesystem>
#include <vector>

#include "runtime/cgroups/device_rules.hpp"

namespace lit::cgroups {

// The program's instructions for an allow list. A rule that allows every
// device and access ends it (what follows could never run, which the
// verifier refuses).
std::vector<bpf_insn> device_filter_program(const std::vector<DeviceRule>& rules);

// Loads the program for `rules` (bpf(BPF_PROG_LOAD)) and attaches it to the
// cgroup v2 directory `cgroup_dir` (bpf(BPF_PROG_ATTACH, BPF_CGROUP_DEVICE),
// stacking with programs of the cgroup's parents). The cgroup keeps the
// program for its lifetime; it goes with the cgroup's removal.
void attach_device_filter(const std::filesystem::path& cgroup_dir,
                          const std::vector<DeviceRule>& rules);

}  // namespace lit::cgroups
