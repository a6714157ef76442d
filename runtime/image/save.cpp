#include "runtime/image/save.hpp"

#include <algorithm>
#include <map>
#include <nlohmann/json.hpp>
#include <set>

#include "runtime/image/config.hpp"
#include "runtime/image/digest.hpp"
#include "runtime/image/lookup.hpp"
#include "runtime/image/outer_tar.hpp"
#include "runtime/image/reference.hpp"
#include "runtime/image/state.hpp"
#include "runtime/util/error.hpp"
#include "runtime/util/fs.hpp"

namespace lit::image {
namespace fs = std::filesystem;
namespace {

using nlohmann::json;
constexpr const char* kLayerType = "application/vnd.oci.image.layer.v1.tar";

using LayerCache = std::map<std::string, LayerTarDigest>;  // stored diff id -> regenerated

PreparedImage prepare(const fs::path& root, const StoreState& st, const SaveRequest& req,
                      LayerCache& cache) {
  auto rec = st.images.find(req.id);
  if (rec == st.images.end()) throw Error("image not found:", req.id);
  PreparedImage p{req.id, read_file(blob_path(root, req.id)), req.tags, {}, {}, {}, {}};
  bool same = true;
  for (const auto& d : rec->second.diff_ids) {
    fs::path dir = layer_path(root, d) / "diff";
    auto it = cache.find(d);
    if (it == cache.end()) it = cache.emplace(d, write_layer_tar(dir, nullptr)).first;
    p.layers.push_back(it->second);
    p.dirs.push_back(dir);
    same = same && it->second.diff_id == d;
  }
  if (!same) {
    std::vector<std::string> ids;
    for (const auto& l : p.layers) ids.push_back(l.diff_id);
    p.config = config_with_diff_ids(p.config, ids, "image " + req.id);
    p.id = sha256_digest(p.config);
  }
  std::vector<LayerDescriptor> layers;
  for (const auto& l : p.layers) layers.push_back({kLayerType, l.diff_id, l.size});
  p.manifest = make_manifest(p.config, layers);
  p.manifest_digest = sha256_digest(p.manifest);
  return p;
}

std::string hex(const std::string& digest) { return digest.substr(7); }

void write_docker(const std::vector<PreparedImage>& images, OuterTar& tar) {
  json manifest = json::array();
  json repositories = json::object();
  std::set<std::string> written;
  for (const auto& p : images) {
    tar.file(hex(p.id) + ".json", p.config);
    json layers = json::array();
    for (std::size_t i = 0; i < p.layers.size(); ++i) {
      std::string name = hex(p.layers[i].diff_id) + "/layer.tar";
      if (written.insert(name).second) tar.layer(name, p.dirs[i], p.layers[i]);
      layers.push_back(name);
    }
    json tags = json::array();
    for (const auto& t : p.tags) {
      Reference r = parse_reference(t);
      tags.push_back(r.familiar());
      if (!p.layers.empty()) repositories[r.familiar_name()][r.tag] = hex(p.layers.back().diff_id);
    }
    manifest.push_back({{"Config", hex(p.id) + ".json"}, {"RepoTags", tags}, {"Layers", layers}});
  }
  tar.file("manifest.json", manifest.dump());
  if (!repositories.empty()) tar.file("repositories", repositories.dump());
}

void write_oci(const std::vector<PreparedImage>& images, OuterTar& tar) {
  tar.file("oci-layout", R"({"imageLayoutVersion":"1.0.0"})");
  json descriptors = json::array();
  std::set<std::string> written;
  for (const auto& p : images) {
    write_oci_blobs(p, tar, written);
    json desc = {{"mediaType", "application/vnd.oci.image.manifest.v1+json"},
                 {"digest", p.manifest_digest},
                 {"size", p.manifest.size()}};
    if (p.tags.empty()) descriptors.push_back(desc);
    for (const auto& t : p.tags) {
      desc["annotations"] = {{"org.opencontainers.image.ref.name", t},
                             {"io.containerd.image.name", t}};
      descriptors.push_back(desc);
    }
  }
  json index = {{"schemaVersion", 2},
                {"mediaType", "application/vnd.oci.image.index.v1+json"},
                {"manifests", descriptors}};
  tar.file("index.json", index.dump());
}

}  // namespace

std::vector<PreparedImage> prepare_images(const fs::path& root,
                                          const std::vector<SaveRequest>& images) {
  StoreState st = load_state(root / "state.json");
  LayerCache cache;
  std::vector<PreparedImage> prepared;
  for (const auto& req : images) prepared.push_back(prepare(root, st, req, cache));
  return prepared;
}

void write_oci_blobs(const PreparedImage& p, OuterTar& tar, std::set<std::string>& written) {
  for (std::size_t i = 0; i < p.layers.size(); ++i) {
    if (written.insert(p.layers[i].diff_id).second)
      tar.layer("blobs/sha256/" + hex(p.layers[i].diff_id), p.dirs[i], p.layers[i]);
  }
  if (written.insert(p.id).second) tar.file("blobs/sha256/" + hex(p.id), p.config);
  if (written.insert(p.manifest_digest).second)
    tar.file("blobs/sha256/" + hex(p.manifest_digest), p.manifest);
}

SaveFormat parse_save_format(const std::string& name) {
  if (name == "docker-archive") return SaveFormat::docker_archive;
  if (name == "oci-archive") return SaveFormat::oci_archive;
  throw Error("unknown archive format:", "\"" + name + "\"", 0,
              "use --format docker-archive or --format oci-archive");
}

std::vector<SaveRequest> resolve_save(const fs::path& root,
                                      const std::vector<std::string>& references) {
  StoreState st = load_state(root / "state.json");
  std::vector<SaveRequest> out;
  for (const auto& ref : references) {
    std::optional<Match> m = lookup(st, ref);
    if (!m) throw Error("image not found:", ref, 0, "`lit image ls` lists the images in the store");
    auto it = std::ranges::find(out, m->id, &SaveRequest::id);
    if (it == out.end()) it = out.insert(out.end(), SaveRequest{m->id, {}});
    if (!m->tag.empty() && std::ranges::find(it->tags, m->tag) == it->tags.end())
      it->tags.push_back(m->tag);
  }
  return out;
}

std::string config_with_diff_ids(const std::string& config,
                                 const std::vector<std::string>& diff_ids,
                                 const std::string& what) {
  json cfg = parse_config_blob(config, what);
  if (config_diff_ids(cfg, what) == diff_ids) return config;
  cfg["rootfs"] = {{"type", "layers"}, {"diff_ids", diff_ids}};
  return cfg.dump();
}

void save_images(const fs::path& root, const std::vector<SaveRequest>& images, SaveFormat format,
                 const TarSink& sink) {
  std::vector<PreparedImage> prepared = prepare_images(root, images);
  OuterTar tar(sink, "save images");
  if (format == SaveFormat::docker_archive) {
    write_docker(prepared, tar);
  } else {
    write_oci(prepared, tar);
  }
  tar.close();
}

void save_images_to_file(const fs::path& root, const std::vector<SaveRequest>& images,
                         SaveFormat format, const fs::path& file) {
  write_file_from(file, [&](const TarSink& sink) { save_images(root, images, format, sink); });
}

}  // namespace lit::image
