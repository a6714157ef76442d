// lit image ...: load, import, ls, inspect, rm (save, tag, history, prune: cmd_image_manage.cpp).
#include <unistd.h>

#include <cstdio>
#include <ctime>
#include <iostream>
#include <set>

#include "app/context.hpp"
#include "app/list_output.hpp"
#include "app/pull.hpp"
#include "app/views/image_display.hpp"
#include "app/views/list_filter.hpp"
#include "runtime/image/reference.hpp"
#include "runtime/image/store.hpp"
#include "runtime/image/usage.hpp"
#include "runtime/util/error.hpp"

namespace lit::app {
namespace {

using image::Image;

void print_loaded(const std::vector<Image>& images) {
  for (const auto& img : images) {
    if (img.tags.empty()) std::printf("Loaded image ID: %s\n", img.id.c_str());
    for (const auto& t : img.tags) std::printf("Loaded image: %s\n", image::familiar(t).c_str());
  }
}

void add_load(CLI::App& parent, Context& ctx) {
  auto* cmd = parent.add_subcommand(
      "load", "Load images from a docker-archive or OCI archive (tar, gzip or zstd)");
  auto input = std::make_shared<std::string>();
  auto quiet = std::make_shared<bool>(false);
  cmd->add_option("-i,--input", *input, "Read from this archive file instead of stdin");
  cmd->add_flag("-q,--quiet", *quiet, "Suppress progress output");
  cmd->callback([&ctx, input] {
    image::Store store(ctx.paths.images());
    if (!input->empty()) return print_loaded(store.load_archive(*input));
    if (::isatty(STDIN_FILENO)) {
      throw lit::Error("image load: no archive given", "", 0,
                       "use `lit image load -i FILE` or pipe an archive to stdin");
    }
    print_loaded(store.load_archive(STDIN_FILENO, "stdin"));
  });
}

void add_import(CLI::App& parent, Context& ctx) {
  auto* cmd = parent.add_subcommand(
      "import", "Create a one-layer image from a rootfs tarball (tar, gzip or zstd)");
  auto file = std::make_shared<std::string>();
  auto ref = std::make_shared<std::string>();
  cmd->add_option("file", *file, "Rootfs tarball, or - for stdin")->required();
  cmd->add_option("reference", *ref, "NAME[:TAG] to tag the image with");
  cmd->callback([&ctx, file, ref] {
    image::Store store(ctx.paths.images());
    Image img = *file == "-" ? store.import_rootfs(STDIN_FILENO, "stdin", *ref)
                             : store.import_rootfs(*file, *ref);
    std::printf("%s\n", img.id.c_str());
  });
}

// `image ls REPO[:TAG]`: rows whose repository (and tag, when given) match.
bool row_matches(const ListRow& row, const std::string& filter) {
  if (filter.empty()) return true;
  image::Reference r = image::parse_reference(filter);
  auto slash = filter.rfind('/');
  bool has_tag = filter.find(':', slash == std::string::npos ? 0 : slash) != std::string::npos;
  return row.repository == r.familiar_name() && (!has_tag || row.tag == r.tag);
}

void add_ls(CLI::App& parent, Context& ctx) {
  auto* cmd = parent.add_subcommand("ls", "List images");
  cmd->alias("list");
  struct Opts {
    bool quiet = false, no_trunc = false, all = false;
    std::string format, repository;
    std::vector<std::string> filters;
  };
  auto o = std::make_shared<Opts>();
  cmd->add_flag("-q,--quiet", o->quiet, "Only show image IDs");
  cmd->add_flag("--no-trunc", o->no_trunc, "Show full image IDs");
  cmd->add_flag("-a,--all", o->all, "Show all images (no intermediate images exist in lit)");
  cmd->add_option("--format", o->format,
                  "table, table TEMPLATE, json or TEMPLATE (Go template: {{.Repository}}); "
                  "default: imagesFormat of the docker config file, else table");
  cmd->add_option("-f,--filter", o->filters, "KEY=VALUE: dangling=true|false, label=K[=V]")
      ->allow_extra_args(false);
  cmd->add_option("repository", o->repository, "Only images of REPOSITORY[:TAG]");
  cmd->callback([&ctx, o] {
    ListFilter filter = parse_filters(o->filters, {"dangling", "label"});
    FormatChoice format = choose_format(o->format, "imagesFormat");
    if (!o->quiet) parse_format(format, image_ls_spec());  // a bad template fails first
    std::vector<ListRow> rows;
    for (const auto& img : image::Store(ctx.paths.images()).list()) {
      FilterSubject subject;
      subject.id = img.id;
      subject.labels = img.config.labels;
      subject.dangling = img.tags.empty();
      if (!filter_matches(filter, subject)) continue;
      for (auto& r : list_rows(img)) {
        if (row_matches(r, o->repository)) rows.push_back(std::move(r));
      }
    }
    if (o->quiet) {
      std::set<std::string> seen;
      for (const auto& r : rows) {
        if (seen.insert(r.id).second)
          std::printf("%s\n", (o->no_trunc ? r.id : short_id(r.id)).c_str());
      }
      return;
    }
    const std::time_t now = std::time(nullptr);
    std::vector<FormatRow> out;
    for (const auto& r : rows) out.push_back(image_ls_row(r, o->no_trunc, now));
    print_rows(format, image_ls_spec(), out);
  });
}

void add_inspect(CLI::App& parent, Context& ctx) {
  auto* cmd = parent.add_subcommand("inspect", "Show images' configuration as JSON");
  auto refs = std::make_shared<std::vector<std::string>>();
  cmd->add_option("image", *refs, "Image references or IDs")->required();
  cmd->callback([&ctx, refs] {
    image::Store store(ctx.paths.images());
    nlohmann::json out = nlohmann::json::array();
    std::vector<lit::Error> errors;
    for (const auto& r : *refs) {
      try {
        out.push_back(inspect_json(store.resolve(r)));
      } catch (const lit::Error& e) {
        errors.push_back(e);
      }
    }
    std::printf("%s\n", out.dump(4).c_str());
    for (const auto& e : errors) report(ctx, e);
  });
}

void add_rm(CLI::App& parent, Context& ctx) {
  auto* cmd = parent.add_subcommand("rm", "Remove images (untag, then delete unused layers)");
  cmd->alias("remove");
  auto refs = std::make_shared<std::vector<std::string>>();
  auto force = std::make_shared<bool>(false);
  cmd->add_option("image", *refs, "Image references or IDs")->required();
  cmd->add_flag("-f,--force", *force,
                "Remove even when tagged several times; untag only when a container uses it");
  cmd->callback([&ctx, refs, force] {
    image::Store store(ctx.paths.images());
    const auto users =
        image::containers_by_image({ctx.paths.containers(), ctx.paths.run_containers()});
    for (const auto& r : *refs) {
      std::string names;
      auto in_use = [&](const std::string& id) {
        auto it = users.find(id);
        if (it == users.end()) return false;
        for (const auto& c : it->second)
          names += (names.empty() ? "" : ", ") + (c.name.empty() ? c.id : c.name);
        return true;
      };
      try {
        for (const auto& line : store.remove(r, *force, in_use)) std::printf("%s\n", line.c_str());
      } catch (lit::Error& e) {
        if (!names.empty() && !*force) {
          e.with_hint("remove container " + names +
                      " first (`lit container rm`), or use -f to untag the image anyway");
        }
        report(ctx, e);
      }
    }
  });
}

}  // namespace

// cmd_image_manage.cpp: save, tag, history, prune.
void register_image_manage_commands(CLI::App& image, Context& ctx);

void register_image_commands(CLI::App& app, Context& ctx) {
  auto* image = app.add_subcommand("image", "Manage images");
  image->require_subcommand(1);
  add_load(*image, ctx);
  add_image_pull(*image, ctx);
  add_image_push(*image, ctx);
  add_import(*image, ctx);
  add_ls(*image, ctx);
  add_inspect(*image, ctx);
  add_rm(*image, ctx);
  register_image_manage_commands(*image, ctx);
}

}  // namespace lit::app
