#include "runtime/image/store_check.hpp"

#include <set>
#include <string>

#include "runtime/image/digest.hpp"
#include "runtime/image/state.hpp"
#include "runtime/util/error.hpp"
#include "runtime/util/fs.hpp"

namespace lit::image {

namespace fs = std::filesystem;
using runtime::Leftover;
using runtime::LeftoverKind;

namespace {

std::string short_id(const std::string& id) {
  return id.substr(id.starts_with("sha256:") ? 7 : 0, 12);
}

fs::path blob_of(const fs::path& root, const std::string& digest) {
  return root / "blobs" / "sha256" / digest.substr(7);
}

fs::path layer_of(const fs::path& root, const std::string& diff_id) {
  return root / "layers" / "sha256" / diff_id.substr(7);
}

}  // namespace

std::vector<Leftover> image_store_leftovers(const fs::path& root) {
  std::vector<Leftover> out;
  const fs::path state_file = root / "state.json";
  std::error_code ec;
  if (!fs::exists(state_file, ec)) return out;
  bool locked = false;
  FileLock lock = FileLock::try_lock(root / "lock", locked);
  if (!locked) return out;  // a load, pull or build is writing: look another time
  const StoreState state = load_state(state_file);

  for (const auto& [tag, id] : state.tags) {
    if (state.images.contains(id)) continue;
    out.push_back({LeftoverKind::Image, "tag " + tag,
                   "it points at image " + short_id(id) + ", which is not in the store",
                   [root, tag = tag] {
                     FileLock held(root / "lock");
                     StoreState now = load_state(root / "state.json");
                     now.tags.erase(tag);
                     save_state(root / "state.json", now);
                   }});
  }
  for (const auto& [id, image] : state.images) {
    std::string why;
    std::string config;
    try {
      config = read_file(blob_of(root, id));
      if (sha256_digest(config) != id) why = "its config does not match its digest";
    } catch (const Error&) {
      why = "its config is missing";
    }
    for (const auto& diff_id : image.diff_ids)
      if (why.empty() && !fs::is_directory(layer_of(root, diff_id) / "diff", ec))
        why = "its layer " + short_id(diff_id) + " is missing";
    if (why.empty()) continue;
    const std::string shown = short_id(id);
    out.push_back({LeftoverKind::Image, "image " + shown, why, [shown] {
                     throw Error("image " + shown + " is damaged", {}, 0,
                                 "remove it with: lit image rm -f " + shown +
                                     ", then load or pull it again");
                   }});
  }
  for (const auto& entry : fs::directory_iterator(root / "layers" / "sha256", ec)) {
    const std::string diff_id = "sha256:" + entry.path().filename().string();
    if (state.layers.contains(diff_id)) continue;
    const fs::path& dir = entry.path();
    out.push_back({LeftoverKind::Image, dir.string(),
                   "an unpacked layer no image lists (an unpack cut short)", [root, dir, diff_id] {
                     FileLock held(root / "lock");
                     if (!load_state(root / "state.json").layers.contains(diff_id))
                       remove_tree(dir);
                   }});
  }
  return out;
}

}  // namespace lit::image
