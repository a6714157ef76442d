#pragma once
// AppArmor for containers, as docker does it: on a host whose kernel runs
// AppArmor, every container runs under lit's default profile (lit-default,
// runtime/security/apparmor_profile.hpp) unless it is privileged or asks for
// `apparmor=unconfined` or a profile of its own, which must be loaded.
// lit compiles its profile with apparmor_parser (Debian's apparmor package,
// there on every host that runs AppArmor) and loads it with libapparmor.
// On a host without AppArmor nothing is applied: `apparmor=NAME` is ignored
// with a debug message, as docker does. Rootless lit cannot load profiles
// (that takes CAP_MAC_ADMIN on the host): it applies only a named one.
#include <filesystem>
#include <string>
#include <string_view>

namespace lit::security {

// Whether the kernel runs AppArmor (libapparmor's aa_is_enabled), asked once a process.
bool apparmor_enabled();

// Logs at debug level whether the host has AppArmor, once per process.
void note_apparmor();

// The profile a container's processes run under: none ("") on a host without
// AppArmor, for a privileged container, for `apparmor=unconfined`, and (when
// `can_load` is false: rootless) by default; the named profile when one is
// asked for (`requested`, empty when none); lit-default otherwise.
std::string apparmor_profile_for(const std::string& requested, bool privileged, bool host_enabled,
                                 bool can_load);

// apparmor_profile_for on this host: its AppArmor, and whether this lit may
// load profiles (root, and not in a rootless session, where lit is root of
// the session's user namespace only).
std::string host_apparmor_profile(const std::string& requested, bool privileged);

// The profile for this spec on this host, ready to apply: lit-default is
// compiled and loaded once its text changed (recorded under `state_dir`, lit's
// run root); another profile must be loaded already. "" when none applies.
// Throws lit::Error naming the profile and what to do.
std::string prepare_apparmor(const std::string& requested, bool privileged,
                             const std::filesystem::path& state_dir);

// In the container's process, before its exec: it runs under `profile` from
// its next exec on (aa_change_onexec). Nothing when `profile` is empty.
void apply_apparmor_on_exec(const std::string& profile);

}  // namespace lit::security
