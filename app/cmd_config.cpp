// lit config: the project as the compose file `docker compose config` prints
// (reconciler/compose_out), YAML or JSON, to stdout or -o FILE; compose's
// listing flags (--services, --volumes, --networks, --images, --profiles,
// --hash, --variables, --environment, -q) and its loading switches
// (--no-interpolate, --no-normalize, --no-path-resolution, --no-consistency).
#include <cerrno>
#include <cstdio>
#include <cstring>
#include <fstream>
#include <memory>
#include <set>
#include <sstream>
#include <string>
#include <vector>

#include "app/context.hpp"
#include "app/project.hpp"
#include "app/views/config_views.hpp"
#include "reconciler/compose_out.hpp"
#include "reconciler/desired.hpp"
#include "reconciler/load/load.hpp"
#include "reconciler/yaml_out.hpp"

extern char** environ;

namespace lit::app {

namespace {

using namespace lit::reconciler;

struct ConfigOpts {
  std::string format;  // "" = yaml (the --variables table)
  std::string output;
  bool services = false, volumes = false, networks = false, images = false, quiet = false;
  bool profiles = false, variables = false, environment = false;
  bool no_interpolate = false, no_normalize = false, no_path_resolution = false;
  bool no_consistency = false;
  std::string hash;                   // "SERVICE[,SERVICE...]" or "*"
  std::vector<std::string> selected;  // SERVICE...: only these and their dependencies
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
  // namespace, or with another's volumes, has that one's hash in its own.)
  Project only = project;
  std::set<std::string> keep;
  std::vector<std::string> todo = names;
  while (!todo.empty()) {
    std::string name = todo.back();
    todo.pop_back();
    if (!project.services.contains(name) || !keep.insert(name).second) continue;
    const Service& s = project.services.at(name);
    for (const auto* t :
         {&s.network_mode.value.service, &s.pid.value.service, &s.ipc.value.service})
      if (!t->empty()) todo.push_back(*t);
    for (const auto& v : s.volumes_from)
      if (!v.service.empty()) todo.push_back(v.service);
  }
  std::erase_if(only.services, [&](const auto& kv) { return !keep.contains(kv.first); });
  Desired desired = desired_state(ctx.paths, only);
  for (const auto& name : names)
    std::printf("%s %s\n", name.c_str(), desired.hashes.at(name).c_str());
}

std::string render(const nlohmann::ordered_json& tree, const std::string& format) {
  return format == "json" ? compose_json_text(tree) : to_yaml(tree);
}

// stdout, or -o FILE (then nothing on stdout, as compose).
void emit(const std::string& content, const std::string& output) {
  if (output.empty()) {
    std::fputs(content.c_str(), stdout);
    return;
  }
  std::ofstream out(output, std::ios::binary | std::ios::trunc);
  if (out) out << content;
  if (!out || !out.flush())
    throw Error("-o " + output + ": cannot write the file: " + std::strerror(errno));
}

LoadOptions options_of(const Context& ctx, const ConfigOpts& o) {
  LoadOptions lo = load_options(ctx, o.selected);
  lo.consistency = !o.no_consistency;
  return lo;
}

// The modes that read the files as written rather than the validated project.
bool run_raw_mode(const Context& ctx, const ConfigOpts& o) {
  if (o.variables) {
    LoadOptions every = options_of(ctx, o);
    every.profiles = {"*"};  // the variables of every service the files define
    auto vars = load::extract_variables(load_raw(every, false).tree);
    if (o.format.empty())
      emit(variables_table(vars), o.output);
    else
      emit(render(variables_object(vars, o.format == "yaml"), o.format), o.output);
    return true;
  }
  if (o.environment) {
    emit(environment_lines(load_raw(options_of(ctx, o), true).environment, environ), o.output);
    return true;
  }
  if (o.profiles) {
    std::string out;
    for (const auto& p : load_raw(options_of(ctx, o), true).profiles) out += p + "\n";
    emit(out, o.output);
    return true;
  }
  if (o.no_interpolate) {
    RawProject raw = load_raw(options_of(ctx, o), false);
    if (!o.quiet) emit(render(raw.tree, o.format), o.output);
    return true;
  }
  return false;
}

// `config SERVICE...`: the services named and what they depend on, as compose.
void keep_selected(Project& project, const std::vector<std::string>& selected) {
  if (selected.empty()) return;
  std::set<std::string> keep;
  std::vector<std::string> todo = selected;
  while (!todo.empty()) {
    std::string name = todo.back();
    todo.pop_back();
    if (!keep.insert(name).second || !project.services.contains(name)) continue;
    for (const auto& [dep, _] : project.services.at(name).depends_on) todo.push_back(dep);
  }
  std::erase_if(project.services, [&](const auto& kv) { return !keep.contains(kv.first); });
}

void run_config(const Context& ctx, const ConfigOpts& o) {
  if (run_raw_mode(ctx, o)) return;
  LoadOptions lo = options_of(ctx, o);
  Project project = load_project(lo);
  for (const auto& w : project.warnings) std::fprintf(stderr, "lit: warning: %s\n", w.c_str());
  if (o.quiet) return;
  if (o.services) return print_keys(project.services);
  if (o.volumes) return print_keys(project.volumes);
  if (o.networks) return print_keys(project.networks);
  if (o.images) {
    // compose's name for an image a service builds: <project>-<service>.
    for (const auto& [name, s] : project.services)
      std::printf("%s\n", (s.image.empty() ? project.name + "-" + name : s.image).c_str());
    return;
  }
  if (!o.hash.empty()) return print_hashes(ctx, project, o.hash);
  for (const auto& [name, s] : project.services)
    if (!s.copy.empty())
      std::fprintf(stderr,
                   "lit: warning: service %s: filesystem.copy has no compose form; "
                   "it is left out of the output\n",
                   name.c_str());
  keep_selected(project, o.selected);
  ComposeOutOptions out;
  out.normalize = !o.no_normalize;
  out.resolve_paths = !o.no_path_resolution;
  RawProject raw = load_raw(lo, true);
  out.extensions = raw.extensions;
  out.written = raw.tree;
  emit(render(compose_tree(project, out), o.format), o.output);
}

}  // namespace

void register_config(CLI::App& app, Context& ctx) {
  auto o = std::make_shared<ConfigOpts>();
  auto* cmd = app.add_subcommand("config",
                                 "Parse, resolve and render the project's files as a compose file");
  cmd->add_option("--format", o->format, "Format the output: yaml (default) or json")
      ->check(CLI::IsMember({"yaml", "json"}));
  cmd->add_option("-o,--output", o->output, "Save to FILE instead of stdout");
  cmd->add_option("services", o->selected, "Only these services (and their dependencies)");
  cmd->add_flag("--no-interpolate", o->no_interpolate, "Don't interpolate variables");
  cmd->add_flag("--no-normalize", o->no_normalize, "Don't normalize the compose model");
  cmd->add_flag("--no-path-resolution", o->no_path_resolution, "Don't resolve file paths");
  cmd->add_flag("--no-consistency", o->no_consistency,
                "Don't check depends_on and network_mode references");
  std::vector<CLI::Option*> modes{
      cmd->add_flag("--services", o->services, "Print the service names, one per line"),
      cmd->add_flag("--volumes", o->volumes, "Print the volume names, one per line"),
      cmd->add_flag("--networks", o->networks, "Print the network names, one per line"),
      cmd->add_flag("--images", o->images, "Print the services' images, one per line"),
      cmd->add_flag("--profiles", o->profiles, "Print the profile names, one per line"),
      cmd->add_flag("--variables", o->variables, "Print the variables the files use"),
      cmd->add_flag("--environment", o->environment, "Print the interpolation environment"),
      cmd->add_flag("-q,--quiet", o->quiet, "Only validate the project; print nothing"),
      cmd->add_option("--hash", o->hash, "Print \"service hash\" for SERVICE[,SERVICE...] or '*'")};
  for (auto* a : modes)
    for (auto* b : modes)
      if (a != b) a->excludes(b);
  cmd->callback([&ctx, o] { run_config(ctx, *o); });
}

}  // namespace lit::app
