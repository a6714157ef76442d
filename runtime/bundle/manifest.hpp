#pragma once
// An offline bundle (`lit bundle create/apply/inspect`): one tar holding
//   bundle.json            this manifest
//   files/<path>           the project's files, by their path in the project directory
//   blobs/sha256/<hex>     every image's config, OCI manifest and layers
//                          (uncompressed tars), each blob once
// The manifest lists every entry with its sha256, so `apply` checks the whole
// archive before it changes anything. It knows files and images, not projects:
// the project name and its load flags are carried as plain values.
#include <cstdint>
#include <nlohmann/json.hpp>
#include <string>
#include <string_view>
#include <vector>

namespace lit::bundle {

inline constexpr int kFormatVersion = 1;
inline constexpr const char* kManifestName = "bundle.json";

struct BundleFile {
  std::string path;    // relative to the project directory, clean (no "..")
  std::string digest;  // "sha256:<hex>" of its bytes
  std::uint64_t size = 0;
  std::uint32_t mode = 0644;
  bool operator==(const BundleFile&) const = default;
};

struct BundleLayer {
  std::string digest;  // of the uncompressed tar: the layer's diff ID
  std::uint64_t size = 0;
  bool operator==(const BundleLayer&) const = default;
};

struct BundleImage {
  std::string reference;              // normalized, as the services name it
  std::vector<std::string> services;  // the services that run it
  std::string id;                     // "sha256:<hex>" of its config blob
  std::string manifest;               // "sha256:<hex>" of its OCI manifest blob
  std::uint64_t manifest_size = 0, config_size = 0;
  std::vector<BundleLayer> layers;  // bottom first
  std::uint64_t size() const;       // config, manifest and layers, in bytes
  bool operator==(const BundleImage&) const = default;
};

struct Manifest {
  int format = kFormatVersion;
  std::string project;      // the project's name
  std::string created;      // RFC 3339, UTC
  std::string lit_version;  // of the lit that made it
  // How the project is loaded from its files: -f files, --env-file files
  // (relative paths, both empty: discovery and .env) and --profile.
  std::vector<std::string> compose_files, env_files, profiles;
  std::vector<BundleFile> files;
  std::vector<BundleImage> images;
  bool operator==(const Manifest&) const = default;
};

nlohmann::json to_json(const Manifest& m);
// Throws lit::Error "bundle.json: what is wrong" for anything but a manifest
// this lit can apply (an unknown format version, a path leaving the project
// directory, a malformed digest).
Manifest parse_manifest(std::string_view text);

// A path inside the project directory: relative, each component a plain name
// (no "", ".", ".."), not too long.
bool valid_relative_path(std::string_view path);

// Names of entries in the archive.
std::string file_entry(std::string_view path);    // "files/<path>"
std::string blob_entry(std::string_view digest);  // "blobs/sha256/<hex>"

}  // namespace lit::bundle
