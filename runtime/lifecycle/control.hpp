#pragma once
// Commands on existing containers: start, stop, restart, kill, wait. They act on the
// live processes (through pidfds checked against the recorded start time, so
// a reused pid is never signalled) and leave the recording of exits to the
// container's supervisor.
#include <functional>
#include <optional>
#include <string>

#include "runtime/cgroups/cgroup.hpp"
#include "runtime/state/record.hpp"
#include "runtime/util/paths.hpp"

namespace lit::runtime {

// Starts a created or exited container detached (a new supervisor); nothing
// to do when it runs already. Throws StartError when it cannot start.
void start_container(const Paths& paths, const ContainerRecord& record);

// The stop signal (the container's, or `signal`), then SIGKILL after the
// timeout (the container's stop timeout unless given); returns once the exit
// is recorded. The restart policy does not bring it back. Stopping a stopped
// container is not an error, as in docker.
void stop_container(const Paths& paths, const ContainerRecord& record,
                    std::optional<int> timeout_seconds = std::nullopt);

// docker restart: stop (as stop_container), then start again; nothing
// stopped is not an error. Throws StartError when it cannot start.
void restart_container(const Paths& paths, const ContainerRecord& record,
                       std::optional<int> timeout_seconds = std::nullopt);

// Sends a signal to the container's init. Throws when it is not running.
// A terminating signal counts as stopped by the user (no restart).
void kill_container(const Paths& paths, const ContainerRecord& record, int signal);

// rm -f: SIGKILLs the container, ends its supervisor (after it recorded the
// exit, or by force) and destroys its cgroup, whatever the record says; then
// runs `then` (e.g. removing the record) before another command may act.
void kill_all(const Paths& paths, const ContainerRecord& record,
              const std::function<void(const ContainerRecord&)>& then = {});

// Freezes every process of a running container (its cgroup's freezer), as
// docker pause; unpause thaws them. Errors as docker's: not running, already
// paused, not paused; and when the host has no cgroup freezer.
void pause_container(const Paths& paths, const ContainerRecord& record);
void unpause_container(const Paths& paths, const ContainerRecord& record);

// docker update: the limits given (the others stay) applied at once to a
// running container's cgroup, then kept in its record for its next starts.
// A limit the kernel refuses (memory below what it uses) changes nothing.
void update_container(const Paths& paths, const ContainerRecord& record,
                      const cgroups::Limits& limits);

// docker rename: the container's new name, in its record and, on lit
// networks, in DNS (its other names and its hostname stay). Errors as docker's:
// an invalid or taken name. When DNS cannot follow, the old name is restored.
ContainerRecord rename_container(const Paths& paths, const ContainerRecord& record,
                                 const std::string& name);

// Blocks until the container is not running; its exit code.
int wait_container(const Paths& paths, const ContainerRecord& record);

// Parses "SIGTERM", "TERM", "term" or "15"; throws naming `flag`.
int parse_signal(const std::string& text, const std::string& flag);

}  // namespace lit::runtime
