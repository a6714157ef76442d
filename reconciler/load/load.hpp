#pragma once
// The loader's entry point: project files (lit.yml or compose files, override
// files, -f files, .env, --env-file, profiles) -> one normalized Project.
#include <functional>
#include <map>
#include <nlohmann/json.hpp>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include "reconciler/load/tree.hpp"
#include "reconciler/model.hpp"
#include "runtime/util/error.hpp"

namespace lit::reconciler {

using EnvLookup = std::function<std::optional<std::string>(const std::string&)>;

struct LoadOptions {
  std::string working_dir;             // where discovery starts; "" = the current directory
  std::vector<std::string> files;      // -f, in order; empty = discovery
  std::string project_dir;             // --project-directory; "" = the first file's directory
  std::string project_name;            // -p; "" = COMPOSE_PROJECT_NAME, `name:`, the directory
  std::vector<std::string> env_files;  // --env-file (replace the project's .env)
  std::vector<std::string> profiles;   // --profile; empty = COMPOSE_PROFILES
  // Services named on the command line: active whatever their profiles, with
  // the services they depend on.
  std::vector<std::string> services;
  // The services whose env_file entries must be readable (with what they
  // depend on): nullopt = every active service. Compose reads only the env
  // files of the services a command uses: `ps`, `logs`, `down` need none, `up
  // web` web's. The others load without their missing files
  // (Service::missing_env_files).
  std::optional<std::vector<std::string>> env_file_services;
  EnvLookup environment;  // empty = the process environment
  bool strict = false;    // unsupported keys are errors, not warnings
  // depends_on and network_mode service:NAME must name active services, and no
  // cycle (`lit config --no-consistency` turns it off).
  bool consistency = true;
};

// Throws lit::Error "FILE:LINE:COL: key.path: what is wrong" for bad input.
Project load_project(const LoadOptions& options);

// Where each key and list item of the merged files was written, by key path
// ("services.web.privileged", "services.web.volumes[0]"): for messages about
// the normalized project that point back into the files (lit convert's
// untranslatable keys), in the loader's own "FILE:LINE:COL: key.path: what".
class SourcePlaces {
 public:
  void add(const std::string& path, const load::Loc& loc) { at_[path] = loc; }
  bool written(const std::string& path) const { return at_.contains(path); }
  // The place of `path`, else of its nearest parent written; no place when none is.
  load::Loc of(const std::string& path) const;

 private:
  std::map<std::string, load::Loc> at_;
};

struct LocatedProject {
  Project project;
  SourcePlaces places;
};
// load_project, and where each key of the merged files was written.
LocatedProject load_project_located(const LoadOptions& options);

// The merged files as written (`lit config --no-interpolate`, --variables,
// --profiles, --environment, and the x-* keys of `lit config`): discovery,
// .env, each file parsed, interpolated unless `interpolate` is off, merged,
// extends resolved; only the active services.
struct RawProject {
  std::string name;
  nlohmann::ordered_json
      tree;  // the merged mapping, `name:` first, scalars typed as YAML reads them
  // The x-* keys: top-level, and "services" / "networks" / "volumes" /
  // "secrets" / "configs" -> key -> their x-* keys (sorted, as compose prints them).
  nlohmann::ordered_json extensions;
  std::set<std::string> profiles;  // every profile of every service, active or not
  // What interpolation reads besides the process environment: the .env (or
  // --env-file) variables (the environment winning) and COMPOSE_PROJECT_NAME.
  std::map<std::string, std::string> environment;
};
RawProject load_raw(const LoadOptions& options, bool interpolate);

// The files discovery picks in `dir` or its nearest parent that has one: lit.yml
// (lit.yaml), else compose.yaml, compose.yml, docker-compose.yml, docker-compose.yaml,
// each followed by its override file when present. Empty when none is found.
std::vector<std::string> discover_files(const std::string& dir);

// A directory's name as a project name: lowercased, only [a-z0-9_-], starting alphanumeric.
std::string normalize_project_name(const std::string& dir_name);

// The project name rule (as compose's): the name is already normalized. The
// error is compose's text: invalid project name "X": must consist only of...
bool valid_project_name(const std::string& name);
Error invalid_project_name(const std::string& name);
void check_project_name(const std::string& name);  // throws invalid_project_name

}  // namespace lit::reconciler
