#pragma once
// Reading the store: from a user's reference to an image id, and from an id
// to the Image the rest of lit sees. Paths of blobs and layers live here too.
#include <filesystem>
#include <optional>
#include <string>

#include "runtime/image/state.hpp"
#include "runtime/image/store.hpp"

namespace lit::image {

inline constexpr std::size_t kMinIdPrefix = 4;

struct Match {
  std::string id;
  std::string tag;  // the normalized tag it was found by; empty when found by id/digest
};

// Tag, then digest reference, then full id or unique id prefix (>= 4 hex).
// nullopt when absent; throws for an invalid reference or an ambiguous prefix.
std::optional<Match> lookup(const StoreState& state, const std::string& reference);

Image make_image(const std::filesystem::path& root, const StoreState& state, const std::string& id);

// Normalized form of a reference to tag with ("app" -> "docker.io/library/app:latest").
std::string tag_reference(const std::string& reference);

std::filesystem::path blob_path(const std::filesystem::path& root, const std::string& digest);
std::filesystem::path layer_path(const std::filesystem::path& root, const std::string& diff_id);

}  // namespace lit::image
