#pragma once
// The image store held against itself, for `lit system check`: tags that point
// at no image, images whose config blob is missing or does not match its
// digest, whose unpacked layers are missing, or whose layer's files no longer
// give the digest recorded for them (a file changed, added or removed; see
// layer_content.hpp), and unpacked layers that no image lists (an unpack cut
// short before its commit). Looked at under the store's lock; while a writer
// (load, pull, build) holds it, not at all.
//
// Every layer an image uses is hashed on every check, on all cores: measured
// on two, about 35 ms per 100 MB of files in the page cache (70 ms of CPU);
// a writer waiting for the lock meanwhile waits that long. A layer stored by
// a lit that recorded no content digests is trusted on its first check: its
// digest is recorded then (state.json is written), and held against after.
// Skipping such layers instead would leave them unchecked for good, and they
// would be hashed on every check for nothing.
#include <filesystem>
#include <vector>

#include "runtime/lifecycle/leftovers.hpp"

namespace lit::image {

std::vector<runtime::Leftover> image_store_leftovers(const std::filesystem::path& images_root);

}  // namespace lit::image
