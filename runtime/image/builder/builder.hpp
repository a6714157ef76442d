#pragma once
// `lit build`: executes a Containerfile into the image store. Each stage
// starts from an image, `scratch` or an earlier stage's result; metadata
// instructions change the config; COPY/ADD write a new layer directory; RUN
// runs in a lit container (the runtime's spec and security) whose overlay
// upper directory becomes the layer. Steps are cached by the parent, the
// instruction and the copied files' content (<images>/build-cache/).
// Nothing is stored unless the whole build succeeds.
#include <cstdint>
#include <cstdio>
#include <filesystem>
#include <functional>
#include <string>
#include <vector>

#include "runtime/image/build/shell_lex.hpp"
#include "runtime/spec/spec.hpp"
#include "runtime/util/paths.hpp"

namespace lit::image::builder {

struct BuildOptions {
  std::filesystem::path context;
  std::filesystem::path containerfile;  // "": Containerfile, else Dockerfile in the context
  std::string containerfile_inline;     // compose's dockerfile_inline: this text instead
  std::vector<std::string> tags;        // references, normalized when stored
  build::Vars build_args;
  std::string target;  // stage name, "" = the last stage
  bool no_cache = false;
  // The images FROM and COPY --from name: fetched by `fetch_image` when the
  // store lacks them, or every time with `pull` (--pull). Unset: the store's only.
  bool pull = false;
  std::function<void(const std::string& reference, bool always)> fetch_image;
  // RUN's network: None (only lo), Host, or Bridge (a lit network with NAT, docker
  // build's default), whose name bridge_network gives when a RUN first needs it.
  runtime::NetworkMode network = runtime::NetworkMode::None;
  std::function<std::string()> bridge_network;
  // Called when a step is not in the cache, before it runs (`lit up` shows a
  // build's steps only once one has work to do).
  std::function<void()> on_cache_miss;
};

struct BuildResult {
  std::string id;  // "sha256:<hex>"
  int executed = 0, cached = 0;
};

// Progress lines ("STEP 2/5: COPY a /a", "--> CACHED").
using BuildLog = std::function<void(const std::string& line)>;

// Throws lit::Error "Containerfile:LINE: INSTRUCTION: ..." for a failing step.
BuildResult build_image(const Paths& paths, const BuildOptions& options, const BuildLog& log);

// `lit builder prune`: the step cache and the cache mounts (<images>/build-cache)
// go. Returns the bytes freed.
std::uintmax_t prune_build_cache(const std::filesystem::path& images_root);

// The Containerfile `lit build` reads: the one given (relative to the
// current directory), else Containerfile or Dockerfile in the context.
std::filesystem::path find_containerfile(const std::filesystem::path& context,
                                         const std::filesystem::path& given);

}  // namespace lit::image::builder
