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
#include <set>
#include <string>
#include <vector>

#include "runtime/image/layer_tar.hpp"
#include "runtime/image/outer_tar.hpp"

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

// One image as it is written: its config (rewritten when a regenerated layer
// has a new diff ID, and then a new id), its layers regenerated and measured
// (uncompressed tars: each one's digest is its diff ID), and its OCI manifest.
struct PreparedImage {
  std::string id, config;
  std::vector<std::string> tags;  // normalized
  std::vector<LayerTarDigest> layers;
  std::vector<std::filesystem::path> dirs;  // the unpacked layers, bottom first
  std::string manifest, manifest_digest;
};

// Every layer is read once (and once more when written), even when shared.
std::vector<PreparedImage> prepare_images(const std::filesystem::path& images_root,
                                          const std::vector<SaveRequest>& images);

// The image's blobs under blobs/sha256/<hex> (layers, config, manifest),
// each blob whose digest is not in `written` yet (then added to it).
void write_oci_blobs(const PreparedImage& image, OuterTar& tar, std::set<std::string>& written);

// Writes the archive to `sink`.
void save_images(const std::filesystem::path& images_root, const std::vector<SaveRequest>& images,
                 SaveFormat format, const TarSink& sink);

// The same into `file`, replaced atomically: a failed save leaves no file.
void save_images_to_file(const std::filesystem::path& images_root,
                         const std::vector<SaveRequest>& images, SaveFormat format,
                         const std::filesystem::path& file);

}  // namespace lit::image
