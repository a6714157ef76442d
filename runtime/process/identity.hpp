#pragma once
// Telling a process apart from a later one that reuses its pid: its start time
// (and the boot it was recorded in).
#include <sys/types.h>

#include <cstdint>
#include <string>

#include "runtime/util/fs.hpp"

namespace lit::runtime {

// /proc/<pid>/stat field 22 (start time in clock ticks since boot); 0 if gone.
std::uint64_t process_start_time(pid_t pid);
// True when pid is alive and is still the process that started at start_time.
bool process_alive(pid_t pid, std::uint64_t start_time);
// A pidfd (readable once it exits) for the process that started at
// start_time; none when it is gone and its pid maybe reused.
UniqueFd open_pidfd(pid_t pid, std::uint64_t start_time);

// This boot's /proc/sys/kernel/random/boot_id: pids recorded in another boot mean nothing.
std::string current_boot_id();

}  // namespace lit::runtime
