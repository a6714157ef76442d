#pragma once
// The root of a container with its own user namespace, made by lit on the
// host side (it needs host privileges the container's init no longer has):
// each image layer cloned as an id-mapped mount (open_tree(OPEN_TREE_CLONE) +
// mount_setattr(MOUNT_ATTR_IDMAP) with the namespace), so files owned by host
// root in the shared layers appear owned by the container's root without
// copying anything (where the filesystem cannot, a copy with shifted ids
// stands in: see make_idmapped_rootfs); then overlayfs over them with the bundle's upper/ and
// work/, owned by the container's root.
//
// Every mount here is detached (never attached to any mount namespace of the
// host): it exists only as long as a file descriptor or the init's mount
// namespace holds it, so no error path or crash leaves one behind.
#include <sys/types.h>

#include <filesystem>
#include <vector>

#include "runtime/spec/userns.hpp"
#include "runtime/util/fs.hpp"

namespace lit::runtime {

// layers bottom first (init_layer, if any, above them). Returns the overlay's
// detached mount (its root), for the init to attach at its rootfs.
// A layer whose filesystem cannot id-map mounts (mount_setattr: EINVAL; ramfs,
// for one) is replaced by its copy with ids shifted into the range, kept under
// layer_copies (userns/layer_copies.hpp); without layer_copies that throws.
UniqueFd make_idmapped_rootfs(const std::vector<std::filesystem::path>& layers,
                              const std::filesystem::path& bundle, int userns_fd,
                              const UserNamespace& ns, bool volatile_upper,
                              const std::filesystem::path& init_layer = {},
                              const std::filesystem::path& layer_copies = {});

// A detached clone of dir, id-mapped through userns_fd.
UniqueFd idmapped_clone(const std::filesystem::path& dir, int userns_fd);

}  // namespace lit::runtime
