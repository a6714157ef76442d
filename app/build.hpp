#pragma once
// `lit build`: an image from a Containerfile and a context directory
// (`lit build [-t NAME]... [-f FILE] CONTEXT`), and the images of a
// project's services with build: (`lit build [SERVICE...]`, `lit up --build`).
#include <CLI/CLI.hpp>
#include <memory>
#include <string>
#include <vector>

#include "app/context.hpp"
#include "reconciler/model.hpp"

namespace lit::app {

struct ImageBuildFlags {
  std::vector<std::string> tags;        // -t
  std::string file;                     // -f
  std::string inline_text;              // build.dockerfile_inline (not a flag)
  std::vector<std::string> build_args;  // --build-arg K=V (or K: from the environment)
  std::string target;
  std::string network = "default";  // RUN's: default (NAT'd bridge), none or host
  bool no_cache = false, quiet = false;
  bool pull = false;  // --pull: fetch the base images even when the store has them
  // `lit up`: print nothing unless a step has work to do (not cached); then
  // `header`, the steps so far, and the rest as they come.
  bool silent_when_cached = false;
  std::string header;
};

void add_image_build_flags(CLI::App& cmd, ImageBuildFlags& flags);

// A service's build file: build.dockerfile against the context. compose's
// default, Dockerfile, falls back to a Containerfile (podman's name) when the
// context has only that.
std::string service_build_file(const reconciler::Build& build);

// Whether `lit build ARG...` names a context directory rather than services:
// one argument that is a directory and either looks like a path ("." or with
// a slash) or comes with image flags (-t, -f, --build-arg, --target).
bool is_context_build(const ImageBuildFlags& flags, const std::vector<std::string>& args);

// Builds, printing the steps (or with -q only the id); throws lit::Error.
void run_image_build(const Context& ctx, const ImageBuildFlags& flags, const std::string& context);

// Builds the selected services (all when empty) that have build:, each
// tagged reconciler::service_image (image:, else <project>-<service>) and build.tags.
void build_services(const Context& ctx, const reconciler::Project& project,
                    const std::vector<std::string>& services, bool quiet);

// `lit up` (without --build or --no-build): builds the selected services with
// build:. One whose image lit names (no image:) or with pull_policy: build is
// built through the step cache every time, so an edited context or
// Dockerfile gives a new image (and the service's config hash changes with
// it); an unchanged one runs no step and prints nothing. One with its own
// image: is built only when that image is missing, as docker compose does.
void build_for_up(const Context& ctx, const reconciler::Project& project,
                  const std::vector<std::string>& services);

}  // namespace lit::app
