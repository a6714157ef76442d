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
        const ContainerUse use{j.value("id", e.path().filename().string()), j.value("name", "")};
        std::string image_id = j.value("image_id", "");
        if (!image_id.empty()) out[image_id].push_back(use);
        // Images mounted as volumes (spec.image_mounts): in use the same way.
        const auto spec = j.find("spec");
        if (spec == j.end() || !spec->contains("image_mounts")) continue;
        for (const auto& m : spec->at("image_mounts")) {
          std::string mounted = m.value("image_id", "");
          if (mounted.empty()) continue;
          auto& users = out[mounted];
          if (users.empty() || users.back().id != use.id) users.push_back(use);
        }
      } catch (const std::exception& err) {
        spdlog::debug("skipping container record {}: {}", file.string(), err.what());
      }
    }
  }
  for (auto& [id, list] : out) std::ranges::sort(list, {}, &ContainerUse::name);  // stable output
  return out;
}

}  // namespace lit::image
