#pragma once
// An unpacked layer directory (an overlayfs lowerdir, as unpack.hpp makes it)
// back into a layer tar, for `image save` and `image push`. The store keeps
// no compressed blobs, so the tar is regenerated, and it must be the same
// bytes every time for the same directory (its sha256 is the layer's diff ID
// in what lit writes). The rules, tested in tests/unit/runtime/image/layer_tar_test.cpp:
//  - entries depth first, each directory's entries sorted by their tar name
//    (bytewise), paths relative ("bin/", "bin/sh"); no entry for the root;
//  - headers: ustar (pax only where ustar cannot hold a value: long names,
//    xattrs, large ids or sizes), mode, uid and gid from the file, mtime from
//    the file truncated to whole seconds, no atime/ctime, no user or group
//    names (never looked up on the host); lit runs in the C locale, so a
//    name that is not ASCII goes out as its bytes (pax hdrcharset=BINARY);
//  - an overlay whiteout (0:0 char device NAME) becomes an empty regular file
//    ".wh.NAME", mode 0600, owner 0:0, mtime 0 (its own metadata is the time
//    it was unpacked, not part of the image); an opaque directory
//    (trusted.overlay.opaque=y) gets an empty ".wh..wh..opq" right after its
//    own entry, with the directory's mode, owner and mtime (as docker writes it);
//  - hard links: the first path (in entry order) carries the data, later ones
//    are tar hard links to it;
//  - xattrs: user.* and security.capability only (what unpack applies), by name;
//  - device nodes and FIFOs kept; sockets skipped.
// Unpacking the result with unpack_layer gives the same tree, and writing it
// again gives the same bytes: the output is a fixed point of unpack + write.
#include <cstdint>
#include <filesystem>
#include <functional>
#include <string>
#include <string_view>

namespace lit::image {

struct LayerTarDigest {
  std::string diff_id;     // "sha256:<hex>" of the tar
  std::uint64_t size = 0;  // bytes of the tar
};

// Receives the tar's bytes in order; may throw (the write is abandoned).
using TarSink = std::function<void(std::string_view)>;

// A user-namespaced container's files as it sees them: host ids in
// [uid_host, uid_host + size) are written as id - uid_host (gids alike), so a
// commit of a `--userns auto` container has root's files owned by 0. Others
// are written as they are. size 0: no shift.
struct IdUnshift {
  std::uint32_t uid_host = 0, gid_host = 0, size = 0;
};

// Writes the layer in `dir` as a tar to `sink` (nullptr: only hashed).
// Throws lit::Error naming the file that could not be read.
LayerTarDigest write_layer_tar(const std::filesystem::path& dir, const TarSink& sink,
                               const IdUnshift& ids = {});

}  // namespace lit::image
