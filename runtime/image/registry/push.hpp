#pragma once
// `lit image push`: an image of the store to a registry, as docker pushes:
// each layer regenerated from its unpacked directory as a deterministic gzip
// blob (layer_blob.hpp) and measured in a first pass; then, per layer, a HEAD
// skips what the registry has, a cross-repository mount is tried when the
// image is also tagged in another repository of the same registry, and
// anything else is uploaded (POST, then one PUT whose body is the blob
// regenerated a second time and streamed: never held in memory). Then the
// config (rewritten when a regenerated layer's diff ID differs from the
// stored one, as `image save` does) and the manifest, PUT under the tag.
#include <cstdint>
#include <filesystem>
#include <functional>
#include <string>
#include <string_view>
#include <vector>

#include "runtime/image/registry/credentials.hpp"
#include "runtime/image/registry/manifest.hpp"

namespace lit::image {

inline constexpr std::string_view kDockerConfig = "application/vnd.docker.container.image.v1+json";
inline constexpr std::string_view kDockerLayerGzip =
    "application/vnd.docker.image.rootfs.diff.tar.gzip";
inline constexpr std::string_view kOciConfig = "application/vnd.oci.image.config.v1+json";
inline constexpr std::string_view kOciLayerGzip = "application/vnd.oci.image.layer.v1.tar+gzip";

enum class ManifestFormat { docker_v2s2, oci };

// "v2s2" / "docker" or "oci"; throws lit::Error for anything else.
ManifestFormat parse_manifest_format(const std::string& name);

// The manifest for a config and gzip layers (digests and sizes set; media
// types are filled in for the format). Compact JSON, keys in a fixed order.
std::string make_push_manifest(ManifestFormat format, const Descriptor& config,
                               const std::vector<Descriptor>& layers);

struct PushEvent {
  enum class Kind {
    Preparing,  // layer measured, queued
    Exists,     // the registry has it
    Mounted,    // mounted from `message` (a repository)
    Pushing,    // current/total bytes
    Pushed,
  };
  Kind kind;
  std::string layer;  // the blob's digest
  std::uint64_t current = 0, total = 0;
  std::string message;
};

struct PushOptions {
  std::vector<std::string> insecure_registries;  // plain HTTP allowed (beside local ones)
  AuthFiles auth;
  ManifestFormat format = ManifestFormat::docker_v2s2;
  std::function<void(const PushEvent&)> progress;
};

struct PushResult {
  std::string repository;  // normalized destination repository ("127.0.0.1:5000/app")
  std::string tag;
  std::string manifest_digest;
  std::uint64_t manifest_size = 0;
};

// Pushes the local image `source` to `destination` (a reference with a tag;
// default: `source`). Errors are one line naming the image and the registry.
PushResult push_image(const std::filesystem::path& images_root, const std::string& source,
                      const std::string& destination, const PushOptions& options);

}  // namespace lit::image
