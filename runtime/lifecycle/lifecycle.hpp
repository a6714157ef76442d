#pragma once
// Container use cases on top of the runtime core: create (record + bundle +
// volumes), run in the foreground keeping the record true, and remove.
#include <functional>
#include <string>
#include <vector>

#include "runtime/process/run.hpp"
#include "runtime/spec/create.hpp"
#include "runtime/state/record.hpp"
#include "runtime/util/paths.hpp"

namespace lit::runtime {

// Checks the request, resolves the image, builds the spec, then creates the
// record (status Created) with its bundle dir, bind sources and volumes.
// On failure nothing of the container is left.
ContainerRecord create_container(const Paths& paths, const ContainerRequest& request);

// Runs a created container in the foreground: the record becomes Running
// (pid) once the command is exec'd, then Exited (code, oom_killed). With the
// record's auto_remove, record, bundle and anonymous volumes are removed after
// it exits, also when it fails to start. Rethrows StartError after recording it.
// `started` is called once the command runs (its record says Running).
ExitStatus run_created(const Paths& paths, const ContainerRecord& record,
                       const std::function<void()>& started = {});

// What starting a container needs from outside it: the hook that attaches a
// bridge-networked container (the network manager's start), storing the ports
// it bound in `ports`; a joined network namespace; the seccomp cache in the run
// root. network_stop undoes the attachment after the container exited;
// network_remove also releases its addresses (the container is removed). Both
// do nothing for a container not on lit networks. Names::Later (a held start):
// its DNS names wait for hooks.before_go, which publishes them.
RunHooks start_hooks(const Paths& paths, const ContainerRecord& record,
                     std::vector<PublishedPort>& ports, Names names = Names::WithStart);
void network_stop(const Paths& paths, const ContainerRecord& record);
void network_remove(const Paths& paths, const ContainerRecord& record) noexcept;

// --rm: removes record, bundle and anonymous volumes of a container that has
// exited (the record may already be gone: `rm -f` while it ran).
void discard_container(const Paths& paths, const ContainerRecord& record);

// The events of a run's end, as docker records them: oom when the kernel
// killed it for memory, then die with its exitCode.
void record_exit_events(const Paths& paths, const ContainerRecord& record,
                        const ExitStatus& status);

// Removes record, bundle and, with `volumes`, its anonymous volumes. A running
// container needs `force`, which kills its cgroup's processes first.
void remove_container(const Paths& paths, const ContainerRecord& record, bool force, bool volumes);

}  // namespace lit::runtime
