#pragma once
// Which containers use which images, read from the container records another
// part of lit writes (<dir>/<id>/container.json, in the lit root and in the run root). Read only;
// unreadable records are skipped.
#include <filesystem>
#include <map>
#include <string>
#include <vector>

namespace lit::image {

struct ContainerUse {
  std::string id, name;
};

// image id ("sha256:...") -> the containers created from it or mounting it
// (a volume of type image).
std::map<std::string, std::vector<ContainerUse>> containers_by_image(
    const std::vector<std::filesystem::path>& containers_dirs);

}  // namespace lit::image
