#include "runtime/image/prune.hpp"

#include <spdlog/spdlog.h>

#include <algorithm>
#include <set>

#include "runtime/image/lookup.hpp"
#include "runtime/image/reference.hpp"
#include "runtime/image/transaction.hpp"

namespace lit::image {
namespace fs = std::filesystem;

PruneResult prune_images(const fs::path& root, bool all,
                         const std::function<bool(const std::string& id)>& in_use) {
  Transaction tx(root);
  StoreState& st = tx.state();
  std::vector<std::string> doomed_ids;
  for (const auto& [id, rec] : st.images) {
    if ((all || st.tags_of(id).empty()) && !(in_use && in_use(id))) doomed_ids.push_back(id);
  }
  PruneResult out;
  std::set<std::string> doomed_blobs;
  for (const auto& id : doomed_ids) {
    for (const auto& t : st.tags_of(id)) {
      st.tags.erase(t);
      out.lines.push_back("untagged: " + familiar(t));
    }
    doomed_blobs.insert(id);
    doomed_blobs.insert(st.images.at(id).manifest_digest);
    st.images.erase(id);
    out.lines.push_back("deleted: " + id);
  }
  std::vector<fs::path> doomed;
  for (auto it = st.layers.begin(); it != st.layers.end();) {
    if (st.layer_used(it->first)) {
      ++it;
      continue;
    }
    out.lines.push_back("deleted: " + it->first);
    out.reclaimed += it->second;
    doomed.push_back(layer_path(root, it->first));
    st.layer_content.erase(it->first);
    st.unchecked_layers.erase(it->first);
    it = st.layers.erase(it);
  }
  for (const auto& b : doomed_blobs) {
    bool used = st.images.contains(b) || std::ranges::any_of(st.images, [&](const auto& kv) {
                  return kv.second.manifest_digest == b;
                });
    if (!used) doomed.push_back(blob_path(root, b));
  }
  if (doomed_ids.empty() && doomed.empty()) return out;
  tx.commit();
  for (const auto& p : doomed) {  // after the commit point: a crash leaves garbage, not holes
    std::error_code ec;
    fs::remove_all(p, ec);
    if (ec) spdlog::warn("image prune: cannot remove {}: {}", p.string(), ec.message());
  }
  return out;
}

}  // namespace lit::image
