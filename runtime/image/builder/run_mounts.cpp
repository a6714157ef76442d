#include "runtime/image/builder/run_mounts.hpp"

#include <sys/stat.h>
#include <unistd.h>

#include <cstdio>
#include <optional>

#include "runtime/image/builder/copy.hpp"
#include "runtime/image/builder/steps.hpp"
#include "runtime/image/digest.hpp"
#include "runtime/image/transaction.hpp"
#include "runtime/util/error.hpp"

namespace lit::image::builder {

namespace fs = std::filesystem;
namespace b = lit::image::build;

fs::path cache_mounts_dir(const fs::path& images_root) {
  return images_root / "build-cache" / "mounts";
}

namespace {

// "/a/b/../c/" -> "/a/c"; refuses what climbs above the root.
std::string clean_target(const std::string& target) {
  if (!target.starts_with("/")) throw Error("--mount target=" + target + ": not an absolute path");
  fs::path p = fs::path(target).lexically_normal();
  std::string s = p.string();
  while (s.size() > 1 && s.ends_with("/")) s.pop_back();
  if (s == "/" || s.find("..") != std::string::npos)
    throw Error("--mount target=" + target + ": not a path below /");
  return s;
}

// The directories to make for the target that the image lacks, outermost first.
std::vector<std::string> stubs_for(const std::vector<fs::path>& layers, const std::string& target) {
  std::vector<std::string> stubs;
  std::string prefix;
  for (const auto& part : fs::path(target).relative_path()) {
    prefix += "/" + part.string();
    if (!stubs.empty() || !is_dir_in_layers(layers, prefix)) stubs.push_back(prefix);
  }
  return stubs;
}

void add_cache(StepHost& host, PreparedMounts& p, const b::RunMount& m, const std::string& target) {
  const std::string id = m.id.empty() ? target : m.id;
  fs::path root = cache_mounts_dir(host.paths().images());
  make_dirs(root, 0700);
  const std::string key = digest_hex(sha256_digest(id), "cache id");
  fs::path dir = root / key;
  if (m.sharing != "shared") {
    bool acquired = false;
    auto lock = std::make_unique<FileLock>(
        m.sharing == "locked" ? FileLock(root / (key + ".lock"))
                              : FileLock::try_lock(root / (key + ".lock"), acquired));
    if (m.sharing == "private" && !acquired) {  // another RUN has it: one of our own
      p.trees.push_back(std::make_unique<TempDir>(host.txn().staging(), "cache-"));
      dir = p.trees.back()->path() / "c";
    }
    p.locks.push_back(std::move(lock));
  }
  std::error_code ec;
  // Made aside, then renamed, under a lock: a RUN of another stage or build
  // may be making the same one (and rename would replace an empty one in use).
  std::optional<FileLock> making;
  if (!fs::is_directory(dir, ec)) making.emplace(root / "create.lock");
  if (!fs::is_directory(dir, ec)) {
    TempDir fresh(root, key + ".new-");
    const fs::path& tmp = fresh.path();
    if (::chmod(tmp.c_str(), m.mode.value_or(0755)) < 0 ||
        ::chown(tmp.c_str(), m.uid.value_or(0), m.gid.value_or(0)) < 0)
      throw Error::sys("prepare cache directory", tmp.string(), errno);
    if (::rename(tmp.c_str(), dir.c_str()) == 0)
      fresh.release();
    else if (!fs::is_directory(dir, ec))
      throw Error::sys("create cache directory", dir.string(), errno);
  }
  std::vector<std::string> options;
  if (m.read_only) options.push_back("ro");
  p.mounts.push_back({target, "bind", dir.string(), options});
}

// A bind mount's source, relative to its root ("." for the root itself).
std::string bind_source(const b::RunMount& m) {
  std::string source = fs::path("/" + m.source).lexically_normal().string();
  if (source.find("..") != std::string::npos)
    throw Error("--mount source=" + m.source + ": outside of its source");
  return source == "/" ? "." : source.substr(1);
}

// A bind mount's source: the path in the context (inside it), else in the stage or image.
void add_bind(StepHost& host, PreparedMounts& p, const b::RunMount& m, const std::string& target,
              const fs::path& context, const b::IgnoreMatcher& ignore) {
  const std::string relative = bind_source(m);
  fs::path path;
  if (m.from.empty()) {
    auto selected = select_sources(context, {relative}, ignore);
    path = context / (relative == "." ? "" : relative);
    if (!ignore.empty()) {  // what .dockerignore leaves out is not there: a filtered copy
      p.trees.push_back(std::make_unique<TempDir>(host.txn().staging(), "mount-"));
      const fs::path tree = p.trees.back()->path() / "t";
      make_dirs(tree);
      CopyOptions o;
      o.dest = "/";
      o.dest_is_dir = true;
      copy_into_layer(selected, ignore, o, tree, {});
      path = fs::is_directory(path) ? tree : tree / path.filename();
    }
  } else {
    StageImage src = m.from_stage ? host.stage_result(*m.from_stage) : host.image_named(m.from);
    p.trees.push_back(std::make_unique<TempDir>(host.txn().staging(), "mount-"));
    try {
      materialize(host.layer_dirs(src), relative == "." ? "" : relative, p.trees.back()->path());
    } catch (const Error&) {
      throw Error("--mount from=" + m.from + ",source=" + m.source + ": not found");
    }
    path = p.trees.back()->path() / (relative == "." ? "" : relative);
    std::error_code ec;
    if (!fs::exists(fs::symlink_status(path, ec)))
      throw Error("--mount from=" + m.from + ",source=" + m.source + ": not found");
  }
  p.mounts.push_back({target, "bind", path.string(), {"ro"}});
}

}  // namespace

PreparedMounts prepare_mounts(StepHost& host, const StageImage& image,
                              const std::vector<b::RunMount>& mounts, const fs::path& context,
                              const b::IgnoreMatcher& ignore) {
  PreparedMounts p;
  if (mounts.empty()) return p;
  auto layers = host.layer_dirs(image);
  for (const auto& m : mounts) {
    const std::string target = clean_target(m.target);
    for (auto& s : stubs_for(layers, target)) p.stubs.push_back(std::move(s));
    if (m.type == "cache") {
      add_cache(host, p, m, target);
    } else if (m.type == "bind") {
      add_bind(host, p, m, target, context, ignore);
    } else {
      std::vector<std::string> options{"nosuid", "nodev"};
      if (!m.size.empty()) options.push_back("size=" + m.size);
      if (m.mode) {
        char mode[16];
        std::snprintf(mode, sizeof mode, "mode=%o", *m.mode);
        options.emplace_back(mode);
      }
      p.mounts.push_back({target, "tmpfs", "", options});
    }
  }
  return p;
}

std::string mounts_content_hash(StepHost& host, const std::vector<b::RunMount>& mounts,
                                const fs::path& context, const b::IgnoreMatcher& ignore) {
  std::string all;
  for (const auto& m : mounts) {
    if (m.type != "bind") continue;
    const std::string relative = bind_source(m);
    if (m.from.empty()) {
      all += hash_sources(select_sources(context, {relative}, ignore), ignore) + "\n";
    } else {
      StageImage src = m.from_stage ? host.stage_result(*m.from_stage) : host.image_named(m.from);
      all += src.digest() + ":" + relative + "\n";
    }
  }
  return all.empty() ? all : sha256_digest(all);
}

}  // namespace lit::image::builder
