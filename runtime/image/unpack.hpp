#pragma once
// Safe layer extraction: a (plain, gzip or zstd) tar stream becomes a
// directory usable as an overlayfs lowerdir. This is a security boundary:
// no entry can create or change anything outside `dest`.
//
// Policy (documented behaviour, tested in tests/unit/image/unpack_test.cpp):
//  - leading '/' is stripped; ".." is applied lexically and an entry whose
//    path climbs above the layer root fails the whole unpack;
//  - parents are resolved in-root (openat2 RESOLVE_IN_ROOT): a symlink in the
//    layer pointing to "/tmp/x" or "../../" resolves inside the layer, never out;
//    the final component is never followed (existing entries are replaced);
//  - hard links only to an entry already extracted in the same layer;
//  - char/block devices only when `allow_devices` (default: running as root),
//    otherwise skipped with a warning; FIFOs always; sockets skipped;
//  - xattrs: only user.* and security.capability are applied (trusted.overlay.*
//    from an archive could redirect overlayfs lookups);
//  - OCI whiteouts: ".wh.NAME" -> 0:0 char device NAME (unless NAME is in this
//    same layer), ".wh..wh..opq" -> trusted.overlay.opaque=y on its directory.
#include <cstdint>
#include <filesystem>
#include <string>
#include <string_view>

#include "runtime/spec/userns.hpp"

namespace lit::image {

struct UnpackOptions {
  bool allow_devices;       // create char/block device nodes from the archive
  bool preserve_owner;      // chown to the archive's uid/gid
  bool use_openat2 = true;  // false forces the no-openat2 fallback (tests)
  // With preserve_owner, into a user-namespaced container (`cp -`): the
  // archive's ids are the container's, each chowned to its host id in the
  // range (runtime::to_host); ids the range does not cover are kept as they
  // are, as `cp -a` does. Empty (not enabled): the archive's ids as they are.
  runtime::UserNamespace container_ids{};
  static UnpackOptions defaults();  // both true when running as root
};

struct UnpackResult {
  std::string diff_id;             // sha256 of the uncompressed tar stream
  std::uint64_t tar_size = 0;      // bytes of the uncompressed tar stream
  std::uint64_t content_size = 0;  // bytes of regular files written
};

// Reads a layer from fd and extracts it into `dest` (an existing, empty
// directory). `what` names the layer in errors ("layer blobs/sha256/ab.. in x.tar").
UnpackResult unpack_layer(int fd, const std::filesystem::path& dest, std::string_view what,
                          const UnpackOptions& options = UnpackOptions::defaults());

// Only decompresses and hashes: for a layer the store already has.
UnpackResult digest_layer(int fd, std::string_view what);

}  // namespace lit::image
