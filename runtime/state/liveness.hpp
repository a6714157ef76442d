#pragma once
// Whether a container's processes are alive. A record's status is always
// checked against the live process (pid + its start time), so a container
// whose supervisor died is reported as exited, never as running forever.
#include <sys/types.h>

#include <cstdint>
#include <string>

#include "runtime/process/identity.hpp"
#include "runtime/state/record.hpp"

namespace lit::runtime {

// Whether the container's supervisor (lit-shim) is alive.
bool supervisor_alive(const ContainerState& state);

// The record's state corrected by what is alive, so it is never stale:
// Running whose init is gone, whose supervisor died, or from an earlier boot
// becomes Exited (exit code 255 unless one was recorded, and `error` says
// why); Restarting without a live supervisor becomes Exited too.
ContainerState observed_state(const ContainerRecord& record);

}  // namespace lit::runtime
