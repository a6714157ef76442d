// `lit build`: the image builder (runtime/image/builder) from the command
// line and for a project's services with build:.
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <filesystem>

#include "app/build.hpp"
#include "runtime/image/builder/builder.hpp"
#include "runtime/util/error.hpp"

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
  cmd.add_option("--network", f.network, "RUN's network: none (default) or host")
      ->check(CLI::IsMember({"none", "host", "default"}));
  cmd.add_flag("--no-cache", f.no_cache, "Run every step, ignoring the build cache");
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
  if (n == "default")  // docker's NAT'd bridge for builds is not there yet
    std::fprintf(stderr, "lit: warning: build --network default: RUN has no network yet (none)\n");
  return runtime::NetworkMode::None;
}

}  // namespace

void run_image_build(const Context& ctx, const ImageBuildFlags& f, const std::string& context) {
  ib::BuildOptions o;
  o.context = fs::absolute(context);
  o.containerfile = f.file;
  o.tags = f.tags;
  o.build_args = parse_build_args(f.build_args);
  o.target = f.target;
  o.no_cache = f.no_cache;
  o.network = network_mode(f.network);
  auto start = std::chrono::steady_clock::now();
  ib::BuildResult r = ib::build_image(ctx.paths, o, [&f](const std::string& line) {
    if (!f.quiet) std::printf("%s\n", line.c_str());
    std::fflush(stdout);
  });
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
