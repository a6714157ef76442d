#include "runtime/image/usage.hpp"

#include <spdlog/spdlog.h>

#include <algorithm>
#include <nlohmann/json.hpp>

#include "runtime/util/fs.hpp"

namespace lit::image {

std::map<std::string, std::vector<ContainerUse>> containers_by_image(
    const std::vector<std::filesystem::path>& dirs) {
  std::map<std::string, std::vector<ContainerUse>> out;
  for (const auto& dir : dirs) {
    std::error_code ec;
    for (const auto& e : std::filesystem::directory_iterator(dir, ec)) {
      auto file = e.path() / "container.json";
      if (!std::filesystem::exists(file, ec)) continue;  // a run directory of a record on disk
      try {
        nlohmann::json j = nlohmann::json::parse(read_file(file));
        std::string image_id = j.value("image_id", "");
        if (image_id.empty()) continue;
        out[image_id].push_back({j.value("id", e.path().filename().string()), j.value("name", "")});
      } catch (const std::exception& err) {
        spdlog::debug("skipping container record {}: {}", file.string(), err.what());
      }
    }
  }
  for (auto& [id, list] : out) std::ranges::sort(list, {}, &ContainerUse::name);  // stable output
  return out;
}

}  // namespace lit::image
