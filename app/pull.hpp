#pragma once
// Pulling images from the CLI: `lit image pull`, the project's `lit pull`,
// on-demand pulls by `lit up` / `lit container run` (--pull), and the
// progress docker shows for them.
#include <string>

#include "app/context.hpp"
#include "reconciler/model.hpp"
#include "runtime/image/registry/pull.hpp"

namespace lit::app {

enum class PullOutput {
  Terminal,  // a line per layer, redrawn in place
  Plain,     // a line per layer status change
  Json,      // docker's JSON messages, one object per line
  Quiet,     // only the reference at the end
  Silent,    // nothing (a caller prints its own lines)
};

struct PullFlags {
  std::string platform;  // --platform os/arch[/variant], empty: this machine
  PullOutput output = PullOutput::Plain;
  bool all_tags = false;  // -a: every tag of the repository (a name without tag)
};

// Quiet, else --progress's: "tty" (live lines), "plain", "json", "quiet", or
// "auto" (or ""): a terminal's live lines when stdout is one, else plain lines.
PullOutput pull_output(bool quiet, const std::string& progress = "auto");
// Adds --progress auto|tty|plain|json|quiet to a pulling command.
void add_pull_progress_option(CLI::App& cmd, std::string& progress);

// docker's JSON messages (jsonmessage), one object without a newline:
// a layer's event ("" for Resolved), and a line without a layer ("Digest: ...").
std::string pull_event_json(const image::PullEvent& e);
std::string pull_status_json(const std::string& status, const std::string& id = {});
std::string pull_error_json(const std::string& message);

// Where lit's credentials and settings are read (REGISTRY_AUTH_FILE, lit's
// auth.json, docker's config.json), lit's config file ($LIT_CONFIG or
// /etc/lit/config.yml: insecure registries and mirrors), the insecure
// registries named in $LIT_INSECURE_REGISTRIES (comma-separated) and by
// --insecure-registry, all merged.
image::PullOptions pull_options(const Context& ctx, const std::string& platform);

// Adds --insecure-registry HOST[:PORT] (repeatable) to a command that talks
// to registries; pull_options() then includes the hosts it names.
void add_insecure_registry_option(CLI::App& cmd);

// Pulls one image, printing as `output` says; returns what the store holds.
image::PullResult pull_with_output(Context& ctx, const std::string& reference,
                                   const PullFlags& flags);
// `-a`: every tag of `name` (refused with a tag or digest), one after the other.
void pull_all_tags(Context& ctx, const std::string& name, const PullFlags& flags);

// --pull / pull_policy: "always", "missing" (also compose's "if_not_present"),
// "never"; throws lit::Error for another value. Pulls `reference` when the
// policy says so, printing progress to stderr on the caller's behalf.
void ensure_image(const Context& ctx, const std::string& reference, const std::string& policy,
                  bool quiet = false);
// The images of the service's volumes of type image, as ensure_image does
// for its own image (errors name the service and the image).
void ensure_mounted_images(const Context& ctx, const reconciler::Service& service,
                           const std::string& policy, bool quiet = false);

// `lit login`, `lit logout` (cmd_pull.cpp), and `lit image pull` (added to `image`).
void register_registry_commands(CLI::App& app, Context& ctx);
void add_image_pull(CLI::App& image, Context& ctx);
// `lit image push` (added to `image`) and the project's `lit push` (cmd_push.cpp).
void add_image_push(CLI::App& image, Context& ctx);
void register_push_commands(CLI::App& app, Context& ctx);

}  // namespace lit::app
