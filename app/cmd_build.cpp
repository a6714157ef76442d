// `lit build`: the image builder (runtime/image/builder) from the command
// line and for a project's services with build:.
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <mutex>

#include "app/build.hpp"
#include "app/pull.hpp"
#include "network/build_network.hpp"
#include "network/manager.hpp"
#include "network/store.hpp"
#include "reconciler/apply/replica_request.hpp"
#include "runtime/image/build/containerfile.hpp"
#include "runtime/image/builder/builder.hpp"
#include "runtime/image/store.hpp"
#include "runtime/util/error.hpp"
#include "runtime/util/fs.hpp"

namespace lit::app {

namespace fs = std::filesystem;
namespace ib = lit::image::builder;

void add_image_build_flags(CLI::App& cmd, ImageBuildFlags& f) {
  cmd.add_option("-t,--tag", f.tags, "Name the image (repeatable)")->allow_extra_args(false);
  cmd.add_option("-f,--file", f.file,
                 "The Containerfile (default: CONTEXT/Containerfile or Dockerfile)");
  cmd.add_option("--build-arg", f.build_args,
                 "Set a build argument (K=V, or K from the environment)")
      ->allow_extra_args(false);
  cmd.add_option("--target", f.target, "Build this stage (default: the last)");
  cmd.add_option("--network", f.network,
                 "RUN's network: default (a NAT'd bridge), none (only lo) or host")
      ->check(CLI::IsMember({"none", "host", "default"}));
  cmd.add_flag("--no-cache", f.no_cache, "Run every step, ignoring the build cache");
  cmd.add_flag("--pull", f.pull,
               "Pull the images FROM names even when present (missing ones always are)");
  cmd.add_flag("-q,--quiet", f.quiet, "Print only the image id");
}

bool is_context_build(const ImageBuildFlags& f, const std::vector<std::string>& args) {
  if (args.size() != 1) return false;
  std::error_code ec;
  if (!fs::is_directory(args[0], ec)) return false;
  const std::string& a = args[0];
  bool path_like = a == "." || a == ".." || a.find('/') != std::string::npos;
  bool flags = !f.tags.empty() || !f.file.empty() || !f.build_args.empty() || !f.target.empty();
  return path_like || flags;
}

namespace {

image::build::Vars parse_build_args(const std::vector<std::string>& args) {
  image::build::Vars out;
  for (const auto& a : args) {
    auto eq = a.find('=');
    if (eq != std::string::npos) {
      out[a.substr(0, eq)] = a.substr(eq + 1);
    } else if (const char* v = std::getenv(a.c_str())) {
      out[a] = v;
    }
  }
  return out;
}

runtime::NetworkMode network_mode(const std::string& n) {
  if (n == "host") return runtime::NetworkMode::Host;
  if (n == "none") return runtime::NetworkMode::None;
  return runtime::NetworkMode::Bridge;  // "default": docker build's NAT'd bridge
}

void dry_run_image_build(const ImageBuildFlags& f, const std::string& context,
                         const std::string& why);

// The network of a build's RUNs (`--network default`): a lit network of its
// own (network/build_network.hpp), made when a RUN first needs it (a cached
// build makes none) and removed when the build ends, failed or not, with any
// endpoint a RUN could not give back (its record not rewritten on a full
// disk): every RUN has ended by then. One left by a build that was killed is
// removed by the next build.
class BuildNetwork {
 public:
  explicit BuildNetwork(const Paths& paths) : paths_(paths) {}
  ~BuildNetwork() {
    if (name_.empty()) return;
    try {
      network::remove_build_network(paths_, name_);
    } catch (const Error& e) {
      std::fprintf(stderr, "lit: warning: remove build network %s: %s\n", name_.c_str(), e.what());
    }
  }
  BuildNetwork(const BuildNetwork&) = delete;
  BuildNetwork& operator=(const BuildNetwork&) = delete;

  const std::string& name() {
    if (!name_.empty()) return name_;
    remove_stale();
    network::NetworkCreate request;
    request.name = network::build_network_name(::getpid());
    network::Manager().create_network(paths_, request);
    name_ = request.name;
    return name_;
  }

 private:
  void remove_stale() const {
    network::NetworkStore store(network::networks_dir(paths_.root));
    for (const auto& r : store.list(network::Endpoints::Skip)) {
      if (!network::build_network_abandoned(r.name)) continue;
      try {
        network::remove_build_network(paths_, r.name);
      } catch (const Error&) {  // another build removed it meanwhile
      }
    }
  }

  const Paths& paths_;
  std::string name_;
};

}  // namespace

void run_image_build(const Context& ctx, const ImageBuildFlags& f, const std::string& context) {
  if (ctx.project.dry_run) {
    dry_run_image_build(f, context, "context " + context);
    return;
  }
  ib::BuildOptions o;
  o.context = fs::absolute(context);
  o.containerfile = f.file;
  o.containerfile_inline = f.inline_text;
  o.tags = f.tags;
  o.build_args = parse_build_args(f.build_args);
  o.target = f.target;
  o.no_cache = f.no_cache;
  o.pull = f.pull;
  o.fetch_image = [&ctx](const std::string& reference, bool always) {
    ensure_image(ctx, reference, always ? "always" : "missing");
  };
  o.network = network_mode(f.network);
  BuildNetwork network(ctx.paths);
  o.bridge_network = [&network] { return network.name(); };
  auto start = std::chrono::steady_clock::now();
  // Stages may build in parallel: both callbacks come from the stages' threads.
  std::mutex mu;
  bool live = !f.silent_when_cached;
  std::vector<std::string> held;  // the lines before the first step with work
  o.on_cache_miss = [&] {
    std::lock_guard lock(mu);
    if (live) return;
    live = true;
    if (!f.header.empty()) std::printf("%s\n", f.header.c_str());
    for (const auto& line : held) std::printf("%s\n", line.c_str());
    std::fflush(stdout);
  };
  ib::BuildResult r = ib::build_image(ctx.paths, o, [&](const std::string& line) {
    if (f.quiet) return;
    std::lock_guard lock(mu);
    if (!live) {
      held.push_back(line);
      return;
    }
    std::printf("%s\n", line.c_str());
    std::fflush(stdout);
  });
  if (!live) return;  // every step cached: the image is what it was
  if (f.quiet) {
    std::printf("%s\n", r.id.c_str());
    return;
  }
  auto ms = std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::steady_clock::now() -
                                                                  start)
                .count();
  std::printf("--> %d steps run, %d cached, %lld ms\n", r.executed, r.cached,
              static_cast<long long>(ms));
  for (const auto& t : f.tags) std::printf("Successfully tagged %s\n", t.c_str());
  std::printf("%s\n", r.id.c_str());
}

}  // namespace lit::app

namespace lit::app {

std::string service_build_file(const reconciler::Build& build) {
  const fs::path given = build.dockerfile.empty() ? "Dockerfile" : build.dockerfile;
  const fs::path file = given.is_absolute() ? given : fs::path(build.context) / given;
  if (given == "Dockerfile" && !fs::exists(file) &&
      fs::is_regular_file(fs::path(build.context) / "Containerfile"))
    return (fs::path(build.context) / "Containerfile").string();
  return file.string();
}

namespace {

ImageBuildFlags service_flags(const reconciler::Project& project, const reconciler::Service& s,
                              bool quiet) {
  const reconciler::Build& bld = *s.build;
  if (bld.context.find("://") != std::string::npos || bld.context.starts_with("git@"))
    throw Error("build.context " + bld.context + ": a remote context is not supported yet")
        .context("service " + s.name);
  ImageBuildFlags f;
  f.tags.push_back(reconciler::service_image(project, s));
  f.tags.insert(f.tags.end(), bld.tags.begin(), bld.tags.end());
  f.inline_text = bld.dockerfile_inline;
  if (bld.dockerfile_inline.empty()) f.file = service_build_file(bld);
  for (const auto& [k, v] : bld.args) f.build_args.push_back(v ? k + "=" + *v : k);
  f.target = bld.target;
  f.no_cache = bld.no_cache;
  f.pull = bld.pull;
  if (!bld.network.empty() && bld.network != "default" && bld.network != "none" &&
      bld.network != "host")
    throw Error("build.network " + bld.network + ": lit builds with default, none or host")
        .context("service " + s.name);
  f.network = bld.network.empty() ? "default" : bld.network;
  f.quiet = quiet;
  return f;
}

// --dry-run: the build checked as far as it goes without running a step (its
// context, its build file read and parsed), and the image it would make printed.
void dry_run_image_build(const ImageBuildFlags& f, const std::string& context,
                         const std::string& why) {
  if (!fs::is_directory(context)) throw Error("build context " + context + " is not a directory");
  std::string file = f.file;
  if (file.empty() && f.inline_text.empty()) {
    reconciler::Build build;
    build.context = context;
    file = service_build_file(build);
  }
  const std::string text = f.inline_text.empty() ? read_file(file) : f.inline_text;
  image::build::parse_containerfile(text, file.empty() ? "dockerfile_inline" : file);
  std::string tags;
  for (const auto& t : f.tags) tags += (tags.empty() ? "" : ", ") + t;
  std::printf("build image %s (%s)\n", tags.empty() ? "<untagged>" : tags.c_str(), why.c_str());
}

void dry_run_build(const reconciler::Project& project, const reconciler::Service& s) {
  try {
    dry_run_image_build(service_flags(project, s, true), s.build->context, "service " + s.name);
  } catch (Error& e) {
    throw e.context("service " + s.name);
  }
}

}  // namespace

void build_services(const Context& ctx, const reconciler::Project& project,
                    const std::vector<std::string>& services, bool quiet) {
  for (const auto& [name, s] : project.services) {
    if (!s.build) continue;
    if (!services.empty() && std::find(services.begin(), services.end(), name) == services.end())
      continue;
    if (ctx.project.dry_run) {
      dry_run_build(project, s);
      continue;
    }
    if (!quiet) std::printf("service %s: building %s\n", name.c_str(), s.build->context.c_str());
    try {
      run_image_build(ctx, service_flags(project, s, quiet), s.build->context);
    } catch (Error& e) {
      throw e.context("service " + name);
    }
  }
}

void build_for_up(const Context& ctx, const reconciler::Project& project,
                  const std::vector<std::string>& services) {
  image::Store store(ctx.paths.images());
  for (const auto& [name, s] : project.services) {
    if (!s.build) continue;
    if (!services.empty() && std::find(services.begin(), services.end(), name) == services.end())
      continue;
    const bool missing = !store.find(reconciler::service_image(project, s));
    const bool ours = s.image.empty() || s.pull_policy == "build";
    if (!missing && !ours) continue;
    if (ctx.project.dry_run) {
      dry_run_build(project, s);
      continue;
    }
    ImageBuildFlags f = service_flags(project, s, false);
    f.silent_when_cached = !missing;
    f.header = "service " + name + ": building " + s.build->context;
    if (missing) std::printf("%s\n", f.header.c_str());
    try {
      run_image_build(ctx, f, s.build->context);
    } catch (Error& e) {
      throw e.context("service " + name);
    }
  }
}

}  // namespace lit::app
