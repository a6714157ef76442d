#pragma once
// Cgroups under the lit subtree that nothing will remove: empty, and older
// than a start takes, with no cgroup below. A container's cgroup lives from its start to its init's
// exit (its supervisor or the foreground lit destroys it then), so an empty one
// that old was left by a lit that was killed, e.g. a `lit build` SIGKILLed
// during a RUN. Found from the cgroup tree alone, without lit's state files.
#include <chrono>
#include <string>
#include <vector>

#include "runtime/cgroups/cgroup.hpp"

namespace lit::cgroups {

// A start makes the cgroup and moves the init into it within milliseconds.
inline constexpr std::chrono::seconds kStaleAfter{10};

// The ids of the lit cgroups with no process whose directories are all older
// than `min_age` (a directory's mtime: its creation, or its last child's).
std::vector<std::string> stale_cgroups(Manager& manager,
                                       std::chrono::seconds min_age = kStaleAfter);

// Removes the cgroup `id` now if no process is in it, whatever its age: for
// one known to be abandoned (a killed build's RUN: the bundle of a build
// whose staging the image store collects names it). True when it went.
bool remove_if_unused(Manager& manager, const std::string& id) noexcept;

// Removes them; returns how many went. Never throws: a cgroup that cannot be
// removed now is left for the next sweep (logged at debug level).
std::size_t remove_stale_cgroups(Manager& manager, std::chrono::seconds min_age = kStaleAfter);

}  // namespace lit::cgroups
