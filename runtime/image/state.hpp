#pragma once
// The store's index: one JSON file (state.json) replaced atomically, so a
// load, import or rm becomes visible all at once or not at all.
#include <cstdint>
#include <filesystem>
#include <map>
#include <set>
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
  // What `lit system check` holds each unpacked layer's files against: the
  // digest write_layer_tar regenerates from them (layer_content.hpp). Recorded
  // as a layer enters the store, and only where it is not the diff id itself
  // (a layer docker or a registry made; lit's own layers are canonical).
  std::map<std::string, std::string> layer_content;  // diff id -> content digest
  // Layers stored by a lit that recorded no content digests (an index without
  // "layer_content"): nothing says what their files should be until
  // system check hashes them once and records what it finds.
  std::set<std::string> unchecked_layers;

  std::vector<std::string> tags_of(const std::string& id) const;
  bool layer_used(const std::string& diff_id) const;
  // The digest the layer's files must give: its record, else its diff id.
  const std::string& expected_content(const std::string& diff_id) const;
  // The digest its files gave (recorded only where it is not the diff id).
  void record_content(const std::string& diff_id, const std::string& content);
  // Forgets the layer (its size, content digest and whether it was checked).
  void drop_layer(const std::string& diff_id);
  bool operator==(const StoreState&) const = default;
};

// An absent file is an empty store; a corrupt one is an error naming it. An
// index written before content digests were recorded (no "layer_content")
// loads with every layer unchecked; save_state writes both new keys, which a
// lit of before ignores (it keeps reading "layers": diff id -> bytes).
StoreState load_state(const std::filesystem::path& file);
void save_state(const std::filesystem::path& file, const StoreState& state);

}  // namespace lit::image
