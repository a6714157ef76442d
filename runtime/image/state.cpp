#include "runtime/image/state.hpp"

#include <algorithm>
#include <nlohmann/json.hpp>

#include "runtime/util/error.hpp"
#include "runtime/util/fs.hpp"

namespace lit::image {

std::vector<std::string> StoreState::tags_of(const std::string& id) const {
  std::vector<std::string> out;
  for (const auto& [tag, target] : tags) {
    if (target == id) out.push_back(tag);
  }
  return out;
}

bool StoreState::layer_used(const std::string& diff_id) const {
  return std::ranges::any_of(images, [&](const auto& kv) {
    return std::ranges::find(kv.second.diff_ids, diff_id) != kv.second.diff_ids.end();
  });
}

StoreState load_state(const std::filesystem::path& file) {
  StoreState st;
  std::error_code ec;
  if (!std::filesystem::exists(file, ec)) return st;
  nlohmann::json j = nlohmann::json::parse(read_file(file), nullptr, false);
  try {
    if (j.is_discarded()) throw std::runtime_error("not JSON");
    for (const auto& [id, r] : j.at("images").items()) {
      st.images[id] =
          ImageRecord{r.at("manifest").get<std::string>(),
                      r.at("diff_ids").get<std::vector<std::string>>(), r.value("added", "")};
    }
    st.layers = j.at("layers").get<std::map<std::string, std::uint64_t>>();
    st.tags = j.at("tags").get<std::map<std::string, std::string>>();
  } catch (const std::exception& e) {
    throw Error("read image store index", file.string() + ": " + e.what());
  }
  return st;
}

void save_state(const std::filesystem::path& file, const StoreState& st) {
  nlohmann::json images = nlohmann::json::object();
  for (const auto& [id, r] : st.images) {
    images[id] = {{"manifest", r.manifest_digest}, {"diff_ids", r.diff_ids}, {"added", r.added}};
  }
  nlohmann::json j = {{"version", 1}, {"images", images}, {"layers", st.layers}, {"tags", st.tags}};
  write_file_atomic(file, j.dump(2) + "\n");
}

}  // namespace lit::image
