#include "runtime/image/builder/steps.hpp"

#include <fcntl.h>
#include <sys/xattr.h>
#include <unistd.h>

#include <cstdio>
#include <cstring>
#include <set>

#include "runtime/image/config.hpp"
#include "runtime/image/transaction.hpp"
#include "runtime/image/unpack.hpp"
#include "runtime/process/run.hpp"
#include "runtime/rootfs/init_layer.hpp"
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
      if (name.starts_with("trusted.overlay.") && name != "trusted.overlay.opaque")
        ::lremovexattr(p.c_str(), names + i);
    }
  };
  strip(root);
  for (auto it = fs::recursive_directory_iterator(root, ec);
       it != fs::recursive_directory_iterator(); it.increment(ec)) {
    if (it->is_directory(ec)) strip(it->path());
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
  if (!copy.inline_sources.empty())
    throw Error(name + " <<" + ": heredoc sources are not supported yet");
  PreparedCopy p;
  if (copy.from.empty()) {
    p.ignore = ignore;
    p.sources = select_sources(context, copy.sources, ignore);
  } else {
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

std::string run_in_container(StepHost& host, const StageImage& image,
                             const std::vector<std::string>& argv, const b::Vars& args,
                             runtime::NetworkMode network) {
  auto layers = host.layer_dirs(image);
  if (layers.empty()) throw Error("cannot run a command in an empty image (FROM scratch)");
  runtime::ContainerRequest req;
  req.entrypoint = std::vector<std::string>{};
  req.command = argv;
  req.env = run_env(image, args);
  req.network.mode = network;
  Image img;
  img.id = "sha256:" + std::string(64, '0');
  fill_from_config(img, image.config);
  TempDir bundle(host.txn().staging(), "run-");
  const std::string id = runtime::generate_id();
  runtime::Identity identity{id, "lit-build-" + id.substr(0, 12), bundle.path(),
                             host.paths().root / "volumes"};
  runtime::CreatePlan plan = runtime::build_spec(req, img, layers, identity);
  runtime::RunHooks hooks;
  hooks.seccomp_cache = host.paths().run_root / "seccomp";
  try {
    hooks.init_layer = runtime::ensure_init_layer(host.paths().root / "init-layer");
  } catch (const Error&) {  // the container copies /etc up instead
  }
  runtime::ExitStatus st;
  try {
    st = runtime::run_foreground(plan.spec, hooks);
  } catch (const runtime::StartError& e) {
    throw Error(std::string(e.what()) + ": " + joined(argv));
  }
  if (st.code != 0) throw Error("exit code " + std::to_string(st.code) + ": " + joined(argv));
  fs::path dir = host.txn().layer_dir();
  fs::remove(dir / "diff");
  if (::rename((bundle.path() / "upper").c_str(), (dir / "diff").c_str()) < 0)
    throw Error::sys("keep the layer of", joined(argv), errno);
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
