#pragma once
// `--network container:NAME`: a container that lives in another running
// container's network namespace, as docker's container network mode. It has no
// network attachments of its own; its /etc/hosts and /etc/resolv.conf are
// copies of the target's, its hostname is its own.
#include "runtime/state/record.hpp"
#include "runtime/util/fs.hpp"
#include "runtime/util/paths.hpp"

namespace lit::runtime {

// The target's network namespace (its init's /proc/PID/ns/net) for the init to
// join, after copying the target's hosts and resolv.conf into record's bundle.
// Throws StartError (125) naming the target when it is gone or not running.
UniqueFd open_joined_netns(const Paths& paths, const ContainerRecord& record);

// --pid container:NAME and --ipc container:NAME: the target's PID or IPC
// namespace. Throws StartError (125) as above; the IPC one also when the target
// is not shareable (docker's "non-shareable IPC"). With the IPC namespace
// comes the target's mount namespace, whose /dev/shm the container shares.
struct JoinedIpc {
  UniqueFd ipcns, mntns;
};
UniqueFd open_joined_pidns(const Paths& paths, const ContainerRecord& record);
JoinedIpc open_joined_ipcns(const Paths& paths, const ContainerRecord& record);

}  // namespace lit::runtime
