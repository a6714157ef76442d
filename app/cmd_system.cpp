// lit system df, prune and info: docker's commands over everything lit keeps
// (images, containers, volumes, networks, the build cache). `system events`
// lives in cmd_events.cpp.
#include <sys/utsname.h>
#include <unistd.h>

#include <cstdio>
#include <memory>
#include <string>

#include "app/context.hpp"
#include "app/prune.hpp"
#include "app/views/image_display.hpp"
#include "app/views/table.hpp"
#include "network/store.hpp"
#include "runtime/cdi/registry.hpp"
#include "runtime/cgroups/cgroup.hpp"
#include "runtime/image/builder/builder.hpp"
#include "runtime/image/prune.hpp"
#include "runtime/image/store.hpp"
#include "runtime/image/usage.hpp"
#include "runtime/rootless/session.hpp"
#include "runtime/security/apparmor.hpp"
#include "runtime/state/liveness.hpp"
#include "runtime/state/record_store.hpp"
#include "runtime/userns/layer_copies.hpp"
#include "runtime/util/tree_size.hpp"
#include "runtime/volume/volumes.hpp"

namespace lit::app {
namespace {

struct Usage {
  std::size_t total = 0, active = 0;
  std::uintmax_t size = 0, reclaimable = 0;
};

// "11.6MB (70%)", as docker's RECLAIMABLE column.
std::string reclaimable_text(const Usage& u, bool percent) {
  std::string out = human_size(static_cast<std::int64_t>(u.reclaimable));
  if (percent) {
    int pct = u.size == 0 ? 0 : static_cast<int>(100.0 * double(u.reclaimable) / double(u.size));
    out += " (" + std::to_string(pct) + "%)";
  }
  return out;
}

Usage image_usage(const Context& ctx) {
  Usage u;
  const auto users =
      image::containers_by_image({ctx.paths.containers(), ctx.paths.run_containers()});
  for (const auto& img : image::Store(ctx.paths.images()).list()) {
    ++u.total;
    u.size += std::uintmax_t(img.size);
    if (users.contains(img.id))
      ++u.active;
    else
      u.reclaimable += std::uintmax_t(img.size);
  }
  return u;
}

Usage container_usage(const Context& ctx) {
  Usage u;
  runtime::RecordStore records(ctx.paths);
  for (const auto& r : records.list()) {
    ++u.total;
    std::uintmax_t bytes = tree_size(records.bundle(r.id) / "upper");
    // --userns auto where layers cannot be id-mapped: its range's layer copies.
    if (r.spec.userns.enabled())
      bytes += tree_size(
          runtime::LayerCopies(runtime::layer_copies_root(ctx.paths.root), r.spec.userns).dir());
    u.size += bytes;
    auto status = runtime::observed_state(r).status;
    if (status == runtime::ContainerStatus::Running ||
        status == runtime::ContainerStatus::Restarting)
      ++u.active;
    else
      u.reclaimable += bytes;
  }
  return u;
}

Usage volume_usage(const Context& ctx) {
  Usage u;
  for (const auto& v : runtime::list_volumes(ctx.paths)) {
    ++u.total;
    std::uintmax_t bytes = tree_size(v.mountpoint);
    u.size += bytes;
    if (runtime::volume_users(ctx.paths, v.name).empty())
      u.reclaimable += bytes;
    else
      ++u.active;
  }
  return u;
}

void register_df(CLI::App& system, Context& ctx) {
  auto* cmd = system.add_subcommand("df", "Show disk usage");
  cmd->callback([&ctx] {
    Usage cache;
    cache.size = cache.reclaimable = tree_size(ctx.paths.images() / "build-cache");
    cache.total = cache.size > 0 ? 1 : 0;
    TableRows rows{{"TYPE", "TOTAL", "ACTIVE", "SIZE", "RECLAIMABLE"}};
    auto row = [&](const char* type, const Usage& u, bool percent) {
      rows.push_back({type, std::to_string(u.total), std::to_string(u.active),
                      human_size(static_cast<std::int64_t>(u.size)), reclaimable_text(u, percent)});
    };
    row("Images", image_usage(ctx), true);
    row("Containers", container_usage(ctx), true);
    row("Local Volumes", volume_usage(ctx), true);
    row("Build Cache", cache, false);
    std::fputs(format_table(rows).c_str(), stdout);
  });
}

// docker system prune: stopped containers, unused networks, dangling images
// (every unused one with -a), the build cache; unused volumes with --volumes.
void register_prune(CLI::App& system, Context& ctx) {
  struct Opts {
    bool all = false, force = false, volumes = false;
  };
  auto o = std::make_shared<Opts>();
  auto* cmd = system.add_subcommand("prune", "Remove unused data");
  cmd->add_flag("-a,--all", o->all, "All unused images, not only dangling ones");
  cmd->add_flag("-f,--force", o->force, "Do not prompt for confirmation");
  cmd->add_flag("--volumes", o->volumes, "Prune anonymous volumes too");
  cmd->callback([&ctx, o] {
    std::string what =
        "\n  - all stopped containers\n  - all networks not used by at least one "
        "container\n";
    if (o->volumes) what += "  - all anonymous volumes not used by at least one container\n";
    what += o->all ? "  - all images without at least one container associated to them\n"
                   : "  - all dangling images\n";
    what += "  - unused build cache\n";
    if (!o->force && !confirm(what)) return;
    Pruned containers = prune_containers(ctx), networks = prune_networks(ctx), volumes;
    if (o->volumes) volumes = prune_volumes(ctx, false, {});
    const auto users =
        image::containers_by_image({ctx.paths.containers(), ctx.paths.run_containers()});
    image::PruneResult images = image::prune_images(
        ctx.paths.images(), o->all, [&](const std::string& id) { return users.contains(id); });
    std::uintmax_t cache = image::builder::prune_build_cache(ctx.paths.images());
    std::string out = deleted_section("Containers", containers) +
                      deleted_section("Networks", networks) + deleted_section("Volumes", volumes);
    if (!images.lines.empty()) {
      out += "Deleted Images:\n";
      for (const auto& l : images.lines) out += l + "\n";
      out += "\n";
    }
    out += reclaimed_line(containers.bytes + volumes.bytes + images.reclaimed + cache);
    std::fputs(out.c_str(), stdout);
  });
}

void register_info(CLI::App& system, Context& ctx) {
  auto* cmd = system.add_subcommand("info", "Show what lit runs on and what it keeps");
  cmd->callback([&ctx] {
    std::size_t running = 0, paused = 0, stopped = 0;
    auto records = runtime::RecordStore(ctx.paths).list();
    for (const auto& r : records) {
      auto st = runtime::shown_status(runtime::observed_state(r));
      if (st == runtime::ContainerStatus::Paused)
        ++paused;
      else if (st == runtime::ContainerStatus::Running)
        ++running;
      else
        ++stopped;
    }
    utsname u{};
    ::uname(&u);
    std::string cgroup_driver = "none", why_none;
    try {
      auto manager = cgroups::detect();
      cgroup_driver = manager->driver();
      why_none = manager->why_none();
    } catch (const Error&) {
    }
    std::printf(
        "Containers: %zu\n Running: %zu\n Paused: %zu\n Stopped: %zu\nImages: %zu\n"
        "Volumes: %zu\nNetworks: %zu\nServer Version: %s\nStorage Driver: overlay\n"
        "Cgroup Version: %s\nKernel Version: %s\nOperating System: %s\nArchitecture: %s\n"
        "CPUs: %ld\nLit Root Dir: %s\nLit Run Root Dir: %s\nRootless: %s\n",
        records.size(), running, paused, stopped, image::Store(ctx.paths.images()).list().size(),
        runtime::list_volumes(ctx.paths).size(),
        network::NetworkStore(network::networks_dir(ctx.paths.root)).list().size(), kLitVersion,
        cgroup_driver == "v2"   ? "2"
        : cgroup_driver == "v1" ? "1"
                                : "none",
        u.release, u.sysname, u.machine, ::sysconf(_SC_NPROCESSORS_ONLN), ctx.paths.root.c_str(),
        ctx.paths.run_root.c_str(), rootless::active() ? "true" : "false");
    if (!why_none.empty()) std::printf("Cgroups: none (%s)\n", why_none.c_str());
    // What a default container gets (AppArmor only where the kernel runs it).
    std::string security = "seccomp=builtin no-new-privileges";
    const std::string apparmor = security::host_apparmor_profile("", false);
    if (!apparmor.empty()) security += " apparmor=" + apparmor;
    if (rootless::active()) security += " rootless";
    std::printf("Security Options: %s\n", security.c_str());
    // Where --device VENDOR/CLASS=NAME looks, lowest priority first (docker's line).
    std::printf("CDI spec directories:\n");
    for (const auto& dir : runtime::cdi::default_spec_dirs()) std::printf(" %s\n", dir.c_str());
  });
}

}  // namespace

void register_system_commands(CLI::App& app, Context& ctx) {
  auto* system = app.add_subcommand("system", "Manage lit");
  system->require_subcommand(1);
  register_df(*system, ctx);
  register_prune(*system, ctx);
  register_info(*system, ctx);
  register_system_events(*system, ctx);
}

}  // namespace lit::app
