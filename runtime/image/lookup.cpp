#include "runtime/image/lookup.hpp"

#include "runtime/image/config.hpp"
#include "runtime/image/digest.hpp"
#include "runtime/image/reference.hpp"
#include "runtime/util/error.hpp"
#include "runtime/util/fs.hpp"

namespace lit::image {
namespace {

std::optional<Match> by_prefix(const StoreState& st, const std::string& reference,
                               std::string_view hex) {
  std::vector<std::string> hits;
  for (const auto& [id, rec] : st.images) {
    if (std::string_view(id).substr(7).starts_with(hex)) hits.push_back(id);
  }
  if (hits.empty()) return std::nullopt;
  if (hits.size() > 1) {
    throw Error("ambiguous image ID",
                reference + ": matches " + std::to_string(hits.size()) + " images", 0,
                "give more characters of the ID");
  }
  return Match{hits.front(), {}};
}

bool id_like(std::string_view hex) {
  return hex.size() >= kMinIdPrefix && hex.size() <= 64 && is_lower_hex(hex);
}

}  // namespace

std::optional<Match> lookup(const StoreState& st, const std::string& reference) {
  if (reference.starts_with("sha256:")) {
    std::string_view hex = std::string_view(reference).substr(7);
    if (!id_like(hex)) throw Error("invalid image ID", reference + ": expected sha256:<hex>");
    return by_prefix(st, reference, hex);
  }
  Reference ref;
  try {
    ref = parse_reference(reference);
  } catch (const Error&) {
    if (id_like(reference)) return by_prefix(st, reference, reference);
    throw;
  }
  if (!ref.digest.empty()) {
    for (const auto& [id, rec] : st.images) {
      if (rec.manifest_digest == ref.digest) return Match{id, {}};
    }
    return std::nullopt;
  }
  if (auto t = st.tags.find(ref.str()); t != st.tags.end()) return Match{t->second, t->first};
  // A bare hex string that is not a tag may be an id prefix, as in docker.
  if (id_like(reference)) return by_prefix(st, reference, reference);
  return std::nullopt;
}

Image make_image(const std::filesystem::path& root, const StoreState& st, const std::string& id) {
  const ImageRecord& rec = st.images.at(id);
  Image img;
  img.id = id;
  img.manifest_digest = rec.manifest_digest;
  img.tags = st.tags_of(id);
  img.diff_ids = rec.diff_ids;
  for (const auto& d : rec.diff_ids) {
    if (auto l = st.layers.find(d); l != st.layers.end())
      img.size += static_cast<std::int64_t>(l->second);
  }
  auto cfg_path = blob_path(root, id);
  fill_from_config(img, parse_config_blob(read_file(cfg_path), cfg_path.string()));
  return img;
}

std::string tag_reference(const std::string& reference) {
  Reference r = parse_reference(reference);
  if (!r.digest.empty()) throw Error("invalid tag", reference + ": a tag cannot contain a digest");
  return r.str();
}

std::filesystem::path blob_path(const std::filesystem::path& root, const std::string& digest) {
  return root / "blobs" / "sha256" / digest_hex(digest, "blob");
}

std::filesystem::path layer_path(const std::filesystem::path& root, const std::string& diff_id) {
  return root / "layers" / "sha256" / digest_hex(diff_id, "layer");
}

}  // namespace lit::image
