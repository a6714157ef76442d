#pragma once
// AppArmor on this host. lit has no AppArmor profile of its own yet: like
// docker on a host without AppArmor, `apparmor=NAME` is accepted and ignored
// there; on a host with AppArmor, only `apparmor=unconfined` (what lit runs
// anyway) is accepted, and naming a profile is an error rather than a silent
// no-op.
#include <string>

namespace lit::security {

// Whether the kernel runs AppArmor (/sys/module/apparmor/parameters/enabled is "Y").
bool apparmor_enabled();

// Logs at debug level whether the host has AppArmor (and that lit applies no
// profile of its own either way), once per process.
void note_apparmor();

// Checks `apparmor=profile` against this host; logs at debug level what
// happens. Throws lit::Error for a named profile on a host with AppArmor.
void check_apparmor_profile(const std::string& profile);

}  // namespace lit::security
