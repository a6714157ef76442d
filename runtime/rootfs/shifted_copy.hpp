#pragma once
// A layer copied with every owner moved into a user namespace's range: the
// fallback for `--userns auto` where the layers' filesystem cannot id-map a
// mount (ramfs, for one). The copy is what the id-mapped mount would show:
//  - an id the range covers becomes range start + id (uids and gids alike);
//  - an id past the range's size becomes the host's overflow id (65534), which
//    the container sees as nobody and cannot own, as it sees such a file
//    through an id-mapped mount; when the overflow id is inside the range
//    itself the copy is refused, naming the file (the container would own it);
//  - modes (setuid/setgid too: set after the chown that clears them),
//    timestamps, symlinks, hard links within the layer (kept as links),
//    device nodes and FIFOs, overlay whiteouts (0:0 character devices) and
//    every xattr (trusted.overlay.opaque and the like, so the layer stack's
//    overlay semantics survive);
//  - security.capability: a v2 capability (no root id) is copied as it is; a
//    v3 one has its root id moved like a uid, and is dropped when the range
//    does not cover it (the kernel would not honour it in the container).
#include <cstdint>
#include <filesystem>
#include <string>

#include "runtime/spec/userns.hpp"

namespace lit::runtime {

// The id-mapped mount's view of the layers' owners, made permanent.
struct IdShift {
  IdMapping uid, gid;
  std::uint32_t overflow_uid = 65534, overflow_gid = 65534;  // the host's overflowuid/gid
};

// For a container's namespace, with the host's overflow ids (/proc/sys/kernel/overflow{u,g}id).
IdShift id_shift_for(const UserNamespace& ns);

// The host id a layer file's uid (gid) becomes in the copy (see above);
// `file` names the file in the error when there is none.
std::uint32_t shift_uid(const IdShift& s, std::uint32_t id, const std::string& file);
std::uint32_t shift_gid(const IdShift& s, std::uint32_t id, const std::string& file);

// Copies the tree at `layer` into `dest` (an existing empty directory, which
// takes the layer root's owner, mode and times). Throws lit::Error naming the
// entry that failed; the caller removes the half-made copy.
void copy_layer_shifted(const std::filesystem::path& layer, const std::filesystem::path& dest,
                        const IdShift& shift);

}  // namespace lit::runtime
