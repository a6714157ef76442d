#pragma once
// Reading a bundle back: every entry copied out of the archive (plain, gzip or
// zstd) into a staging directory under a flat name, hashed on the way, then the
// whole checked against bundle.json before anyone uses a byte of it. Nothing
// is written at a path taken from the archive.
#include <filesystem>
#include <map>
#include <string>
#include <vector>

#include "runtime/bundle/manifest.hpp"
#include "runtime/image/archive.hpp"
#include "runtime/image/formats.hpp"

namespace lit::bundle {

using StagedEntries = std::map<std::string, image::StagedFile>;  // entry name -> its copy

struct VerifiedBundle {
  Manifest manifest;
  StagedEntries entries;
  const image::StagedFile& entry(const std::string& name) const { return entries.at(name); }
};

// Reads and verifies the bundle in `fd`; `staging` is an empty directory (made
// when missing). Throws lit::Error naming the first entry that is wrong:
// "entry \"../x\" escapes the bundle", "digest mismatch for blobs/sha256/...",
// "missing ...", "unlisted entry \"x\"". The caller adds which bundle.
VerifiedBundle read_bundle(int fd, const std::filesystem::path& staging);

// The checks read_bundle makes once the entries are staged: every file and
// blob bundle.json lists is there with its digest, every blob is named by its
// digest, each image's manifest and config agree with bundle.json, and there
// is nothing else.
void verify_bundle(const Manifest& manifest, const StagedEntries& entries);

// Only bundle.json, the other entries skipped (`bundle inspect`).
Manifest read_manifest(int fd);

// The bundle's images as the image store's transaction takes them (tagged
// with their references); the layers point into `bundle`, which must outlive them.
std::vector<image::PendingImage> pending_images(const VerifiedBundle& bundle);

}  // namespace lit::bundle
