// lit image save, tag, history, prune.
#include <unistd.h>

#include <cstdio>
#include <ctime>
#include <iostream>

#include "app/context.hpp"
#include "app/views/image_history.hpp"
#include "runtime/image/history.hpp"
#include "runtime/image/prune.hpp"
#include "runtime/image/save.hpp"
#include "runtime/image/tag.hpp"
#include "runtime/image/usage.hpp"
#include "runtime/util/error.hpp"
#include "runtime/util/io.hpp"

namespace lit::app {
namespace {

void add_save(CLI::App& parent, Context& ctx) {
  auto* cmd = parent.add_subcommand(
      "save", "Save images to a docker-archive or OCI archive (to stdout without -o)");
  struct Opts {
    std::string output, format = "docker-archive";
    std::vector<std::string> refs;
  };
  auto o = std::make_shared<Opts>();
  cmd->add_option("-o,--output", o->output, "Write to this file instead of stdout");
  cmd->add_option("--format", o->format, "docker-archive (default) or oci-archive")
      ->check(CLI::IsMember({"docker-archive", "oci-archive"}));
  cmd->add_option("image", o->refs, "Image references or IDs")->required();
  cmd->callback([&ctx, o] {
    const auto root = ctx.paths.images();
    const image::SaveFormat format = image::parse_save_format(o->format);
    if (o->output.empty() && ::isatty(STDOUT_FILENO)) {
      throw lit::Error("image save: refusing to write an archive to a terminal", "", 0,
                       "use -o FILE, or redirect stdout");
    }
    const auto images = image::resolve_save(root, o->refs);  // unknown name: no output at all
    if (!o->output.empty()) return image::save_images_to_file(root, images, format, o->output);
    image::save_images(root, images, format, [](std::string_view d) {
      if (!write_all(STDOUT_FILENO, d)) throw lit::Error::sys("write archive", "stdout", errno);
    });
  });
}

void add_tag(CLI::App& parent, Context& ctx) {
  auto* cmd = parent.add_subcommand("tag", "Create a tag DEST that refers to image SRC");
  auto src = std::make_shared<std::string>();
  auto dest = std::make_shared<std::string>();
  cmd->add_option("source", *src, "SRC_IMAGE[:TAG], ID or digest reference")->required();
  cmd->add_option("target", *dest, "TARGET_IMAGE[:TAG]")->required();
  cmd->callback([&ctx, src, dest] { image::tag_image(ctx.paths.images(), *src, *dest); });
}

void add_history(CLI::App& parent, Context& ctx) {
  auto* cmd = parent.add_subcommand("history", "Show the history of an image");
  struct Opts {
    bool quiet = false, no_trunc = false;
    std::string format = "table", ref;
  };
  auto o = std::make_shared<Opts>();
  cmd->add_flag("-q,--quiet", o->quiet, "Only show image IDs");
  cmd->add_flag("--no-trunc", o->no_trunc, "Don't truncate output");
  cmd->add_option("--format", o->format, "table or json")->check(CLI::IsMember({"table", "json"}));
  cmd->add_option("image", o->ref, "Image reference or ID")->required();
  cmd->callback([&ctx, o] {
    const auto rows = image::image_history(ctx.paths.images(), o->ref);
    const std::time_t now = std::time(nullptr);
    if (o->quiet) {
      for (const auto& id : history_ids(rows, o->no_trunc)) std::printf("%s\n", id.c_str());
    } else if (o->format == "json") {
      std::printf("%s\n", history_json(rows, now).dump(2).c_str());
    } else {
      std::fputs(format_table(history_table(rows, o->no_trunc, now)).c_str(), stdout);
    }
  });
}

// docker's question before a prune without -f; true when the answer is yes.
bool confirm_prune(bool all) {
  std::printf("WARNING! This will remove all %s.\nAre you sure you want to continue? [y/N] ",
              all ? "images without at least one container associated to them" : "dangling images");
  std::fflush(stdout);
  std::string answer;
  std::getline(std::cin, answer);
  return answer == "y" || answer == "Y" || answer == "yes";
}

void add_prune(CLI::App& parent, Context& ctx) {
  auto* cmd = parent.add_subcommand("prune", "Remove unused images (dangling ones unless -a)");
  auto all = std::make_shared<bool>(false);
  auto force = std::make_shared<bool>(false);
  cmd->add_flag("-a,--all", *all, "Remove all images no container uses, not just dangling ones");
  cmd->add_flag("-f,--force", *force, "Do not prompt for confirmation");
  cmd->callback([&ctx, all, force] {
    if (!*force && !confirm_prune(*all)) return;
    const auto users =
        image::containers_by_image({ctx.paths.containers(), ctx.paths.run_containers()});
    auto in_use = [&](const std::string& id) { return users.contains(id); };
    std::fputs(prune_report(image::prune_images(ctx.paths.images(), *all, in_use)).c_str(), stdout);
  });
}

}  // namespace

void register_image_manage_commands(CLI::App& image, Context& ctx) {
  add_save(image, ctx);
  add_tag(image, ctx);
  add_history(image, ctx);
  add_prune(image, ctx);
}

}  // namespace lit::app
