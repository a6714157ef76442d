// lit config: the normalized, interpolated project as YAML (default) or JSON,
// both written from the one canonical tree (reconciler::to_json), and compose's
// listing flags (--services, --volumes, --networks, --images, --hash, -q).
#include <cstdio>
#include <memory>
#include <set>
#include <sstream>
#include <string>
#include <vector>

#include "app/context.hpp"
#include "app/project.hpp"
#include "reconciler/desired.hpp"
#include "reconciler/load/load.hpp"
#include "reconciler/yaml_out.hpp"

namespace lit::app {

namespace {

using namespace lit::reconciler;

struct ConfigOpts {
  std::string format = "yaml";
  bool services = false, volumes = false, networks = false, images = false, quiet = false;
  std::string hash;  // "SERVICE[,SERVICE...]" or "*"
};

void print_keys(const auto& map) {
  for (const auto& [key, _] : map) std::printf("%s\n", key.c_str());
}

// "service hash" per line: the lit.config-hash label `lit up` puts on the
// service's containers (so `lit config --hash '*'` tells what up would recreate).
void print_hashes(const Context& ctx, const Project& project, const std::string& which) {
  std::vector<std::string> names;
  if (which == "*") {
    for (const auto& [name, _] : project.services) names.push_back(name);
  } else {
    std::stringstream ss(which);
    for (std::string name; std::getline(ss, name, ',');)
      if (!name.empty()) names.push_back(name);
  }
  for (const auto& name : names)
    if (!project.services.contains(name))
      throw Error("invalid value \"" + which + "\" for flag --hash: no such service: " + name)
          .with_hint("use a service name of the project, a comma-separated list, or '*'");
  // Only what these hashes read: a service elsewhere in the file whose image
  // is not loaded must not fail them. (A service in another's network
  // namespace has that one's hash in its own.)
  Project only = project;
  std::set<std::string> keep;
  for (std::string name : names)
    while (keep.insert(name).second &&
           !project.services.at(name).network_mode.value.service.empty())
      name = project.services.at(name).network_mode.value.service;
  std::erase_if(only.services, [&](const auto& kv) { return !keep.contains(kv.first); });
  Desired desired = desired_state(ctx.paths, only);
  for (const auto& name : names)
    std::printf("%s %s\n", name.c_str(), desired.hashes.at(name).c_str());
}

}  // namespace

void register_config(CLI::App& app, Context& ctx) {
  auto o = std::make_shared<ConfigOpts>();
  auto* cmd = app.add_subcommand("config", "Print the normalized, interpolated project");
  cmd->add_option("--format", o->format, "yaml (default) or json")
      ->check(CLI::IsMember({"yaml", "json"}));
  auto* services =
      cmd->add_flag("--services", o->services, "Print the service names, one per line");
  auto* volumes = cmd->add_flag("--volumes", o->volumes, "Print the volume names, one per line");
  auto* networks =
      cmd->add_flag("--networks", o->networks, "Print the network names, one per line");
  auto* images = cmd->add_flag("--images", o->images, "Print the services' images, one per line");
  auto* quiet = cmd->add_flag("-q,--quiet", o->quiet, "Only validate the project; print nothing");
  auto* hash =
      cmd->add_option("--hash", o->hash, "Print \"service hash\" for SERVICE[,SERVICE...] or '*'");
  std::vector<CLI::Option*> modes{services, volumes, networks, images, quiet, hash};
  for (auto* a : modes)
    for (auto* b : modes)
      if (a != b) a->excludes(b);
  cmd->callback([&ctx, o] {
    Project project = load(ctx);
    if (o->quiet) return;
    if (o->services) return print_keys(project.services);
    if (o->volumes) return print_keys(project.volumes);
    if (o->networks) return print_keys(project.networks);
    if (o->images) {
      // compose's name for an image a service builds: <project>-<service>.
      for (const auto& [name, s] : project.services)
        std::printf("%s\n", (s.image.empty() ? project.name + "-" + name : s.image).c_str());
      return;
    }
    if (!o->hash.empty()) return print_hashes(ctx, project, o->hash);
    nlohmann::json j = to_json(project);
    std::fputs(o->format == "json" ? (j.dump(2) + "\n").c_str() : to_yaml(j).c_str(), stdout);
  });
}

}  // namespace lit::app
