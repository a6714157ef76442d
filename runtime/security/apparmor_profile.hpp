#pragma once
// lit's default AppArmor profile, as text for apparmor_parser: what every
// container runs under on a host with AppArmor, unless it is privileged or
// asks for `apparmor=unconfined` or another profile.
//
// It keeps what docker's `docker-default` allows a container (files, network,
// the capabilities the container holds, umount) and refuses what it refuses:
// mount, writes to /proc outside the process's own directories, /proc/sys and
// /sys (but /sys/fs/cgroup), /proc's sysrq-trigger, mem, kmem, kcore, and
// ptrace of anything but its own profile. It also refuses, where docker lets
// them through: reading /sys/kernel/security and the EFI variables, pivot_root,
// and signals from processes under other profiles.
#include <string>
#include <string_view>

namespace lit::security {

inline constexpr std::string_view kDefaultAppArmorProfile = "lit-default";

// The text of the profile `name` (kDefaultAppArmorProfile for lit's own).
std::string apparmor_profile_text(std::string_view name);

}  // namespace lit::security
