#pragma once
// `image history`: the config's history, newest first, each step with the
// size of the layer it made (docker's rows). Steps that made no layer
// (empty_layer) have size 0; a config without history gets a row per layer.
#include <cstdint>
#include <filesystem>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

namespace lit::image {

struct HistoryRow {
  std::string id;  // the image id on the newest row; empty on the others (docker's <missing>)
  std::string created, created_by, comment;
  std::int64_t size = 0;  // bytes of the layer this step made
};

// From a parsed config and the unpacked sizes of its layers, bottom first.
std::vector<HistoryRow> history_rows(const nlohmann::json& config, const std::string& id,
                                     const std::vector<std::int64_t>& layer_sizes);

// The rows of the image `reference` names; throws "image not found: REF".
std::vector<HistoryRow> image_history(const std::filesystem::path& images_root,
                                      const std::string& reference);

}  // namespace lit::image
