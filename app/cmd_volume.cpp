// lit volume create, ls, inspect, rm, prune: docker's commands for named
// volumes (runtime/volume/volumes.hpp keeps them). Parsing and rendering only.
#include <algorithm>
#include <cstdint>
#include <cstdio>
#include <filesystem>
#include <map>
#include <memory>
#include <nlohmann/json.hpp>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include "app/context.hpp"
#include "app/project.hpp"
#include "app/prune.hpp"
#include "app/views/list_filter.hpp"
#include "app/views/table.hpp"
#include "reconciler/model.hpp"
#include "runtime/state/ids.hpp"
#include "runtime/volume/volumes.hpp"

namespace lit::app {
namespace {

using runtime::VolumeInfo;

// docker's volume commands report an error per volume and exit 1 at the end.
void volume_error(Context& ctx, const Error& e) {
  std::fprintf(stderr, "lit: %s\n", e.what());
  if (!e.hint().empty()) std::fprintf(stderr, "hint: %s\n", e.hint().c_str());
  ctx.exit_code = kExitProjectFailure;
}

nlohmann::json inspect_json(const VolumeInfo& v) {
  return {{"CreatedAt", v.created}, {"Driver", v.driver},
          {"Labels", v.labels},     {"Mountpoint", v.mountpoint.string()},
          {"Name", v.name},         {"Options", v.options},
          {"Scope", "local"}};
}

// "k=v,k2=v2", as docker's ls shows labels.
std::string labels_text(const std::map<std::string, std::string>& labels) {
  std::string out;
  for (const auto& [k, v] : labels) out += (out.empty() ? "" : ",") + k + "=" + v;
  return out;
}

// One line of `ls --format json`, docker's fields.
nlohmann::json ls_json(const VolumeInfo& v) {
  return {{"Driver", v.driver},
          {"Labels", labels_text(v.labels)},
          {"Mountpoint", v.mountpoint.string()},
          {"Name", v.name},
          {"Scope", "local"}};
}

std::map<std::string, std::string> key_values(const std::vector<std::string>& args,
                                              const char* flag) {
  std::map<std::string, std::string> out;
  for (const auto& a : args) {
    auto eq = a.find('=');
    if (eq == 0) throw Error(std::string("invalid value \"") + a + "\" for flag " + flag);
    out[a.substr(0, eq)] = eq == std::string::npos ? "" : a.substr(eq + 1);
  }
  return out;
}

// What --filter (name=, label=K[=V], dangling=, driver=) sees of a volume;
// dangling: no container mounts it (looked up only when asked for).
bool volume_matches(const Paths& paths, const ListFilter& filter, const VolumeInfo& v) {
  FilterSubject subject;
  subject.name = v.name;
  subject.labels = v.labels;
  subject.driver = v.driver;
  if (filter.has("dangling")) subject.dangling = runtime::volume_users(paths, v.name).empty();
  return filter_matches(filter, subject);
}

void register_create(CLI::App& parent, Context& ctx) {
  struct Opts {
    std::string name, driver = "local";
    std::vector<std::string> labels, options;
  };
  auto o = std::make_shared<Opts>();
  auto* cmd = parent.add_subcommand("create", "Create a volume");
  cmd->add_option("-d,--driver", o->driver, "Volume driver (local only)");
  cmd->add_option("-l,--label", o->labels, "Set a label K=V")->allow_extra_args(false);
  cmd->add_option("-o,--opt", o->options, "Driver option K=V (none supported)")
      ->allow_extra_args(false);
  cmd->add_option("NAME", o->name, "Volume name (default: a random id)");
  cmd->callback([&ctx, o] {
    if (o->driver != "local")
      throw Error("invalid value \"" + o->driver + "\" for flag --driver: only local is supported");
    std::string name = o->name.empty() ? runtime::generate_id() : o->name;
    auto v = runtime::create_volume(ctx.paths, name, key_values(o->labels, "--label"),
                                    key_values(o->options, "--opt"));
    std::printf("%s\n", v.name.c_str());
  });
}

void register_ls(CLI::App& parent, Context& ctx) {
  struct Opts {
    bool quiet = false;
    std::string format;
    std::vector<std::string> filters;
  };
  auto o = std::make_shared<Opts>();
  auto* cmd = parent.add_subcommand("ls", "List volumes");
  cmd->alias("list");
  cmd->add_flag("-q,--quiet", o->quiet, "Only print volume names");
  cmd->add_option("--format", o->format, "Output format: table (default) or json")
      ->check(CLI::IsMember({"table", "json"}));
  cmd->add_option("-f,--filter", o->filters, "name=, label=KEY[=VALUE], dangling=true|false")
      ->allow_extra_args(false);
  cmd->callback([&ctx, o] {
    ListFilter filter = parse_filters(o->filters, {"name", "label", "dangling", "driver"});
    TableRows rows{{"DRIVER", "VOLUME NAME"}};
    for (const auto& v : runtime::list_volumes(ctx.paths)) {
      if (!volume_matches(ctx.paths, filter, v)) continue;
      if (o->quiet) {
        std::printf("%s\n", v.name.c_str());
      } else if (o->format == "json") {
        std::printf("%s\n", ls_json(v).dump().c_str());
      } else {
        rows.push_back({v.driver, v.name});
      }
    }
    if (!o->quiet && o->format != "json") std::fputs(format_table(rows).c_str(), stdout);
  });
}

void register_inspect(CLI::App& parent, Context& ctx) {
  auto names = std::make_shared<std::vector<std::string>>();
  auto* cmd = parent.add_subcommand("inspect", "Show volumes as JSON");
  cmd->add_option("VOLUME", *names, "Volume names")->required();
  cmd->callback([&ctx, names] {
    nlohmann::json out = nlohmann::json::array();
    for (const auto& name : *names) {
      if (auto v = runtime::find_volume(ctx.paths, name))
        out.push_back(inspect_json(*v));
      else
        volume_error(ctx, Error("no such volume: " + name));
    }
    std::printf("%s\n", out.dump(4).c_str());
  });
}

void register_rm(CLI::App& parent, Context& ctx) {
  auto names = std::make_shared<std::vector<std::string>>();
  auto force = std::make_shared<bool>(false);
  auto* cmd = parent.add_subcommand("rm", "Remove volumes (refused while containers use them)");
  cmd->alias("remove");
  cmd->add_flag("-f,--force", *force, "No error for a volume that does not exist");
  cmd->add_option("VOLUME", *names, "Volume names")->required();
  cmd->callback([&ctx, names, force] {
    for (const auto& name : *names) {
      if (*force && !runtime::find_volume(ctx.paths, name)) continue;
      try {
        runtime::remove_volume(ctx.paths, name);
        std::printf("%s\n", name.c_str());
      } catch (const Error& e) {
        volume_error(ctx, e);
      }
    }
  });
}

// docker 23+: unused anonymous volumes (a 64-hex name), all unused ones with -a.
void register_prune(CLI::App& parent, Context& ctx) {
  struct Opts {
    bool all = false, force = false;
    std::vector<std::string> filters;
  };
  auto o = std::make_shared<Opts>();
  auto* cmd = parent.add_subcommand("prune", "Remove unused anonymous volumes (all unused: -a)");
  cmd->add_flag("-a,--all", o->all, "Named volumes too");
  cmd->add_flag("-f,--force", o->force, "Do not prompt for confirmation");
  cmd->add_option("--filter", o->filters, "label=KEY[=VALUE]")->allow_extra_args(false);
  cmd->callback([&ctx, o] {
    ListFilter filter = parse_filters(o->filters, {"label"});
    if (!o->force && !confirm(std::string(o->all ? "all local" : "anonymous local") +
                              " volumes not used by at least one container."))
      return;
    Pruned pruned = prune_volumes(ctx, o->all, filter);
    std::fputs((deleted_section("Volumes", pruned) + reclaimed_line(pruned.bytes)).c_str(), stdout);
  });
}

// compose's `volumes [SERVICE...]`: the project's volumes that exist (the
// services' when named), as `volume ls` shows them.
void register_project_volumes(CLI::App& app, Context& ctx) {
  struct Opts {
    bool quiet = false;
    std::string format;
    std::vector<std::string> services;
  };
  auto o = std::make_shared<Opts>();
  auto* cmd = app.add_subcommand("volumes", "List the project's volumes");
  cmd->add_flag("-q,--quiet", o->quiet, "Only print volume names");
  cmd->add_option("--format", o->format, "Output format: table (default) or json")
      ->check(CLI::IsMember({"table", "json"}));
  cmd->add_option("SERVICE", o->services, "Only these services' volumes");
  cmd->callback([&ctx, o] {
    reconciler::Project project = load_by_name(ctx, o->services);
    std::set<std::string> keys;
    for (const auto& name : o->services) {
      auto it = project.services.find(name);
      if (it == project.services.end()) throw Error("no such service: " + name);
      for (const auto& m : it->second.volumes)
        if (m.type == reconciler::MountType::volume && !m.source.empty()) keys.insert(m.source);
    }
    TableRows rows{{"DRIVER", "VOLUME NAME"}};
    for (const auto& [key, vol] : project.volumes) {
      if (!o->services.empty() && !keys.contains(key)) continue;
      auto v = runtime::find_volume(ctx.paths, vol.name);
      if (!v) continue;
      if (o->quiet)
        std::printf("%s\n", v->name.c_str());
      else if (o->format == "json")
        std::printf("%s\n", ls_json(*v).dump().c_str());
      else
        rows.push_back({v->driver, v->name});
    }
    if (!o->quiet && o->format != "json") std::fputs(format_table(rows).c_str(), stdout);
  });
}

}  // namespace

void register_volume_commands(CLI::App& app, Context& ctx) {
  auto* volume = app.add_subcommand("volume", "Manage volumes");
  volume->require_subcommand(1);
  register_create(*volume, ctx);
  register_ls(*volume, ctx);
  register_inspect(*volume, ctx);
  register_rm(*volume, ctx);
  register_prune(*volume, ctx);
  register_project_volumes(app, ctx);
}

}  // namespace lit::app
