#pragma once
// The OCI content store: blobs by sha256 digest, layers unpacked once (keyed by
// their uncompressed diff ID) and shared by every image that uses them, and
// tags (normalized references) pointing to images.
//
// On-disk layout under <root>/images (OCI image-layout semantics):
//   blobs/sha256/<hex>                 manifests and configs (compressed layer
//                                      blobs are not kept: the unpacked layer is)
//   layers/sha256/<diffid-hex>/diff/   unpacked layer, an overlayfs lowerdir
//   state.json                         images, layers and tags (reference -> id),
//                                      replaced atomically: the commit point
//   tmp/                               staging for loads; cleared under the lock,
//                                      except a running pull's (it holds its flock)
//   lock                               store-wide flock for writers
// Writers (load, import, remove, build) hold the lock; a pull downloads and
// unpacks without it and takes it to commit; readers read state.json as is.
#include <cstdint>
#include <filesystem>
#include <functional>
#include <map>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <vector>

namespace lit::image {

// The parts of an image's config (OCI "config" object) that shape a container.
struct ImageConfig {
  std::vector<std::string> entrypoint;
  std::vector<std::string> cmd;
  std::vector<std::string> env;  // "K=V"
  std::string working_dir;
  std::string user;
  std::string stop_signal;
  std::map<std::string, std::string> labels;
  std::vector<std::string> exposed_ports;  // "80/tcp"
  nlohmann::json healthcheck;              // docker's Healthcheck object, or null
};

struct Image {
  std::string id;                     // "sha256:<hex>" of the config blob
  std::string manifest_digest;        // "sha256:<hex>" (synthesized for docker archives)
  std::vector<std::string> tags;      // normalized references: "docker.io/library/busybox:latest"
  std::vector<std::string> diff_ids;  // "sha256:<hex>", bottom layer first
  ImageConfig config;
  std::string created;  // RFC 3339, from the config
  std::string architecture, os;
  std::int64_t size = 0;  // bytes of unpacked layers
};

class Store {
 public:
  explicit Store(std::filesystem::path images_root);

  // Loads a docker-archive or OCI archive (plain, gzip or zstd). Verifies every
  // digest; on any error nothing is stored. Returns the images it loaded.
  std::vector<Image> load_archive(const std::filesystem::path& archive);
  // The same from an open stream (stdin); `name` is used in messages.
  std::vector<Image> load_archive(int fd, const std::string& name);

  // A plain rootfs tarball becomes a one-layer image tagged `reference`.
  // An empty `reference` leaves the image untagged.
  Image import_rootfs(const std::filesystem::path& tarball, const std::string& reference);
  Image import_rootfs(int fd, const std::string& name, const std::string& reference);

  // `base` plus one layer from a tar stream (`name` is used in messages and the
  // history), tagged `reference` (or untagged when empty). Deterministic: the
  // same base and tar bytes give the same image id, stored once.
  Image add_layer(const Image& base, int tar_fd, const std::string& name,
                  const std::string& reference);

  // Newest first (by created), as `docker images` lists them.
  std::vector<Image> list() const;

  // By reference (normalized as docker does), "sha256:<hex>", or a unique id
  // prefix of at least 4 hex digits (with or without "sha256:"). Throws
  // lit::Error "image not found: REF" with a hint when absent, and errors for
  // an invalid reference or an ambiguous prefix (find too).
  Image resolve(const std::string& reference) const;
  std::optional<Image> find(const std::string& reference) const;

  // Unpacked layer directories for overlayfs, bottom layer first; throws when
  // one is missing from the store.
  std::vector<std::filesystem::path> layer_dirs(const Image& image) const;

  // Removes a tag, or the image with all its tags when `reference` is an id.
  // Blobs and layers no longer used by any image are deleted. `in_use` tells
  // whether a container uses an image id; in use and not `force` -> error;
  // in use and `force` -> only untagged (the image stays for its containers).
  // An id with several tags needs `force`, as in docker.
  // Returns the lines docker prints ("Untagged: ...", "Deleted: ...").
  std::vector<std::string> remove(const std::string& reference, bool force,
                                  const std::function<bool(const std::string& id)>& in_use);

  const std::filesystem::path& root() const { return root_; }

 private:
  std::filesystem::path root_;
};

}  // namespace lit::image
