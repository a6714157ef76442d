#pragma once
// `image save`: images of the store as one archive, in either format
// `image load` (and podman and docker load) read:
//   docker-archive  manifest.json, repositories, <config-hex>.json and
//                   <diff-id-hex>/layer.tar (the classic layout podman writes)
//   oci-archive     oci-layout, index.json (one descriptor per tag, annotated
//                   org.opencontainers.image.ref.name and io.containerd.image.name
//                   with the full reference), blobs/sha256/<hex>
// Layers are uncompressed tars regenerated from the unpacked layers
// (layer_tar.hpp). When a regenerated tar is not byte for byte the one the
// image was loaded from, its diff ID differs, so the saved config lists the
// new diff IDs and the saved image has a new id; an image that lit wrote
// itself (saved, then loaded) round-trips with the same id. Every entry of
// the outer tar has mtime 0 and owner 0:0: the same images give the same bytes.
#include <filesystem>
#include <string>
#include <vector>

#include "runtime/image/layer_tar.hpp"

namespace lit::image {

enum class SaveFormat { docker_archive, oci_archive };

// "docker-archive" or "oci-archive"; throws lit::Error for anything else.
SaveFormat parse_save_format(const std::string& name);

// What a reference to save becomes: the image and the tag it was named by
// (normalized; empty when named by id or digest).
struct SaveRequest {
  std::string id;
  std::vector<std::string> tags;
};

// Resolves every reference first (an unknown one is an error before any
// output); references to the same image are merged into one entry.
std::vector<SaveRequest> resolve_save(const std::filesystem::path& images_root,
                                      const std::vector<std::string>& references);

// `config` with rootfs.diff_ids replaced by `diff_ids` (the regenerated
// layers'), or unchanged when they are the ones it lists. `what` names the
// image in errors. Save and push both use it.
std::string config_with_diff_ids(const std::string& config,
                                 const std::vector<std::string>& diff_ids, const std::string& what);

// Writes the archive to `sink`.
void save_images(const std::filesystem::path& images_root, const std::vector<SaveRequest>& images,
                 SaveFormat format, const TarSink& sink);

// The same into `file`, replaced atomically: a failed save leaves no file.
void save_images_to_file(const std::filesystem::path& images_root,
                         const std::vector<SaveRequest>& images, SaveFormat format,
                         const std::filesystem::path& file);

}  // namespace lit::image
