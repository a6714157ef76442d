#pragma once
// Gives a new user namespace its id maps (/proc/PID/uid_map, gid_map): lit as
// root writes them itself; a user without root (rootless lit) has them
// written by shadow-utils' setuid helpers newuidmap and newgidmap, which check
// the ranges against /etc/subuid and /etc/subgid.
#include <sys/types.h>

#include <vector>

#include "runtime/spec/userns.hpp"

namespace lit::runtime {

enum class IdMapWriter { Direct, Helpers };

// Direct when lit runs as root, else Helpers.
IdMapWriter default_id_map_writer();

// Throws naming the map (and the helper) when the kernel or the helper refuses.
void write_id_maps(pid_t pid, const UserNamespace& ns, IdMapWriter how);

// Several ranges per map through newuidmap/newgidmap (a rootless session maps
// the user's own id to 0 and their subordinate range above it).
void write_id_maps_with_helpers(pid_t pid, const std::vector<IdMapping>& uid,
                                const std::vector<IdMapping>& gid);

}  // namespace lit::runtime
