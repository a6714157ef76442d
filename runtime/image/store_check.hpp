#pragma once
// The image store held against itself, for `lit system check`: tags that point
// at no image, images whose config blob is missing or does not match its
// digest or whose unpacked layers are missing, and unpacked layers that no
// image lists (an unpack cut short before its commit). Looked at under the
// store's lock; while a writer (load, pull, build) holds it, not at all.
#include <filesystem>
#include <vector>

#include "runtime/lifecycle/leftovers.hpp"

namespace lit::image {

std::vector<runtime::Leftover> image_store_leftovers(const std::filesystem::path& images_root);

}  // namespace lit::image
