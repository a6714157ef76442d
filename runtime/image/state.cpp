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

const std::string& StoreState::expected_content(const std::string& diff_id) const {
  auto it = layer_content.find(diff_id);
  return it == layer_content.end() ? diff_id : it->second;
}

void StoreState::record_content(const std::string& diff_id, const std::string& content) {
  if (content == diff_id) {
    layer_content.erase(diff_id);
  } else {
    layer_content[diff_id] = content;
  }
  unchecked_layers.erase(diff_id);
}

void StoreState::drop_layer(const std::string& diff_id) {
  layers.erase(diff_id);
  layer_content.erase(diff_id);
  unchecked_layers.erase(diff_id);
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
    if (j.contains("layer_content")) {
      for (auto& [d, c] : j["layer_content"].get<std::map<std::string, std::string>>())
        if (st.layers.contains(d)) st.layer_content[d] = c;
      for (auto& d : j.value("unchecked_layers", std::vector<std::string>{}))
        if (st.layers.contains(d)) st.unchecked_layers.insert(d);
    } else {  // written by a lit that recorded no content digests
      for (const auto& kv : st.layers) st.unchecked_layers.insert(kv.first);
    }
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
  nlohmann::json content = nlohmann::json::object();
  for (const auto& [d, c] : st.layer_content)
    if (st.layers.contains(d)) content[d] = c;
  nlohmann::json j = {{"version", 1},
                      {"images", images},
                      {"layers", st.layers},
                      {"tags", st.tags},
                      {"layer_content", content}};
  std::vector<std::string> unchecked;
  for (const auto& d : st.unchecked_layers)
    if (st.layers.contains(d)) unchecked.push_back(d);
  if (!unchecked.empty()) j["unchecked_layers"] = unchecked;
  write_file_atomic(file, j.dump(2) + "\n");
}

}  // namespace lit::image
