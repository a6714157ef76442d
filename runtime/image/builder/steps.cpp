#include "runtime/image/builder/steps.hpp"

#include <fcntl.h>
#include <sys/stat.h>
#include <sys/statvfs.h>
#include <sys/xattr.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstdint>
#include <cstdio>
#include <cstring>
#include <optional>
#include <set>

#include "runtime/image/builder/run_child.hpp"
#include "runtime/image/builder/run_network.hpp"
#include "runtime/image/config.hpp"
#include "runtime/image/transaction.hpp"
#include "runtime/image/unpack.hpp"
#include "runtime/process/run.hpp"
#include "runtime/rootfs/init_layer.hpp"
#include "runtime/rootfs/overlay_xattr.hpp"
#include "runtime/spec/create.hpp"
#include "runtime/state/ids.hpp"
#include "runtime/util/error.hpp"

namespace lit::image::builder {

namespace fs = std::filesystem;
namespace b = lit::image::build;

namespace {

bool is_url(const std::string& s) {
  return s.starts_with("http://") || s.starts_with("https://") || s.starts_with("git@");
}

bool has_glob(const std::string& s) { return s.find_first_of("*?[") != std::string::npos; }

std::string absolute_dest(const StageImage& image, const std::string& dest) {
  if (dest.starts_with("/")) return dest;
  std::string wd = image.config["config"].value("WorkingDir", std::string());
  if (wd.empty()) wd = "/";
  return (wd.ends_with("/") ? wd : wd + "/") + dest;
}

// An archive ADD unpacks: a tar, plain or compressed (by its first bytes).
bool is_archive(const fs::path& p) {
  UniqueFd fd(::open(p.c_str(), O_RDONLY | O_CLOEXEC));
  if (!fd) return false;
  unsigned char buf[512] = {};
  ssize_t n = ::read(fd.get(), buf, sizeof buf);
  if (n >= 4 && ((buf[0] == 0x1f && buf[1] == 0x8b) || (buf[0] == 0x28 && buf[1] == 0xb5) ||
                 (buf[0] == 0xfd && buf[1] == '7' && buf[2] == 'z')))
    return true;
  return n == 512 && std::string_view(reinterpret_cast<char*>(buf) + 257, 5) == "ustar";
}

// ADD's archives unpacked into a directory each, as sources of their contents.
std::vector<CopySource> unpack_archives(StepHost& host, std::vector<CopySource>& sources,
                                        std::vector<TempDir>& dirs) {
  std::vector<CopySource> out;
  for (auto& s : sources) {
    if (!fs::is_regular_file(fs::symlink_status(s.path)) || !is_archive(s.path)) {
      out.push_back(s);
      continue;
    }
    dirs.emplace_back(host.txn().staging(), "add-");
    UniqueFd fd(::open(s.path.c_str(), O_RDONLY | O_CLOEXEC));
    if (!fd) throw Error::sys("open", s.path.string(), errno);
    unpack_layer(fd.get(), dirs.back().path() / "t", "ADD " + s.relative);
    out.push_back({dirs.back().path() / "t", ""});
  }
  return out;
}

// Overlay's own bookkeeping on the upper directory (origin, impure...) is
// not part of a layer; the opaque marker is.
void strip_overlay_xattrs(const fs::path& root) {
  std::error_code ec;
  auto strip = [](const fs::path& p) {
    char names[4096];
    ssize_t n = ::llistxattr(p.c_str(), names, sizeof names);
    for (ssize_t i = 0; i < n; i += ssize_t(std::strlen(names + i)) + 1) {
      std::string_view name(names + i);
      if (is_overlay_xattr(name) && !name.ends_with(".overlay.opaque"))
        ::lremovexattr(p.c_str(), names + i);
    }
  };
  strip(root);
  for (auto it = fs::recursive_directory_iterator(root, ec);
       it != fs::recursive_directory_iterator(); it.increment(ec)) {
    if (it->is_directory(ec)) strip(it->path());
  }
}

// `COPY <<EOF /dest`: each heredoc a file named after it (0644), as BuildKit does.
void add_heredoc_files(StepHost& host, PreparedCopy& p, const b::Copy& copy) {
  p.heredocs.emplace(host.txn().staging(), "heredoc-");
  for (const auto& h : copy.inline_sources) {
    if (h.name.find('/') != std::string::npos || h.name == "." || h.name == "..")
      throw Error("<<" + h.name + ": not a file name");
    fs::path file = p.heredocs->path() / h.name;
    write_file_atomic(file, h.content, 0644, Durability::NoSync);
    if (::chmod(file.c_str(), 0644) < 0) throw Error::sys("chmod", file.string(), errno);
    p.sources.push_back({file, "<<" + h.name});
  }
}

}  // namespace

PreparedCopy prepare_copy(StepHost& host, const StageImage&, const b::Copy& copy,
                          const fs::path& context, const b::IgnoreMatcher& ignore) {
  const std::string name = copy.add ? "ADD" : "COPY";
  for (const auto& s : copy.sources) {
    if (is_url(s))
      throw Error(name + " " + s + ": downloading a URL is not supported yet", {}, 0,
                  "download it into the build context and COPY it");
  }
  PreparedCopy p;
  if (copy.from.empty()) {
    p.ignore = ignore;
    if (!copy.sources.empty()) p.sources = select_sources(context, copy.sources, ignore);
    if (!copy.inline_sources.empty()) add_heredoc_files(host, p, copy);
  } else {
    if (!copy.inline_sources.empty())
      throw Error(name + " --from=" + copy.from + ": heredoc sources come from the Containerfile",
                  {}, 0, "copy the heredoc in its own " + name + " without --from");
    StageImage src =
        copy.from_stage ? host.stage_result(*copy.from_stage) : host.image_named(copy.from);
    auto layers = host.layer_dirs(src);
    p.tree.emplace(host.txn().staging(), "from-");
    bool glob = std::any_of(copy.sources.begin(), copy.sources.end(), has_glob);
    if (glob) {
      materialize(layers, "", p.tree->path());
    } else {
      for (const auto& s : copy.sources) materialize(layers, s, p.tree->path());
    }
    p.sources = select_sources(p.tree->path(), copy.sources, {});
  }
  p.content_hash = hash_sources(p.sources, p.ignore);
  return p;
}

std::string apply_copy(StepHost& host, const StageImage& image, const PreparedCopy& prepared,
                       const b::Copy& copy) {
  auto lower = host.layer_dirs(image);
  CopyOptions o;
  o.dest = absolute_dest(image, copy.dest);
  o.dest_is_dir = copy.dest.ends_with("/") || copy.dest == "." || prepared.sources.size() > 1 ||
                  is_dir_in_layers(lower, o.dest);
  if (!copy.chown.empty()) {
    runtime::ResolvedUser u = runtime::resolve_user(runtime::parse_user(copy.chown), lower);
    o.uid = u.uid;
    o.gid = u.gid;
  }
  if (!copy.chmod.empty()) {
    std::size_t used = 0;
    unsigned long m = std::stoul(copy.chmod, &used, 8);
    if (used != copy.chmod.size() || m > 07777)
      throw Error("--chmod=" + copy.chmod + ": not an octal mode");
    o.mode = unsigned(m);
  }
  std::vector<TempDir> unpacked;
  std::vector<CopySource> sources = prepared.sources;
  if (copy.add && copy.from.empty()) sources = unpack_archives(host, sources, unpacked);
  fs::path dir = host.txn().layer_dir();
  copy_into_layer(sources, prepared.ignore, o, dir / "diff", lower);
  return host.add_layer_dir(dir);
}

namespace {

std::vector<std::string> run_env(const StageImage& image, const b::Vars& args) {
  std::set<std::string> set;
  const auto& c = image.config["config"];
  if (c.contains("Env") && c["Env"].is_array())
    for (const auto& e : c["Env"])
      set.insert(e.get<std::string>().substr(0, e.get<std::string>().find('=')));
  std::vector<std::string> env;
  for (const auto& [k, v] : args)
    if (!set.contains(k)) env.push_back(k + "=" + v);
  return env;
}

std::string joined(const std::vector<std::string>& argv) {
  std::string s;
  for (const auto& a : argv) s += (s.empty() ? "" : " ") + a;
  return s;
}

}  // namespace

namespace {

runtime::ExitStatus run_step_container(StepHost& host, runtime::CreatePlan& plan,
                                       const std::string& id, const RunSetup& setup,
                                       std::optional<RunEndpoint>& endpoint) {
  runtime::RunHooks hooks;
  hooks.die_with_caller = true;  // a SIGKILLed `lit build` takes its RUN along
  hooks.seccomp_cache = host.paths().seccomp_cache();
  hooks.apparmor_state = host.paths().run_root;
  try {
    hooks.init_layer = runtime::ensure_init_layer(host.paths().root / "init-layer");
  } catch (const Error&) {  // the container copies /etc up instead
  }
  if (setup.network == runtime::NetworkMode::Bridge) {
    endpoint.emplace(host.paths(), id, plan.spec.name, setup.network_name);
    endpoint->configure(plan.spec);
    hooks.before_start = [&endpoint](pid_t pid) { endpoint->start(pid); };
  }
  if (setup.in_child) return run_in_child(plan.spec, hooks, setup.output);
  return runtime::run_foreground(plan.spec, hooks);
}

// Below this much room left, a RUN that failed most likely failed for want of
// it (its own message, "No space left on device", is in its output above).
constexpr std::uint64_t kFullBelow = 1u << 20;

bool file_system_full(const fs::path& path) {
  struct statvfs st {};
  return ::statvfs(path.c_str(), &st) == 0 &&
         static_cast<std::uint64_t>(st.f_bavail) * st.f_frsize < kFullBelow;
}

// Mount points made for RUN's mounts are not part of its layer (as BuildKit
// removes its mount stubs): deepest first, each only while empty.
void remove_mount_stubs(const fs::path& upper, const std::vector<std::string>& stubs) {
  std::vector<std::string> sorted = stubs;
  std::sort(sorted.begin(), sorted.end(),
            [](const std::string& a, const std::string& b) { return a.size() > b.size(); });
  for (const auto& s : sorted) {
    const fs::path p = upper / s.substr(1);
    struct stat st {};
    if (::lstat(p.c_str(), &st) < 0) continue;
    if (S_ISDIR(st.st_mode))
      ::rmdir(p.c_str());
    else if (S_ISREG(st.st_mode) && st.st_size == 0)  // a file mount's point
      ::unlink(p.c_str());
  }
}

}  // namespace

std::string run_in_container(StepHost& host, const StageImage& image,
                             const std::vector<std::string>& argv, const RunSetup& setup) {
  auto layers = host.layer_dirs(image);
  if (layers.empty()) throw Error("cannot run a command in an empty image (FROM scratch)");
  runtime::ContainerRequest req;
  req.entrypoint = std::vector<std::string>{};
  req.command = argv;
  req.env = run_env(image, setup.args);
  req.network.mode = setup.network;
  req.network.name = setup.network_name;
  Image img;
  img.id = "sha256:" + std::string(64, '0');
  fill_from_config(img, image.config);
  const std::string id = runtime::generate_id();
  // Released after the bundle is removed: when the RUN filled the disk, the
  // network's records need that room to be rewritten.
  std::optional<RunEndpoint> endpoint;
  // Named after its container: a build killed during the RUN leaves its
  // cgroup, which the store's next transaction finds here (transaction.cpp).
  TempDir bundle(host.txn().staging(), "run-" + id + "-");
  runtime::Identity identity{id, "lit-build-" + id.substr(0, 12), bundle.path(),
                             host.paths().root / "volumes"};
  runtime::CreatePlan plan = runtime::build_spec(req, img, layers, identity);
  plan.spec.mounts.insert(plan.spec.mounts.end(), setup.mounts.begin(), setup.mounts.end());
  runtime::ExitStatus st;
  try {
    st = run_step_container(host, plan, id, setup, endpoint);
  } catch (const runtime::StartError& e) {
    throw Error(std::string(e.what()) + ": " + joined(argv));
  }
  if (st.code != 0) {
    Error failed("exit code " + std::to_string(st.code) + ": " + joined(argv));
    if (file_system_full(bundle.path()))  // the hint a write that found no room gets
      failed.with_hint(Error::sys("write", {}, ENOSPC).hint());
    throw failed;
  }
  fs::path dir = host.txn().layer_dir();
  fs::remove(dir / "diff");
  if (::rename((bundle.path() / "upper").c_str(), (dir / "diff").c_str()) < 0)
    throw Error::sys("keep the layer of", joined(argv), errno);
  remove_mount_stubs(dir / "diff", setup.mount_stubs);
  strip_overlay_xattrs(dir / "diff");
  return host.add_layer_dir(dir);
}

std::string workdir_layer(StepHost& host, const StageImage& image) {
  std::string wd = image.config["config"].value("WorkingDir", std::string());
  auto lower = host.layer_dirs(image);
  if (wd.empty() || wd == "/" || is_dir_in_layers(lower, wd)) return {};
  fs::path dir = host.txn().layer_dir();
  make_parents(dir / "diff", wd.substr(1) + "/x", lower);
  return host.add_layer_dir(dir);
}

}  // namespace lit::image::builder
