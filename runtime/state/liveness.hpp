#pragma once
// Whether a container's processes are alive. A record's status is always
// checked against the live process (pid + its start time), so a container
// whose supervisor died is reported as exited, never as running forever.
#include <sys/types.h>

#include <cstdint>
#include <string>

#include "runtime/state/record.hpp"

namespace lit::runtime {

// /proc/<pid>/stat field 22 (start time in clock ticks since boot); 0 if gone.
std::uint64_t process_start_time(pid_t pid);
// True when pid is alive and is still the process that started at start_time.
bool process_alive(pid_t pid, std::uint64_t start_time);

// This boot's /proc/sys/kernel/random/boot_id: pids recorded in another boot mean nothing.
std::string current_boot_id();

// Whether the container's supervisor (lit-shim) is alive.
bool supervisor_alive(const ContainerState& state);

// The record's state corrected by what is alive, so it is never stale:
// Running whose init is gone, whose supervisor died, or from an earlier boot
// becomes Exited (exit code 255 unless one was recorded, and `error` says
// why); Restarting without a live supervisor becomes Exited too.
ContainerState observed_state(const ContainerRecord& record);

}  // namespace lit::runtime
