#pragma once
// Slim images (`lit optimize image`): one layer with only the files a
// service was seen to use (slim_view.hpp says which), the original's config
// (entrypoint, cmd, env, health check, user, workdir...), a history entry,
// and the label io.lit.slim.from naming the original's id.
//
// A slim image is made untagged; it gets its tag (slim_reference) only once
// it passed its verification, so "tagged" is "verified": `lit up` with
// shrink_image runs a service on the image its tag names when that was made
// from the service's current image, and the report reads the same.
#include <cstdint>
#include <optional>
#include <set>
#include <string>
#include <string_view>

#include "runtime/image/store.hpp"

namespace lit::image {

inline constexpr const char* kSlimFromLabel = "io.lit.slim.from";

// "<project>-<service>:lit-slim", lowercase, as a service's built image is named.
std::string slim_reference(std::string_view project, std::string_view service);

struct SlimBuild {
  Image image;                    // untagged
  std::size_t kept = 0, all = 0;  // entries kept, entries of the original
};

// Makes the slim image of `original` keeping `wanted` (traced paths, keep:,
// essential_paths()) and their closure. Nothing is left in the store on error.
SlimBuild build_slim_image(Store& store, const Image& original,
                           const std::set<std::string>& wanted);

// The verified slim image of the image `original_id` under `reference`, if any.
std::optional<Image> verified_slim(const Store& store, const std::string& reference,
                                   const std::string& original_id);

// For `lit optimize report`: the original image's size and its verified slim
// image's (nullopt when there is none for the current original).
struct SlimSizes {
  std::int64_t original = 0;
  std::optional<std::int64_t> slim;
};
SlimSizes slim_sizes(const Store& store, const std::string& original_reference,
                     const std::string& slim_ref);

}  // namespace lit::image
