#include "runtime/image/history.hpp"

#include <algorithm>

#include "runtime/image/config.hpp"
#include "runtime/image/lookup.hpp"
#include "runtime/image/state.hpp"
#include "runtime/util/error.hpp"
#include "runtime/util/fs.hpp"

namespace lit::image {

std::vector<HistoryRow> history_rows(const nlohmann::json& config, const std::string& id,
                                     const std::vector<std::int64_t>& layer_sizes) {
  std::vector<HistoryRow> rows;
  const std::string created = config.value("created", "");
  auto history = config.find("history");
  std::size_t layer = 0;
  if (history != config.end() && history->is_array() && !history->empty()) {
    for (const auto& h : *history) {
      if (!h.is_object()) continue;
      HistoryRow row;
      auto text = [&](const char* key) {
        auto it = h.find(key);
        return it != h.end() && it->is_string() ? it->get<std::string>() : std::string();
      };
      row.created = text("created");
      row.created_by = text("created_by");
      row.comment = text("comment");
      auto empty = h.find("empty_layer");
      if (!(empty != h.end() && empty->is_boolean() && empty->get<bool>())) {
        row.size = layer < layer_sizes.size() ? layer_sizes[layer] : 0;
        ++layer;
      }
      rows.push_back(std::move(row));
    }
  } else {
    for (auto size : layer_sizes) rows.push_back({{}, created, {}, {}, size});
  }
  std::ranges::reverse(rows);
  if (!rows.empty()) rows.front().id = id;
  return rows;
}

std::vector<HistoryRow> image_history(const std::filesystem::path& root,
                                      const std::string& reference) {
  StoreState st = load_state(root / "state.json");
  std::optional<Match> m = lookup(st, reference);
  if (!m) {
    throw Error("image not found:", reference, 0, "`lit image ls` lists the images in the store");
  }
  std::vector<std::int64_t> sizes;
  for (const auto& d : st.images.at(m->id).diff_ids) {
    auto l = st.layers.find(d);
    sizes.push_back(l == st.layers.end() ? 0 : static_cast<std::int64_t>(l->second));
  }
  auto file = blob_path(root, m->id);
  return history_rows(parse_config_blob(read_file(file), file.string()), m->id, sizes);
}

}  // namespace lit::image
