#include "runtime/image/save.hpp"

#include <archive.h>
#include <archive_entry.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <exception>
#include <map>
#include <memory>
#include <nlohmann/json.hpp>
#include <set>

#include "runtime/image/config.hpp"
#include "runtime/image/digest.hpp"
#include "runtime/image/lookup.hpp"
#include "runtime/image/reference.hpp"
#include "runtime/image/state.hpp"
#include "runtime/util/error.hpp"
#include "runtime/util/fs.hpp"
#include "runtime/util/io.hpp"

namespace lit::image {
namespace fs = std::filesystem;
namespace {

using nlohmann::json;
constexpr const char* kLayerType = "application/vnd.oci.image.layer.v1.tar";

// One image as it is written: its config (rewritten when a regenerated layer
// has a new diff ID) and its layers.
struct Prepared {
  std::string id, config;
  std::vector<std::string> tags;  // normalized
  std::vector<LayerTarDigest> layers;
  std::vector<fs::path> dirs;
};

using LayerCache = std::map<std::string, LayerTarDigest>;  // stored diff id -> regenerated

Prepared prepare(const fs::path& root, const StoreState& st, const SaveRequest& req,
                 LayerCache& cache) {
  auto rec = st.images.find(req.id);
  if (rec == st.images.end()) throw Error("image not found:", req.id);
  Prepared p{req.id, read_file(blob_path(root, req.id)), req.tags, {}, {}};
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
  return p;
}

struct WriteFree {
  void operator()(archive* a) const { archive_write_free(a); }
};
struct EntryFree {
  void operator()(archive_entry* e) const { archive_entry_free(e); }
};

// The outer tar: regular files only, mtime 0, owner 0:0, mode 0644.
class OuterTar {
 public:
  explicit OuterTar(const TarSink& sink) : sink_(sink) {
    archive_write_set_format_pax_restricted(a_.get());
    archive_write_set_bytes_in_last_block(a_.get(), 1);
    if (archive_write_open2(a_.get(), this, nullptr, &OuterTar::write_cb, nullptr, nullptr) !=
        ARCHIVE_OK)
      fail("open archive");
  }

  void file(const std::string& name, std::string_view content) {
    header(name, content.size());
    if (archive_write_data(a_.get(), content.data(), content.size()) < 0) fail("write " + name);
  }

  // A layer regenerated from its directory; it must be the tar measured before.
  void layer(const std::string& name, const fs::path& dir, const LayerTarDigest& expected) {
    header(name, expected.size);
    LayerTarDigest got = write_layer_tar(dir, [&](std::string_view d) {
      if (archive_write_data(a_.get(), d.data(), d.size()) < 0) fail("write " + name);
    });
    if (got.diff_id != expected.diff_id) {
      throw Error("save layer", dir.string() + ": it changed while being saved (" +
                                    expected.diff_id + ", then " + got.diff_id + ")");
    }
  }

  void close() {
    if (archive_write_close(a_.get()) != ARCHIVE_OK) fail("finish archive");
  }

 private:
  void header(const std::string& name, std::uint64_t size) {
    std::unique_ptr<archive_entry, EntryFree> e(archive_entry_new());
    archive_entry_set_pathname(e.get(), name.c_str());
    archive_entry_set_filetype(e.get(), AE_IFREG);
    archive_entry_set_perm(e.get(), 0644);
    archive_entry_set_mtime(e.get(), 0, 0);
    archive_entry_set_size(e.get(), static_cast<la_int64_t>(size));
    if (archive_write_header(a_.get(), e.get()) < ARCHIVE_WARN) fail("write " + name);
  }

  static la_ssize_t write_cb(archive*, void* self, const void* buf, size_t n) {
    auto* t = static_cast<OuterTar*>(self);
    try {
      t->sink_(std::string_view(static_cast<const char*>(buf), n));
      return static_cast<la_ssize_t>(n);
    } catch (...) {
      t->error_ = std::current_exception();
      return -1;
    }
  }

  [[noreturn]] void fail(const std::string& what) {
    if (error_) std::rethrow_exception(error_);
    const char* msg = archive_error_string(a_.get());
    throw Error("save images: " + what, msg ? msg : "unknown error");
  }

  const TarSink& sink_;
  std::unique_ptr<archive, WriteFree> a_{archive_write_new()};
  std::exception_ptr error_;
};

std::string hex(const std::string& digest) { return digest.substr(7); }

void write_docker(const std::vector<Prepared>& images, OuterTar& tar) {
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

void write_oci(const std::vector<Prepared>& images, OuterTar& tar) {
  tar.file("oci-layout", R"({"imageLayoutVersion":"1.0.0"})");
  json descriptors = json::array();
  std::set<std::string> written;
  for (const auto& p : images) {
    std::vector<LayerDescriptor> layers;
    for (std::size_t i = 0; i < p.layers.size(); ++i) {
      std::string name = "blobs/sha256/" + hex(p.layers[i].diff_id);
      if (written.insert(name).second) tar.layer(name, p.dirs[i], p.layers[i]);
      layers.push_back({kLayerType, p.layers[i].diff_id, p.layers[i].size});
    }
    if (written.insert(p.id).second) tar.file("blobs/sha256/" + hex(p.id), p.config);
    const std::string manifest = make_manifest(p.config, layers);
    const std::string digest = sha256_digest(manifest);
    if (written.insert(digest).second) tar.file("blobs/sha256/" + hex(digest), manifest);
    json desc = {{"mediaType", "application/vnd.oci.image.manifest.v1+json"},
                 {"digest", digest},
                 {"size", manifest.size()}};
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
  StoreState st = load_state(root / "state.json");
  LayerCache cache;
  std::vector<Prepared> prepared;
  for (const auto& req : images) prepared.push_back(prepare(root, st, req, cache));
  OuterTar tar(sink);
  if (format == SaveFormat::docker_archive) {
    write_docker(prepared, tar);
  } else {
    write_oci(prepared, tar);
  }
  tar.close();
}

void save_images_to_file(const fs::path& root, const std::vector<SaveRequest>& images,
                         SaveFormat format, const fs::path& file) {
  fs::path dir = file.parent_path().empty() ? fs::path(".") : file.parent_path();
  std::string tmp = (dir / ("." + file.filename().string() + ".XXXXXX")).string();
  UniqueFd fd(::mkostemp(tmp.data(), O_CLOEXEC));
  if (!fd) throw Error::sys("create", file.string(), errno);
  try {
    save_images(root, images, format, [&](std::string_view d) {
      if (!write_all(fd.get(), d)) throw Error::sys("write", file.string(), errno);
    });
    const mode_t mask = ::umask(0);
    ::umask(mask);
    if (::fchmod(fd.get(), 0666 & ~mask) < 0 || ::fsync(fd.get()) < 0)
      throw Error::sys("write", file.string(), errno);
    if (::rename(tmp.c_str(), file.c_str()) < 0) throw Error::sys("create", file.string(), errno);
  } catch (...) {
    ::unlink(tmp.c_str());
    throw;
  }
}

}  // namespace lit::image
