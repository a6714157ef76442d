#pragma once
// --volumes-from: the volumes and binds of other containers, resolved at create.
#include "runtime/spec/request.hpp"
#include "runtime/state/record_store.hpp"
#include "runtime/util/paths.hpp"

namespace lit::runtime {

// Appends to request.volumes each volume (named or anonymous: the same volume)
// and bind of the containers request.volumes_from names, at the same
// destination, read-only as the entry says or as the source has it. A
// destination the request mounts itself keeps the request's mount (as docker);
// tmpfs and the files lit writes for a container (secrets, configs) are not
// inherited. Throws "no such container: NAME" as docker does.
void add_volumes_from(const Paths& paths, const RecordStore& records, ContainerRequest& request);

}  // namespace lit::runtime
