#pragma once
// `image tag SRC DEST`: one more name for an image already in the store.
#include <filesystem>
#include <string>

namespace lit::image {

// Points the tag DEST (normalized as docker does: "app" -> docker.io/library/app:latest)
// at the image SRC names (tag, id, id prefix or digest reference). A DEST that
// named another image is moved, as in docker. Returns the image id. Errors
// name the reference: `invalid image reference "X": why`, "image not found: SRC",
// "invalid tag: X: a tag cannot contain a digest".
std::string tag_image(const std::filesystem::path& images_root, const std::string& source,
                      const std::string& dest);

}  // namespace lit::image
