#pragma once
// Making a bundle: the project's files and its images' blobs (regenerated from
// the store as `image save` writes them, each blob once) behind a bundle.json
// listing every entry with its digest.
#include <filesystem>
#include <string>
#include <vector>

#include "runtime/bundle/manifest.hpp"
#include "runtime/image/outer_tar.hpp"

namespace lit::bundle {

struct ProjectFile {
  std::string path;              // in the project directory (valid_relative_path)
  std::filesystem::path source;  // where it is read now
};

struct ImageToBundle {
  std::string reference;  // as the services name it
  std::vector<std::string> services;
  std::string id;  // the store's image id
};

struct BundleRequest {
  std::string project, lit_version;
  std::vector<std::string> compose_files, env_files, profiles;  // Manifest's
  std::vector<ProjectFile> files;
  std::vector<ImageToBundle> images;
  image::TarCompression compression = image::TarCompression::none;
};

// Writes the bundle into `out`, replaced atomically (a failure leaves no
// file); returns its manifest. bundle.json is the first entry, so `inspect`
// reads no further.
Manifest write_bundle(const std::filesystem::path& images_root, const BundleRequest& request,
                      const std::filesystem::path& out);

}  // namespace lit::bundle
