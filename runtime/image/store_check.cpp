#include "runtime/image/store_check.hpp"

#include <spdlog/spdlog.h>

#include <algorithm>
#include <atomic>
#include <map>
#include <set>
#include <string>
#include <thread>

#include "runtime/image/digest.hpp"
#include "runtime/image/layer_content.hpp"
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

// Hashes the layers (largest first, one thread a core): diff id -> outcome.
std::map<std::string, LayerHasher::Outcome> hash_layers(const fs::path& root,
                                                        const StoreState& state,
                                                        std::vector<std::string> diff_ids) {
  std::ranges::sort(diff_ids, [&](const std::string& a, const std::string& b) {
    return state.layers.at(a) > state.layers.at(b);
  });
  std::vector<LayerHasher::Outcome> out(diff_ids.size());
  std::atomic<std::size_t> next{0};
  auto work = [&] {
    for (std::size_t i; (i = next++) < diff_ids.size();) {
      try {
        out[i].content = layer_content_digest(layer_of(root, diff_ids[i]) / "diff");
      } catch (const std::exception& e) {
        out[i].error = e.what();
      }
    }
  };
  const std::size_t n = std::clamp<std::size_t>(std::thread::hardware_concurrency(), 1, 8);
  std::vector<std::thread> threads;
  for (std::size_t t = 1; t < std::min(n, diff_ids.size()); ++t) threads.emplace_back(work);
  work();
  for (auto& t : threads) t.join();
  std::map<std::string, LayerHasher::Outcome> by_id;
  for (std::size_t i = 0; i < diff_ids.size(); ++i) by_id[diff_ids[i]] = std::move(out[i]);
  return by_id;
}

// The layers images use whose files are not what was recorded: diff id ->
// why. A layer stored before content digests were recorded has nothing to be
// held against: what its files give now is recorded (trust on first check),
// so a change from then on is found.
std::map<std::string, std::string> damaged_layers(const fs::path& root, StoreState& state) {
  std::vector<std::string> used;
  std::error_code ec;
  for (const auto& [diff_id, size] : state.layers)
    if (state.layer_used(diff_id) && fs::is_directory(layer_of(root, diff_id) / "diff", ec))
      used.push_back(diff_id);
  std::map<std::string, std::string> damaged;
  bool trusted = false;
  for (const auto& [diff_id, got] : hash_layers(root, state, used)) {
    if (!got.error.empty()) {
      damaged[diff_id] = "cannot be read back (" + got.error + ")";
    } else if (state.unchecked_layers.contains(diff_id)) {
      state.record_content(diff_id, got.content);
      trusted = true;
    } else if (got.content != state.expected_content(diff_id)) {
      damaged[diff_id] = "does not match its diff ID: a file in it was changed, added or removed";
    }
  }
  if (trusted) {
    try {
      save_state(root / "state.json", state);  // under the store's lock, held by the caller
    } catch (const Error& e) {
      spdlog::warn("image store: cannot record its layers' content digests: {}", e.what());
    }
  }
  return damaged;
}

// `lit image rm -f` of the image and of every other image sharing a damaged
// layer with it: a layer goes only with the last image that uses it.
std::string remove_hint(const StoreState& state, const std::string& id,
                        const std::map<std::string, std::string>& damaged) {
  std::set<std::string> sharing;
  for (const auto& d : state.images.at(id).diff_ids) {
    if (!damaged.contains(d)) continue;
    for (const auto& [other, rec] : state.images)
      if (other != id && std::ranges::find(rec.diff_ids, d) != rec.diff_ids.end())
        sharing.insert(short_id(other));
  }
  std::string ids = short_id(id), others;
  for (const auto& s : sharing) {
    ids += " " + s;
    others += (others.empty() ? "" : ", ") + s;
  }
  if (!others.empty())
    others = " (" + others + (sharing.size() == 1 ? " shares" : " share") + " its damaged layer)";
  return "remove it with: lit image rm -f " + ids + others + ", then load or pull it again";
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
  StoreState state = load_state(state_file);

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
  const std::map<std::string, std::string> damaged = damaged_layers(root, state);
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
    for (const auto& diff_id : image.diff_ids)
      if (auto d = damaged.find(diff_id); why.empty() && d != damaged.end())
        why = "its layer " + short_id(diff_id) + " " + d->second;
    if (why.empty()) continue;
    const std::string shown = short_id(id);
    out.push_back({LeftoverKind::Image, "image " + shown, why,
                   [shown, hint = remove_hint(state, id, damaged)] {
                     throw Error("image " + shown + " is damaged", {}, 0, hint);
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
