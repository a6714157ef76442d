#pragma once
// The OCI image config blob: reading the parts lit uses, and writing the
// config of an imported rootfs.
#include <nlohmann/json.hpp>
#include <string>
#include <string_view>
#include <vector>

#include "runtime/image/store.hpp"

namespace lit::image {

// Parses a config blob; throws lit::Error naming `what` when it is not valid.
nlohmann::json parse_config_blob(std::string_view blob, std::string_view what);

// rootfs.diff_ids, each validated as a sha256 digest.
std::vector<std::string> config_diff_ids(const nlohmann::json& config, std::string_view what);

// Fills config, created, architecture and os of `image` from a parsed config.
void fill_from_config(Image& image, const nlohmann::json& config);

// docker's name for this machine's architecture ("amd64", "arm64", ...).
std::string host_architecture();

// Current UTC time in RFC 3339 with seconds ("2024-05-01T10:00:00Z").
std::string now_rfc3339();

// The config of a one-layer image made by `image import`.
std::string import_config(const std::string& diff_id, const std::string& created,
                          const std::string& comment);

// An OCI manifest for a config and layers whose descriptors we know.
struct LayerDescriptor {
  std::string media_type, digest;
  std::uint64_t size = 0;
};
std::string make_manifest(std::string_view config, const std::vector<LayerDescriptor>& layers);

}  // namespace lit::image
