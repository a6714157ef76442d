#pragma once
// The store's index: one JSON file (state.json) replaced atomically, so a
// load, import or rm becomes visible all at once or not at all.
#include <cstdint>
#include <filesystem>
#include <map>
#include <string>
#include <vector>

namespace lit::image {

struct ImageRecord {
  std::string manifest_digest;
  std::vector<std::string> diff_ids;  // bottom first
  std::string added;                  // RFC 3339, when it entered this store
  bool operator==(const ImageRecord&) const = default;
};

struct StoreState {
  std::map<std::string, ImageRecord> images;    // image id -> record
  std::map<std::string, std::uint64_t> layers;  // diff id -> unpacked bytes
  std::map<std::string, std::string> tags;      // normalized reference -> image id

  std::vector<std::string> tags_of(const std::string& id) const;
  bool layer_used(const std::string& diff_id) const;
  bool operator==(const StoreState&) const = default;
};

// An absent file is an empty store; a corrupt one is an error naming it.
StoreState load_state(const std::filesystem::path& file);
void save_state(const std::filesystem::path& file, const StoreState& state);

}  // namespace lit::image
