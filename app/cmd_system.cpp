// lit system df, prune and info: docker's commands over everything lit keeps
// (images, containers, volumes, networks, the build cache). `system events`
// lives in cmd_events.cpp.
#include <sys/utsname.h>
#include <unistd.h>

#include <cstdio>
#include <cstdlib>
#include <memory>
#include <nlohmann/json.hpp>
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

// What `system info` shows, gathered once for the text and the JSON.
struct Info {
  std::size_t containers = 0, running = 0, paused = 0, stopped = 0, images = 0, volumes = 0,
              networks = 0;
  std::string cgroup_version = "none", why_none;
  // The manager new containers get; `cgroup_manager_error`: why the one asked
  // for (LIT_CGROUP_MANAGER, --cgroup-manager) cannot be used.
  std::string cgroup_manager, cgroup_manager_error;
  utsname uname{};
  long cpus = 0;
  std::string security;
};

Info gather_info(const Context& ctx) {
  Info in;
  auto records = runtime::RecordStore(ctx.paths).list();
  in.containers = records.size();
  for (const auto& r : records) {
    auto st = runtime::shown_status(runtime::observed_state(r));
    if (st == runtime::ContainerStatus::Paused)
      ++in.paused;
    else if (st == runtime::ContainerStatus::Running)
      ++in.running;
    else
      ++in.stopped;
  }
  in.images = image::Store(ctx.paths.images()).list().size();
  in.volumes = runtime::list_volumes(ctx.paths).size();
  in.networks = network::NetworkStore(network::networks_dir(ctx.paths.root))
                    .list(network::Endpoints::Skip)
                    .size();
  ::uname(&in.uname);
  in.cpus = ::sysconf(_SC_NPROCESSORS_ONLN);
  try {
    auto manager = cgroups::detect();
    const std::string driver = manager->driver();
    in.cgroup_version = driver == "v2" ? "2" : driver == "v1" ? "1" : "none";
    in.why_none = manager->why_none();
  } catch (const Error&) {
  }
  try {
    in.cgroup_manager = cgroups::manager_kind_name(cgroups::choose_manager_kind());
  } catch (const Error& e) {
    in.cgroup_manager = std::getenv("LIT_CGROUP_MANAGER") ? std::getenv("LIT_CGROUP_MANAGER") : "";
    in.cgroup_manager_error = e.what();
  }
  // What a default container gets (AppArmor only where the kernel runs it).
  in.security = "seccomp=builtin no-new-privileges";
  const std::string apparmor = security::host_apparmor_profile("", false);
  if (!apparmor.empty()) in.security += " apparmor=" + apparmor;
  if (rootless::active()) in.security += " rootless";
  return in;
}

void print_info(const Context& ctx, const Info& in) {
  std::printf(
      "Containers: %zu\n Running: %zu\n Paused: %zu\n Stopped: %zu\nImages: %zu\n"
      "Volumes: %zu\nNetworks: %zu\nServer Version: %s\nStorage Driver: overlay\n"
      "Cgroup Driver: %s\nCgroup Version: %s\nKernel Version: %s\nOperating System: %s\n"
      "Architecture: %s\nCPUs: %ld\nLit Root Dir: %s\nLit Run Root Dir: %s\nRootless: %s\n",
      in.containers, in.running, in.paused, in.stopped, in.images, in.volumes, in.networks,
      kLitVersion,
      (in.cgroup_manager +
       (in.cgroup_manager_error.empty() ? "" : " (unavailable: " + in.cgroup_manager_error + ")"))
          .c_str(),
      in.cgroup_version.c_str(), in.uname.release, in.uname.sysname, in.uname.machine, in.cpus,
      ctx.paths.root.c_str(), ctx.paths.run_root.c_str(), rootless::active() ? "true" : "false");
  if (!in.why_none.empty()) std::printf("Cgroups: none (%s)\n", in.why_none.c_str());
  std::printf("Security Options: %s\n", in.security.c_str());
  // Where --device VENDOR/CLASS=NAME looks, lowest priority first (docker's line).
  std::printf("CDI spec directories:\n");
  for (const auto& dir : runtime::cdi::default_spec_dirs()) std::printf(" %s\n", dir.c_str());
}

// docker's `info --format json` names, for what lit has.
nlohmann::json info_json(const Context& ctx, const Info& in) {
  nlohmann::json cdi = nlohmann::json::array();
  for (const auto& dir : runtime::cdi::default_spec_dirs()) cdi.push_back(dir.string());
  nlohmann::json j = {{"Containers", in.containers},
                      {"ContainersRunning", in.running},
                      {"ContainersPaused", in.paused},
                      {"ContainersStopped", in.stopped},
                      {"Images", in.images},
                      {"Volumes", in.volumes},
                      {"Networks", in.networks},
                      {"ServerVersion", kLitVersion},
                      {"Driver", "overlay"},
                      {"CgroupDriver", in.cgroup_manager},
                      {"CgroupVersion", in.cgroup_version},
                      {"KernelVersion", in.uname.release},
                      {"OperatingSystem", in.uname.sysname},
                      {"Architecture", in.uname.machine},
                      {"NCPU", in.cpus},
                      {"LitRootDir", ctx.paths.root.string()},
                      {"LitRunRootDir", ctx.paths.run_root.string()},
                      {"Rootless", rootless::active()},
                      {"SecurityOptions", in.security},
                      {"CDISpecDirs", cdi}};
  if (!in.cgroup_manager_error.empty()) j["CgroupDriverError"] = in.cgroup_manager_error;
  if (!in.why_none.empty()) j["CgroupsNone"] = in.why_none;
  return j;
}

void register_info(CLI::App& system, Context& ctx) {
  auto* cmd = system.add_subcommand("info", "Show what lit runs on and what it keeps");
  auto format = std::make_shared<std::string>();
  cmd->add_option("--format", *format, "json: one JSON object")->check(CLI::IsMember({"json"}));
  cmd->callback([&ctx, format] {
    Info in = gather_info(ctx);
    if (*format == "json")
      std::printf("%s\n", info_json(ctx, in).dump().c_str());
    else
      print_info(ctx, in);
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
  register_system_check(*system, ctx);
}

}  // namespace lit::app
