#pragma once
// The pure half of executing a Containerfile stage: the image config a
// metadata instruction makes, the history entries docker writes, and the
// build cache's keys. No filesystem, no store (tested in
// tests/unit/runtime/image/builder/config_edit_test.cpp).
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "runtime/image/build/expand.hpp"

namespace lit::image::builder {

// A stage's image as it is being built: the full OCI config (its
// rootfs.diff_ids are the layers) and whether CMD was set in this stage
// (ENTRYPOINT then keeps it, as docker does).
struct StageImage {
  nlohmann::json config;
  bool cmd_set = false;

  std::vector<std::string> diff_ids() const;
  // A digest of the whole state: the parent in cache keys.
  std::string digest() const;
};

// An empty image (FROM scratch) for this machine.
StageImage scratch_image();
// The image made from a base image's config blob (its history and layers kept).
StageImage image_from_config(const nlohmann::json& config);

// Applies a metadata instruction (ENV, LABEL, USER, CMD...) to the config;
// WORKDIR sets the working directory only. Returns false for the
// instructions that change the filesystem (COPY, ADD, RUN), which it leaves alone.
bool apply_metadata(StageImage& image, const build::Instruction& what);

// The stage's shell (SHELL, default /bin/sh -c).
std::vector<std::string> stage_shell(const StageImage& image);

// The argv of a shell-form or exec-form command line in this stage.
std::vector<std::string> command_argv(const StageImage& image, const build::CommandLine& cmd);

// The argv of a RUN, heredocs appended to a shell-form line as the shell reads them.
std::vector<std::string> run_argv(const StageImage& image, const build::Run& run);

// docker's history created_by: "/bin/sh -c #(nop) CMD [...]" for a metadata
// step, "RUN /bin/sh -c ..." for a RUN, "COPY file:<hash> in /dest" for a copy.
std::string nop_created_by(const std::string& instruction);
std::string run_created_by(const std::vector<std::string>& argv);
std::string copy_created_by(const std::string& name, const std::string& content_hash,
                            const std::string& dest);

// Adds a history entry (and, with a layer, its diff id to rootfs.diff_ids).
void add_history(StageImage& image, const std::string& created_by, const std::string& created,
                 const std::string& diff_id);

// The cache key of a step: the parent image's digest, the instruction as
// written, the build args in scope (ARG values substitution used) and, for a
// copy, the hash of the copied files.
std::string step_cache_key(const std::string& parent_digest, const std::string& instruction,
                           const build::Vars& args, const std::string& content_hash);

}  // namespace lit::image::builder
