#pragma once
// The way out of a rootless session's network namespace: slirp4netns, else
// Debian's pasta (passt), started by the user for lit-pause's namespaces
// and recorded in the session's link pid file. Containers reach the host's
// networks through it (lit masquerades their traffic onto it, as onto a host's
// uplink as root). Without either, the session still works: containers reach
// each other and published ports, and lit warns that they have no way out.
// LIT_ROOTLESS_NETWORK=pasta or slirp4netns tries only that one.
#include <sys/types.h>

#include "runtime/rootless/session_files.hpp"

namespace lit::rootless {

void link_to_host(const SessionFiles& files, pid_t pause) noexcept;

}  // namespace lit::rootless
