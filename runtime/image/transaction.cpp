#include "runtime/image/transaction.hpp"

#include <fcntl.h>
#include <spdlog/spdlog.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <set>

#include "runtime/cgroups/cgroup.hpp"
#include "runtime/cgroups/stale.hpp"
#include "runtime/image/config.hpp"
#include "runtime/image/digest.hpp"
#include "runtime/image/lookup.hpp"
#include "runtime/image/reference.hpp"
#include "runtime/image/unpack.hpp"
#include "runtime/util/error.hpp"

namespace lit::image {
namespace fs = std::filesystem;
namespace {

FileLock lock_store(const fs::path& root) {
  make_dirs(root / "blobs" / "sha256", 0700);
  make_dirs(root / "layers" / "sha256", 0700);
  make_dirs(root / "tmp", 0700);
  return FileLock(root / "lock");
}

std::string short_id(const std::string& id) { return id.substr(7, 12); }

void flock_blocking(int fd, const fs::path& path) {
  while (::flock(fd, LOCK_EX) < 0) {
    if (errno != EINTR) throw Error::sys("lock", path.string(), errno);
  }
}

// A layer directory with its "diff" made (an unpacked layer's root is 0755).
fs::path make_layer_dir(fs::path dir) {
  make_dirs(dir / "diff", 0700);
  ::chmod((dir / "diff").c_str(), 0755);
  return dir;
}

}  // namespace

UnlockedStaging::UnlockedStaging(const fs::path& root) {
  make_dirs(root / "tmp", 0700);
  for (;;) {
    TempDir dir(root / "tmp", "pull-");
    UniqueFd fd(::open(dir.path().c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC));
    if (!fd) throw Error::sys("open", dir.path().string(), errno);
    flock_blocking(fd.get(), dir.path());
    struct stat st {};
    if (::fstat(fd.get(), &st) == 0 && st.st_nlink > 0) {
      fd_ = std::move(fd);
      dir_.emplace(std::move(dir));
      return;
    }
    // A transaction's clean-up removed it between mkdtemp and flock: make another.
    dir.release();
  }
}

void UnlockedStaging::sync() {
  if (::syncfs(fd_.get()) < 0) throw Error::sys("sync", path().string(), errno);
}

fs::path UnlockedStaging::layer_dir() {
  fs::path dir;
  {
    std::lock_guard lock(mu_);
    dir = path() / ("layer-" + std::to_string(seq_++));
  }
  return make_layer_dir(dir);
}

Transaction::Transaction(fs::path root) : root_(std::move(root)), lock_(lock_store(root_)) {
  state_ = load_state(root_ / "state.json");
  loaded_ = state_;
  collect_garbage();
}

const fs::path& Transaction::staging() {
  std::lock_guard lock(staging_mu_);  // the builder's parallel stages ask at once
  if (!staging_) staging_.emplace(root_ / "tmp", "tx-");
  return staging_->path();
}

Transaction::~Transaction() {
  if (committed_) return;
  for (const auto& p : installed_) {
    std::error_code ec;
    fs::remove_all(p, ec);
  }
}

namespace {

// A killed `lit build`'s RUN died with it (RunHooks::die_with_caller), but its
// cgroup stays: the RUN's bundle in the build's staging is named after it
// (run-<container id>-XXXXXX, builder/steps.cpp).
void release_run_cgroups(const fs::path& staging) {
  std::error_code ec;
  std::shared_ptr<cgroups::Manager> manager;
  for (const auto& e : fs::directory_iterator(staging, ec)) {
    const std::string name = e.path().filename().string();
    if (!name.starts_with("run-") || name.size() < 4 + 64) continue;
    const std::string id = name.substr(4, 64);
    if (id.find_first_not_of("0123456789abcdef") != std::string::npos) continue;
    try {
      if (!manager) manager = cgroups::detect();
    } catch (const Error&) {
      return;
    }
    cgroups::remove_if_unused(*manager, id);
  }
}

}  // namespace

// Under the lock, anything in tmp/ or not referenced by state.json was left
// by a writer that crashed before (or after) its commit point; except the
// staging of a pull still running (an UnlockedStaging holds its flock).
void Transaction::collect_garbage() {
  std::error_code ec;
  for (const auto& e : fs::directory_iterator(root_ / "tmp", ec)) {
    UniqueFd fd(::open(e.path().c_str(), O_RDONLY | O_CLOEXEC | O_NOFOLLOW | O_NONBLOCK));
    if (fd && ::flock(fd.get(), LOCK_EX | LOCK_NB) < 0 && errno == EWOULDBLOCK) continue;
    release_run_cgroups(e.path());
    discard(e.path());  // with its flock held, so a pull that just made it makes another
  }
  std::set<std::string> blobs;
  for (const auto& [id, rec] : state_.images) {
    blobs.insert(id);
    blobs.insert(rec.manifest_digest);
  }
  for (const auto& e : fs::directory_iterator(root_ / "blobs" / "sha256", ec)) {
    if (!blobs.contains("sha256:" + e.path().filename().string())) discard(e.path());
  }
  for (const auto& e : fs::directory_iterator(root_ / "layers" / "sha256", ec)) {
    if (!state_.layers.contains("sha256:" + e.path().filename().string())) discard(e.path());
  }
}

void Transaction::discard(const fs::path& path) {
  std::error_code ec;
  fs::remove_all(path, ec);
  if (ec) spdlog::warn("image store: cannot remove {}: {}", path.string(), ec.message());
}

fs::path Transaction::new_layer_dir() {
  fs::path dir;
  {
    std::lock_guard lock(seq_mu_);  // layer_dir() from parallel fetches; staging() made once
    dir = staging() / ("layer-" + std::to_string(seq_++));
  }
  return make_layer_dir(dir);
}

void Transaction::ensure_layer(const StagedFile& file, const std::string& expected,
                               const std::string& what, const std::string& archive) {
  std::string actual;
  if (auto v = verified_.find(file.path.string()); v != verified_.end()) {
    actual = v->second;
  } else {
    UniqueFd fd(::open(file.path.c_str(), O_RDONLY | O_CLOEXEC));
    if (!fd) throw Error::sys("open", file.path.string(), errno);
    if (state_.layers.contains(expected) || new_layers_.contains(expected)) {
      actual = digest_layer(fd.get(), what).diff_id;  // shared layer: verify, do not unpack again
    } else {
      fs::path dir = new_layer_dir();
      UnpackResult r = unpack_layer(fd.get(), dir / "diff", what);
      actual = r.diff_id;
      if (actual == expected) {
        new_layers_[expected] = dir;
        state_.layers[expected] = r.content_size;
        hasher_.add(expected, dir / "diff");
      }
    }
    verified_[file.path.string()] = actual;
  }
  if (actual != expected) {
    throw Error("digest mismatch", "in " + archive + ": " + what + " has diff_id " + actual +
                                       " but the image config lists " + expected);
  }
}

void Transaction::put_blob(const std::string& digest, const std::string& content) {
  std::error_code ec;
  if (!fs::exists(blob_path(root_, digest), ec)) new_blobs_[digest] = content;
}

void Transaction::add_image(const PendingImage& p, const std::string& archive) {
  const std::string what = archive + ": config " + p.id;
  nlohmann::json cfg = parse_config_blob(p.config, what);
  std::vector<std::string> diff_ids = config_diff_ids(cfg, what);
  if (diff_ids.size() != p.layers.size()) {
    corrupt(archive, "image " + short_id(p.id) + ": config lists " +
                         std::to_string(diff_ids.size()) + " layers but the manifest has " +
                         std::to_string(p.layers.size()));
  }
  for (std::size_t i = 0; i < diff_ids.size(); ++i) {
    ensure_layer(*p.layers[i].file, diff_ids[i], "layer " + p.layers[i].source, archive);
  }
  put_blob(p.id, p.config);
  put_blob(p.manifest_digest, p.manifest);
  auto [it, fresh] = state_.images.try_emplace(p.id);
  if (fresh) it->second = ImageRecord{p.manifest_digest, diff_ids, now_rfc3339()};
  for (const auto& t : p.tags) state_.tags[t] = p.id;
}

// Unpacks a tar stream into staging; kept (by diff id) only when the store
// does not have that layer already.
UnpackResult Transaction::stage_layer(int fd, const std::string& what) {
  fs::path dir = new_layer_dir();
  UnpackResult r = unpack_layer(fd, dir / "diff", what);
  if (!state_.layers.contains(r.diff_id)) {
    new_layers_[r.diff_id] = dir;
    state_.layers[r.diff_id] = r.content_size;
    hasher_.add(r.diff_id, dir / "diff");
  }
  return r;
}

std::string Transaction::add_rootfs(int fd, const std::string& name, const std::string& tag) {
  UnpackResult r = stage_layer(fd, "rootfs " + name);
  const std::string created = now_rfc3339();
  const std::string config = import_config(r.diff_id, created, "Imported from " + name);
  const std::string manifest =
      make_manifest(config, {{"application/vnd.oci.image.layer.v1.tar", r.diff_id, r.tar_size}});
  const std::string id = sha256_digest(config);
  put_blob(id, config);
  put_blob(sha256_digest(manifest), manifest);
  state_.images[id] = ImageRecord{sha256_digest(manifest), {r.diff_id}, created};
  if (!tag.empty()) state_.tags[tag] = id;
  return id;
}

std::string Transaction::add_layer(const std::string& base_id, int fd, const std::string& name,
                                   const std::string& tag) {
  auto base = state_.images.find(base_id);
  if (base == state_.images.end()) {
    throw Error("image not found:", base_id, 0, "`lit image ls` lists the images in the store");
  }
  const ImageRecord rec = base->second;
  const std::string what = "image " + short_id(base_id);
  nlohmann::json cfg = parse_config_blob(read_file(blob_path(root_, base_id)), what + " config");
  nlohmann::json manifest =
      nlohmann::json::parse(read_file(blob_path(root_, rec.manifest_digest)), nullptr, false);
  if (!manifest.is_object() || !manifest["layers"].is_array() ||
      manifest["layers"].size() != rec.diff_ids.size()) {
    throw Error("invalid image manifest", what + ": " + rec.manifest_digest, 0,
                "remove the image and load it again");
  }
  std::vector<LayerDescriptor> layers;
  for (const auto& l : manifest["layers"])
    layers.push_back(
        {l.value("mediaType", ""), l.value("digest", ""), l.value("size", std::uint64_t{0})});

  UnpackResult r = stage_layer(fd, "layer " + name);
  cfg["rootfs"]["diff_ids"].push_back(r.diff_id);
  if (!cfg["history"].is_array()) cfg["history"] = nlohmann::json::array();
  cfg["history"].push_back(
      {{"created", cfg.value("created", "")}, {"created_by", "lit: COPY " + name}});
  const std::string config = cfg.dump();
  layers.push_back({"application/vnd.oci.image.layer.v1.tar", r.diff_id, r.tar_size});
  const std::string manifest_blob = make_manifest(config, layers);
  const std::string id = sha256_digest(config);
  put_blob(id, config);
  put_blob(sha256_digest(manifest_blob), manifest_blob);
  std::vector<std::string> diff_ids = rec.diff_ids;
  diff_ids.push_back(r.diff_id);
  auto [it, fresh] = state_.images.try_emplace(id);
  if (fresh) it->second = ImageRecord{sha256_digest(manifest_blob), diff_ids, now_rfc3339()};
  if (!tag.empty()) state_.tags[tag] = id;
  return id;
}

std::string Transaction::add_slim(const std::string& base_id, int fd, const std::string& created_by,
                                  const std::map<std::string, std::string>& labels) {
  if (!state_.images.contains(base_id))
    throw Error("image not found:", base_id, 0, "`lit image ls` lists the images in the store");
  const std::string what = "image " + short_id(base_id);
  nlohmann::json cfg = parse_config_blob(read_file(blob_path(root_, base_id)), what + " config");
  UnpackResult r = stage_layer(fd, "slim layer of " + what);
  cfg["rootfs"] = {{"type", "layers"}, {"diff_ids", {r.diff_id}}};
  cfg["history"] =
      nlohmann::json::array({{{"created", cfg.value("created", "")}, {"created_by", created_by}}});
  if (!cfg["config"].is_object()) cfg["config"] = nlohmann::json::object();
  if (!cfg["config"]["Labels"].is_object()) cfg["config"]["Labels"] = nlohmann::json::object();
  for (const auto& [k, v] : labels) cfg["config"]["Labels"][k] = v;
  const std::string config = cfg.dump();
  const std::string manifest =
      make_manifest(config, {{"application/vnd.oci.image.layer.v1.tar", r.diff_id, r.tar_size}});
  const std::string id = sha256_digest(config);
  put_blob(id, config);
  put_blob(sha256_digest(manifest), manifest);
  auto [it, fresh] = state_.images.try_emplace(id);
  if (fresh) it->second = ImageRecord{sha256_digest(manifest), {r.diff_id}, now_rfc3339()};
  return id;
}

bool Transaction::has_layer(const std::string& diff_id) const {
  return state_.layers.contains(diff_id) || new_layers_.contains(diff_id);
}

fs::path Transaction::layer_dir() { return new_layer_dir(); }

void Transaction::adopt_layer(const std::string& diff_id, const fs::path& dir,
                              std::uint64_t content_size, bool synced, const std::string& content) {
  if (has_layer(diff_id)) return;  // the same layer twice in one image: the first is kept
  if (synced) synced_.insert(diff_id);
  new_layers_[diff_id] = dir;
  state_.layers[diff_id] = content_size;
  if (content.empty()) {
    hasher_.add(diff_id, dir / "diff");
  } else {
    state_.record_content(diff_id, content);
  }
}

void Transaction::add_pulled(const std::string& config, const std::string& manifest,
                             const std::string& manifest_digest,
                             const std::vector<std::string>& diff_ids, const std::string& tag) {
  for (const auto& d : diff_ids) {
    if (!has_layer(d)) throw Error("pulled image", "layer " + d + " was not fetched");
  }
  const std::string id = sha256_digest(config);
  put_blob(id, config);
  put_blob(manifest_digest, manifest);
  auto [it, fresh] = state_.images.try_emplace(id);
  if (fresh) it->second.added = now_rfc3339();
  it->second.manifest_digest = manifest_digest;  // the registry's digest: pull by digest finds it
  it->second.diff_ids = diff_ids;
  if (!tag.empty()) state_.tags[tag] = id;
}

// A layer whose files cannot be read back is stored all the same (as before
// content digests were recorded), marked unchecked: system check reports it.
void Transaction::record_content() {
  for (const auto& [diff_id, out] : hasher_.finish()) {
    if (!new_layers_.contains(diff_id)) continue;
    if (out.error.empty()) {
      state_.record_content(diff_id, out.content);
      continue;
    }
    spdlog::warn("image store: layer {}: cannot regenerate its content digest: {}", diff_id,
                 out.error);
    state_.layer_content.erase(diff_id);
    state_.unchecked_layers.insert(diff_id);
  }
}

void Transaction::commit() {
  if (new_layers_.empty() && new_blobs_.empty() && state_ == loaded_) {
    committed_ = true;  // nothing changed (a fully cached build): no sync, no write
    return;
  }
  // Layer files reach the disk before the index that makes them visible:
  // synced in staging (a pull syncs its own before it takes the lock) while
  // the hasher finishes their content digests, then moved into place, and
  // the moves (and the blobs, written with fsync) synced with their
  // directories.
  sync_new_layers();
  record_content();  // before the layers move: the hasher reads them in staging
  for (const auto& [diff, dir] : new_layers_) {
    fs::path final = layer_path(root_, diff);
    if (::rename(dir.c_str(), final.c_str()) < 0)
      throw Error::sys("install layer", final.string(), errno);
    installed_.push_back(final);
  }
  for (const auto& [digest, content] : new_blobs_) {
    fs::path p = blob_path(root_, digest);
    write_file_atomic(p, content, 0644);
    installed_.push_back(p);
  }
  for (const char* dir : {"layers/sha256", "blobs/sha256"}) {
    UniqueFd fd(::open((root_ / dir).c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC));
    if (fd) ::fsync(fd.get());
  }
  save_state(root_ / "state.json", state_);
  loaded_ = state_;
  committed_ = true;
  new_layers_.clear();
  new_blobs_.clear();
}

void Transaction::sync_new_layers() {
  if (std::ranges::all_of(new_layers_, [&](const auto& kv) { return synced_.contains(kv.first); }))
    return;
  UniqueFd rootfd(::open(root_.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC));
  if (rootfd) ::syncfs(rootfd.get());
}

std::vector<std::string> Transaction::remove(
    const std::string& reference, bool force,
    const std::function<bool(const std::string&)>& in_use) {
  std::optional<Match> m = lookup(state_, reference);
  if (!m) {
    throw Error("image not found:", reference, 0, "`lit image ls` lists the images in the store");
  }
  const std::string id = m->id;
  const std::vector<std::string> tags = state_.tags_of(id);
  std::vector<std::string> lines;
  auto untag = [&](const std::string& t) {
    state_.tags.erase(t);
    lines.push_back("Untagged: " + familiar(t));
  };
  if (!m->tag.empty() && tags.size() > 1) {  // other tags keep the image
    untag(m->tag);
    commit();
    return lines;
  }
  if (m->tag.empty() && tags.size() > 1 && !force) {
    throw Error("cannot remove image",
                short_id(id) + ": it is referenced by " + std::to_string(tags.size()) + " tags", 0,
                "use -f, or remove the tags one by one");
  }
  const bool used = in_use && in_use(id);
  const std::string shown = m->tag.empty() ? short_id(id) : familiar(m->tag);
  if (used && !force) {
    throw Error("image in use:", shown + " (" + short_id(id) + ") is used by a container", 0,
                "remove the container first, or use -f to untag the image anyway");
  }
  for (const auto& t : m->tag.empty() ? tags : std::vector<std::string>{m->tag}) untag(t);
  if (used) {  // forced: untagged only, the image stays for its containers
    commit();
    return lines;
  }
  const ImageRecord rec = state_.images.at(id);
  state_.images.erase(id);
  lines.push_back("Deleted: " + id);
  std::vector<fs::path> doomed = {blob_path(root_, id)};
  if (std::ranges::none_of(state_.images, [&](const auto& kv) {
        return kv.second.manifest_digest == rec.manifest_digest;
      })) {
    doomed.push_back(blob_path(root_, rec.manifest_digest));
  }
  for (const auto& d : rec.diff_ids) {
    if (state_.layers.contains(d) && !state_.layer_used(d)) {
      state_.drop_layer(d);
      doomed.push_back(layer_path(root_, d));
      lines.push_back("Deleted: " + d);
    }
  }
  commit();
  for (const auto& p : doomed)
    discard(p);  // after the commit point: a crash leaves garbage, not holes
  return lines;
}

}  // namespace lit::image
