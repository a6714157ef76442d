#include "runtime/image/builder/builder.hpp"

#include <pthread.h>
#include <signal.h>
#include <spdlog/spdlog.h>

#include <memory>
#include <mutex>
#include <nlohmann/json.hpp>
#include <optional>
#include <set>

#include "runtime/cgroups/stale.hpp"
#include "runtime/image/build/containerfile.hpp"
#include "runtime/image/build/expand.hpp"
#include "runtime/image/build/ignore.hpp"
#include "runtime/image/builder/config_edit.hpp"
#include "runtime/image/builder/copy.hpp"
#include "runtime/image/builder/run_mounts.hpp"
#include "runtime/image/builder/stage_schedule.hpp"
#include "runtime/image/builder/steps.hpp"
#include "runtime/image/config.hpp"
#include "runtime/image/digest.hpp"
#include "runtime/image/layer_tar.hpp"
#include "runtime/image/lookup.hpp"
#include "runtime/image/reference.hpp"
#include "runtime/image/store.hpp"
#include "runtime/image/transaction.hpp"
#include "runtime/util/error.hpp"
#include "runtime/util/fs.hpp"
#include "runtime/util/tree_size.hpp"

namespace lit::image::builder {

namespace fs = std::filesystem;
using nlohmann::json;
namespace b = lit::image::build;

fs::path find_containerfile(const fs::path& context, const fs::path& given) {
  if (!given.empty()) {
    if (!fs::is_regular_file(given)) throw Error("build: no such Containerfile", given.string());
    return given;
  }
  for (const char* name : {"Containerfile", "Dockerfile"}) {
    if (fs::is_regular_file(context / name)) return context / name;
  }
  throw Error("build: no Containerfile or Dockerfile in the context", context.string(), 0,
              "name it with -f FILE");
}

namespace {

// What a killed build left behind: its RUN's empty cgroups (stale.hpp).
void sweep_stale_cgroups() noexcept {
  try {
    cgroups::remove_stale_cgroups(*cgroups::detect());
  } catch (const std::exception& e) {
    spdlog::debug("sweep stale cgroups: {}", e.what());
  }
}

}  // namespace

std::uintmax_t prune_build_cache(const fs::path& images_root) {
  sweep_stale_cgroups();
  const fs::path dir = images_root / "build-cache";
  std::uintmax_t bytes = tree_size(dir);
  remove_tree(dir);
  return bytes;
}

namespace {

b::Vars image_env(const ImageConfig& config) {
  b::Vars vars;
  for (const auto& e : config.env) {
    auto eq = e.find('=');
    if (eq != std::string::npos) vars[e.substr(0, eq)] = e.substr(eq + 1);
  }
  return vars;
}

class Builder : public StepHost {
 public:
  Builder(const Paths& paths, const BuildOptions& o, const BuildLog& log)
      : paths_(paths), o_(o), log_(log), store_(paths.images()) {}

  BuildResult run();

  // StepHost
  Transaction& txn() override { return *txn_; }
  const Paths& paths() const override { return paths_; }
  std::vector<fs::path> layer_dirs(const StageImage& image) const override;
  std::string add_layer_dir(const fs::path& dir) override;
  const StageImage& stage_result(std::size_t index) const override {
    std::lock_guard lock(mu_);
    return results_.at(index);
  }
  StageImage image_named(const std::string& ref) override;

 private:
  void build_stage(const b::ResolvedStage& stage);
  void run_step(StageImage& image, const b::ResolvedStep& step, const std::string& label);
  void log(const std::string& label, const std::string& line);
  std::string step_line(const std::string& text);
  std::string where(const b::ResolvedStep& step) const;
  RunSetup run_setup(const b::Run& run, const b::Vars& args);
  std::optional<StageImage> cached(const std::string& key) const;
  void remember(const std::string& key, const StageImage& image);
  void write_cache() const;
  std::string store_image(const StageImage& image, const std::vector<std::string>& tags);
  void build_stages(const b::BuildPlan& plan);

  const Paths& paths_;
  const BuildOptions& o_;
  const BuildLog& log_;
  Store store_;
  b::Containerfile cf_;
  b::IgnoreMatcher ignore_;
  std::unique_ptr<Transaction> txn_;
  std::map<std::string, fs::path> new_layers_;  // diff id -> staged diff dir
  std::map<std::string, json> remembered_;      // build-cache file name -> entry, this build's
  std::map<std::size_t, StageImage> results_;
  BuildResult result_;
  int step_no_ = 0, step_count_ = 0;
  std::string bridge_;  // the lit network of RUNs on Bridge, once asked for
  // Independent stages build in threads: their lines carry the stage's name,
  // RUN starts its container from a child process (run_child.hpp), and the
  // members above are shared under mu_.
  bool parallel_ = false;
  mutable std::mutex mu_;
};

// At most this many stages build at once (BuildKit has no bound; the
// machines lit runs on are small).
constexpr std::size_t kParallelStages = 2;

std::string stage_label(const b::ResolvedStage& stage) {
  return stage.name.empty() ? "stage-" + std::to_string(stage.index) : stage.name;
}

std::vector<fs::path> Builder::layer_dirs(const StageImage& image) const {
  std::lock_guard lock(mu_);
  std::vector<fs::path> dirs;
  for (const auto& d : image.diff_ids()) {
    auto it = new_layers_.find(d);
    dirs.push_back(it != new_layers_.end() ? it->second : layer_path(store_.root(), d) / "diff");
  }
  return dirs;
}

std::string Builder::add_layer_dir(const fs::path& dir) {
  LayerTarDigest d = write_layer_tar(dir / "diff", nullptr);
  std::lock_guard lock(mu_);
  if (txn_->has_layer(d.diff_id)) {
    remove_tree(dir);
  } else {
    txn_->adopt_layer(d.diff_id, dir, d.size, false, d.diff_id);  // hashed from this very dir
    new_layers_[d.diff_id] = dir / "diff";
  }
  return d.diff_id;
}

StageImage Builder::image_named(const std::string& ref) {
  Image img = store_.resolve(ref);
  json config = parse_config_blob(read_file(blob_path(store_.root(), img.id)), "image " + ref);
  return image_from_config(config);
}

std::optional<StageImage> Builder::cached(const std::string& key) const {
  if (o_.no_cache) return std::nullopt;
  const std::string name = digest_hex(key, "cache key") + ".json";
  json j;
  {
    std::lock_guard lock(mu_);
    if (auto it = remembered_.find(name); it != remembered_.end()) j = it->second;
  }
  if (j.is_null()) {
    fs::path file = store_.root() / "build-cache" / name;
    std::error_code ec;
    if (!fs::exists(file, ec)) return std::nullopt;
    j = json::parse(read_file(file), nullptr, false);
  }
  if (!j.is_object() || !j.contains("config")) return std::nullopt;
  StageImage image;
  image.config = j["config"];
  image.cmd_set = j.value("cmd_set", false);
  std::lock_guard lock(mu_);
  for (const auto& d : image.diff_ids())
    if (!txn_->has_layer(d)) return std::nullopt;
  return image;
}

void Builder::remember(const std::string& key, const StageImage& image) {
  json j = {{"config", image.config}, {"cmd_set", image.cmd_set}};
  std::lock_guard lock(mu_);  // two stages may remember the same step
  remembered_[digest_hex(key, "cache key") + ".json"] = std::move(j);
}

// After the commit: an entry names layers, which a failed build never
// stores. The image is built by then, so an entry that cannot be written
// (a full disk) costs a later build that step again, and no more.
void Builder::write_cache() const {
  const fs::path dir = store_.root() / "build-cache";
  try {
    make_dirs(dir, 0700);
    for (const auto& [name, j] : remembered_)
      write_file_atomic(dir / name, j.dump(), 0600, Durability::NoSync);
  } catch (const Error& e) {
    spdlog::warn("build cache: {}", e.what());
  }
}

void Builder::log(const std::string& label, const std::string& line) {
  std::lock_guard lock(mu_);
  log_(parallel_ ? "[" + label + "] " + line : line);
}

std::string Builder::step_line(const std::string& text) {
  std::lock_guard lock(mu_);
  return "STEP " + std::to_string(++step_no_) + "/" + std::to_string(step_count_) + ": " + text;
}

void Builder::run_step(StageImage& image, const b::ResolvedStep& step, const std::string& label) {
  const std::string name = b::instruction_name(step.what);
  log(label, step_line(step.original));
  std::optional<PreparedCopy> copy;
  std::string content_hash;
  if (const auto* c = std::get_if<b::Copy>(&step.what)) {
    copy.emplace(prepare_copy(*this, image, *c, o_.context, ignore_));
    content_hash = copy->content_hash;
  } else if (const auto* r = std::get_if<b::Run>(&step.what)) {
    content_hash = mounts_content_hash(*this, r->mounts, o_.context, ignore_);
  }
  const std::string key = step_cache_key(image.digest(), step.original, step.args, content_hash);
  if (auto hit = cached(key)) {
    image = *hit;
    log(label, "--> CACHED");
    std::lock_guard lock(mu_);
    ++result_.cached;
    return;
  }
  if (o_.on_cache_miss) o_.on_cache_miss();
  const std::string created = now_rfc3339();
  if (const auto* r = std::get_if<b::Run>(&step.what)) {
    std::vector<std::string> argv = run_argv(image, *r);
    PreparedMounts mounts = prepare_mounts(*this, image, r->mounts, o_.context, ignore_);
    RunSetup setup = run_setup(*r, step.args);
    setup.mounts = mounts.mounts;
    setup.mount_stubs = mounts.stubs;
    setup.in_child = parallel_;
    if (parallel_) setup.output = [this, &label](const std::string& l) { log(label, l); };
    std::string diff = run_in_container(*this, image, argv, setup);
    add_history(image, run_created_by(argv), created, diff);
  } else if (copy) {
    const auto& c = std::get<b::Copy>(step.what);
    std::string diff = apply_copy(*this, image, *copy, c);
    add_history(image, copy_created_by(name, copy->content_hash, c.dest), created, diff);
  } else {
    apply_metadata(image, step.what);
    std::string diff;
    if (std::holds_alternative<b::Workdir>(step.what)) diff = workdir_layer(*this, image);
    if (!std::holds_alternative<b::Arg>(step.what))
      add_history(image, nop_created_by(step.original), created, diff);
  }
  {
    std::lock_guard lock(mu_);
    ++result_.executed;
  }
  remember(key, image);
}

// `RUN --network=none|host|default` overrides the build's network (host only
// when the build allows it, as docker's network.host entitlement).
RunSetup Builder::run_setup(const b::Run& run, const b::Vars& args) {
  RunSetup setup;
  setup.args = args;
  setup.network = o_.network;
  if (run.network == "none") setup.network = runtime::NetworkMode::None;
  if (run.network == "host" && o_.network != runtime::NetworkMode::Host)
    throw Error("RUN --network=host needs the build's permission", {}, 0,
                "build with --network host");
  if (setup.network == runtime::NetworkMode::Bridge) {
    std::lock_guard lock(mu_);
    if (bridge_.empty()) {
      if (!o_.bridge_network) throw Error("RUN --network default: no network for builds here");
      bridge_ = o_.bridge_network();
    }
    setup.network_name = bridge_;
  }
  return setup;
}

std::string Builder::where(const b::ResolvedStep& step) const {
  return cf_.file + ":" + std::to_string(step.line) + ": " + b::instruction_name(step.what);
}

void Builder::build_stage(const b::ResolvedStage& stage) {
  const std::string label = stage_label(stage);
  log(label, step_line("FROM " + stage.base + (stage.name.empty() ? "" : " AS " + stage.name)));
  StageImage image;
  try {
    if (stage.base_stage) {
      image = stage_result(*stage.base_stage);
    } else if (stage.base == "scratch") {
      image = scratch_image();
    } else {
      image = image_named(stage.base);
    }
  } catch (Error& e) {
    throw e.context(cf_.file + ":" + std::to_string(stage.line) + ": FROM");
  }
  image.cmd_set = false;
  for (const auto& step : stage.steps) {
    try {
      run_step(image, step, label);
    } catch (Error& e) {
      throw e.context(where(step));
    } catch (const std::exception& e) {  // std::filesystem's
      throw Error(e.what()).context(where(step));
    }
  }
  std::lock_guard lock(mu_);
  results_[stage.index] = image;
}

std::string Builder::store_image(const StageImage& image, const std::vector<std::string>& tags) {
  const std::string config = image.config.dump();
  std::vector<LayerDescriptor> layers;
  for (const auto& d : image.diff_ids()) {
    auto size = txn_->state().layers.find(d);
    layers.push_back({"application/vnd.oci.image.layer.v1.tar", d,
                      size == txn_->state().layers.end() ? 0 : size->second});
  }
  const std::string manifest = make_manifest(config, layers);
  txn_->add_pulled(config, manifest, sha256_digest(manifest), image.diff_ids(),
                   tags.empty() ? std::string() : tags.front());
  for (std::size_t i = 1; i < tags.size(); ++i) txn_->state().tags[tags[i]] = sha256_digest(config);
  return sha256_digest(config);
}

// Stages by their position in the plan; independent ones in threads, with
// SIGINT and the like blocked there (each RUN's child forwards them to its
// container, so the build fails and cleans up rather than dying halfway).
void Builder::build_stages(const b::BuildPlan& plan) {
  std::map<std::size_t, std::size_t> position;
  for (std::size_t i = 0; i < plan.stages.size(); ++i) position[plan.stages[i].index] = i;
  std::vector<std::vector<std::size_t>> needs;
  for (const auto& s : plan.stages) {
    needs.emplace_back();
    for (std::size_t n : s.needs) needs.back().push_back(position.at(n));
  }
  parallel_ = has_independent_stages(needs);
  auto build = [&](std::size_t i) { build_stage(plan.stages[i]); };
  if (!parallel_) return run_stages(needs, 1, build);
  sigset_t block, old;
  sigemptyset(&block);
  for (int sig : {SIGINT, SIGTERM, SIGHUP, SIGQUIT}) sigaddset(&block, sig);
  pthread_sigmask(SIG_BLOCK, &block, &old);
  try {
    run_stages(needs, kParallelStages, build);
  } catch (...) {
    pthread_sigmask(SIG_SETMASK, &old, nullptr);
    throw;
  }
  pthread_sigmask(SIG_SETMASK, &old, nullptr);
}

// The images (not stages) that COPY --from and RUN --mount=...,from= read.
std::vector<std::string> images_read(const b::BuildPlan& plan) {
  std::vector<std::string> refs;
  for (const auto& stage : plan.stages) {
    for (const auto& step : stage.steps) {
      if (const auto* c = std::get_if<b::Copy>(&step.what); c && !c->from.empty() && !c->from_stage)
        refs.push_back(c->from);
      if (const auto* r = std::get_if<b::Run>(&step.what))
        for (const auto& m : r->mounts)
          if (m.type == "bind" && !m.from.empty() && !m.from_stage) refs.push_back(m.from);
    }
  }
  return refs;
}

BuildResult Builder::run() {
  const bool inline_text = !o_.containerfile_inline.empty();
  fs::path file =
      inline_text ? o_.context / "Dockerfile" : find_containerfile(o_.context, o_.containerfile);
  cf_ = b::parse_containerfile(inline_text ? o_.containerfile_inline : read_file(file),
                               inline_text ? "dockerfile_inline" : file.filename().string());
  ignore_ = b::load_ignore(o_.context, file);
  std::vector<std::string> tags;
  for (const auto& t : o_.tags) tags.push_back(parse_reference(t).str());
  b::BuildArgs args;
  args.values = o_.build_args;
  args.predefined = {{"TARGETOS", "linux"},
                     {"TARGETARCH", host_architecture()},
                     {"BUILDOS", "linux"},
                     {"BUILDARCH", host_architecture()},
                     {"TARGETPLATFORM", "linux/" + host_architecture()},
                     {"BUILDPLATFORM", "linux/" + host_architecture()}};
  // The images the needed stages start from are fetched while planning (their
  // ENV takes part in substitution), the ones COPY --from and RUN --mount
  // name right after: all before the store lock, under which a pull commits.
  std::set<std::string> fetched;
  auto fetch = [&](const std::string& ref) {
    if (o_.fetch_image && fetched.insert(ref).second && (o_.pull || !store_.find(ref)))
      o_.fetch_image(ref, o_.pull);
  };
  b::BuildPlan plan = b::plan_build(cf_, args, o_.target, [&](const std::string& ref) {
    fetch(ref);
    auto img = store_.find(ref);
    return img ? image_env(img->config) : b::Vars{};
  });
  for (const auto& ref : images_read(plan)) fetch(ref);
  for (const auto& s : plan.stages) step_count_ += int(s.steps.size()) + 1;
  txn_ = std::make_unique<Transaction>(store_.root());
  build_stages(plan);
  try {
    for (const auto& s : plan.stages)  // keeps every stage's layers (and cache) in the store
      if (s.index != plan.target) store_image(results_.at(s.index), {});
    result_.id = store_image(results_.at(plan.target), tags);
    txn_->commit();
  } catch (Error& e) {
    throw e.context("store the image");  // after the steps: no step to name
  }
  write_cache();
  return result_;
}

}  // namespace

BuildResult build_image(const Paths& paths, const BuildOptions& options, const BuildLog& log) {
  sweep_stale_cgroups();
  Builder builder(paths, options, log);
  return builder.run();
}

}  // namespace lit::image::builder
