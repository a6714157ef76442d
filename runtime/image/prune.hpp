#pragma once
// `image prune`: removes dangling images (no tag), or with `all` every image
// no container uses, and the layers and blobs no remaining image needs.
#include <cstdint>
#include <filesystem>
#include <functional>
#include <string>
#include <vector>

namespace lit::image {

struct PruneResult {
  // docker's lines: "untagged: busybox:latest", "deleted: sha256:...".
  std::vector<std::string> lines;
  std::uint64_t reclaimed = 0;  // bytes of the unpacked layers deleted
};

// `in_use` tells whether a container uses an image id; such images stay.
PruneResult prune_images(const std::filesystem::path& images_root, bool all,
                         const std::function<bool(const std::string& id)>& in_use);

}  // namespace lit::image
