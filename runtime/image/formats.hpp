#pragma once
// From a staged archive to the images it holds: docker-archive (manifest.json,
// as docker/podman save write it, old and new layouts) and OCI image layout
// (oci-layout + index.json + blobs/sha256). Checks every digest the format
// states (config, manifest, compressed layer blobs); diff_ids are checked by
// the store while it unpacks.
#include <string>
#include <vector>

#include "runtime/image/archive.hpp"

namespace lit::image {

struct PendingLayer {
  const StagedFile* file = nullptr;
  std::string source;  // path inside the archive, for errors
};

struct PendingImage {
  std::string config;  // the config blob
  std::string id;      // sha256 of config
  std::string manifest;
  std::string manifest_digest;
  std::vector<PendingLayer> layers;  // bottom first
  std::vector<std::string> tags;     // normalized references
};

std::vector<PendingImage> read_docker_archive(const ArchiveContents& archive);
std::vector<PendingImage> read_oci_archive(const ArchiveContents& archive);

// Detects the format by its marker files; throws when it is neither.
std::vector<PendingImage> read_image_archive(const ArchiveContents& archive);

}  // namespace lit::image
