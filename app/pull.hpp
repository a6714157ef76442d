#pragma once
// Pulling images from the CLI: `lit image pull`, the project's `lit pull`,
// on-demand pulls by `lit up` / `lit container run` (--pull), and the
// progress docker shows for them.
#include <string>

#include "app/context.hpp"
#include "runtime/image/registry/pull.hpp"

namespace lit::app {

enum class PullOutput {
  Terminal,  // a line per layer, redrawn in place
  Plain,     // a line per layer status change
  Quiet,     // only the reference at the end
  Silent,    // nothing (a caller prints its own lines)
};

struct PullFlags {
  std::string platform;  // --platform os/arch[/variant], empty: this machine
  PullOutput output = PullOutput::Plain;
};

// Quiet, else a terminal's live lines when stdout is one, else plain lines.
PullOutput pull_output(bool quiet);

// Where lit's credentials and settings are read (REGISTRY_AUTH_FILE, lit's
// auth.json, docker's config.json) and the insecure registries named in
// $LIT_INSECURE_REGISTRIES (comma-separated).
image::PullOptions pull_options(const Context& ctx, const std::string& platform);

// Pulls one image, printing as `output` says; returns what the store holds.
image::PullResult pull_with_output(Context& ctx, const std::string& reference,
                                   const PullFlags& flags);

// --pull / pull_policy: "always", "missing" (also compose's "if_not_present"),
// "never"; throws lit::Error for another value. Pulls `reference` when the
// policy says so, printing progress to stderr on the caller's behalf.
void ensure_image(Context& ctx, const std::string& reference, const std::string& policy);

// `lit login`, `lit logout` (cmd_pull.cpp), and `lit image pull` (added to `image`).
void register_registry_commands(CLI::App& app, Context& ctx);
void add_image_pull(CLI::App& image, Context& ctx);
// `lit image push` (added to `image`) and the project's `lit push` (cmd_push.cpp).
void add_image_push(CLI::App& image, Context& ctx);
void register_push_commands(CLI::App& app, Context& ctx);

}  // namespace lit::app
