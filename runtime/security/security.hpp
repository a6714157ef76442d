#pragma once
// Process security applied in the container's init just before exec:
// capabilities (docker's default set, with add/drop), no_new_privs, a default
// seccomp profile (libseccomp), and the masked / read-only paths of /proc and /sys.
#include <sys/types.h>

#include <filesystem>
#include <optional>
#include <string>
#include <vector>

#include "runtime/security/seccomp.hpp"
#include "runtime/spec/spec.hpp"

namespace lit::security {

// Docker's default capability set, by name without "CAP_".
const std::vector<std::string>& default_capabilities();

// Resolves the effective capability numbers for a spec (defaults, then
// cap_drop, then cap_add; "ALL" allowed; privileged -> all).
// Throws lit::Error("unknown capability", name) for a bad name.
std::vector<int> resolve_capabilities(const runtime::SecuritySpec& spec);

// Inside the new rootfs (after pivot_root): bind /dev/null over masked files,
// empty read-only tmpfs over masked dirs, remount read-only paths. No-op when privileged.
void mask_paths(const runtime::SecuritySpec& spec);

// The seccomp program a process of this spec gets (none when seccomp is off
// or the container is privileged), made before the fork so the child only
// loads it; cache_dir as for default_seccomp_program. Throws, as
// apply_process_security would, for a capability lit itself does not hold.
std::optional<SeccompProgram> seccomp_program_for(const runtime::SecuritySpec& spec,
                                                  const std::filesystem::path& cache_dir = {});

// Last steps before execve, in this order: drop the capability bounding set,
// set groups/gid/uid keeping only the resolved capabilities (none effective for
// a non-root uid, as docker does), no_new_privs if asked, then seccomp: the
// given program, or (program == nullptr) the one seccomp_program_for makes.
// Before all of them, the AppArmor profile `apparmor` ("": none) is set for
// the next exec (runtime/security/apparmor.hpp: lit loaded it before the fork).
void apply_process_security(const runtime::SecuritySpec& spec, uid_t uid, gid_t gid,
                            const std::vector<gid_t>& additional_gids,
                            const SeccompProgram* program = nullptr,
                            const std::string& apparmor = {});

}  // namespace lit::security
