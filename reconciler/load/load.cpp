// load_project: discovery -> .env -> parse, interpolate, merge each file ->
// extends -> project name -> profiles -> normalize -> cross-checks.
#include "reconciler/load/load.hpp"

#include <cstdlib>
#include <filesystem>
#include <set>

#include "reconciler/load/dotenv.hpp"
#include "reconciler/load/extends.hpp"
#include "reconciler/load/files.hpp"
#include "reconciler/load/include.hpp"
#include "reconciler/load/links.hpp"
#include "reconciler/load/merge.hpp"
#include "reconciler/load/normalize.hpp"
#include "reconciler/load/optimize_file.hpp"
#include "reconciler/load/profiles.hpp"
#include "reconciler/load/shorthand.hpp"
#include "reconciler/load/tree_json.hpp"
#include "reconciler/load/values.hpp"
#include "runtime/util/error.hpp"
#include "runtime/util/fs.hpp"

namespace lit::reconciler {

namespace fs = std::filesystem;
using namespace load;

namespace {

std::optional<std::string> process_env(const std::string& k) {
  const char* v = std::getenv(k.c_str());
  return v ? std::optional<std::string>(v) : std::nullopt;
}

// A file as messages show it: relative to the project dir when inside it.
std::string display_name(const fs::path& file, const fs::path& project_dir) {
  fs::path rel = file.lexically_relative(project_dir);
  if (!rel.empty() && *rel.begin() != "..") return rel.string();
  return file.string();
}

// .env in the project dir (or the --env-file files), read with the process environment.
std::map<std::string, std::string> read_dotenv(const LoadOptions& o, const fs::path& project_dir,
                                               const EnvLookup& env, const fs::path& cwd) {
  std::map<std::string, std::string> vars;
  std::vector<fs::path> files;
  for (const auto& f : o.env_files)
    files.push_back(fs::path(f).is_absolute() ? fs::path(f) : cwd / f);
  bool explicit_files = !files.empty();
  if (!explicit_files) files.push_back(project_dir / ".env");
  for (const auto& f : files) {
    std::error_code ec;
    if (!fs::is_regular_file(f, ec)) {
      if (explicit_files) throw Error("--env-file " + f.string() + ": no such file");
      continue;
    }
    Lookup chained = [&](const std::string& k) -> std::optional<std::string> {
      if (auto v = env(k)) return v;
      if (auto it = vars.find(k); it != vars.end()) return it->second;
      return std::nullopt;
    };
    for (auto& [k, v] : parse_dotenv(read_file(f), display_name(f, project_dir), chained))
      vars[k] = v;
  }
  return vars;
}

std::vector<std::string> split(const std::string& text, const std::string& sep) {
  std::vector<std::string> out;
  std::size_t from = 0;
  while (true) {
    std::size_t at = sep.empty() ? std::string::npos : text.find(sep, from);
    std::string item = text.substr(from, at == std::string::npos ? std::string::npos : at - from);
    if (!item.empty()) out.push_back(item);
    if (at == std::string::npos) return out;
    from = at + sep.size();
  }
}

// -f, else COMPOSE_FILE (the environment, else the .env of `base`; separated by
// COMPOSE_PATH_SEPARATOR, ":" by default), else discovery from `base` up.
std::vector<std::string> resolve_files(const LoadOptions& o, const fs::path& cwd,
                                       const fs::path& base, const EnvLookup& env) {
  std::vector<std::string> named = o.files;
  const char* source = "-f";
  if (named.empty()) {
    auto dotenv = read_dotenv(o, base, env, cwd);
    auto var = [&](const std::string& k) -> std::optional<std::string> {
      if (auto v = env(k)) return v;
      if (auto it = dotenv.find(k); it != dotenv.end()) return it->second;
      return std::nullopt;
    };
    if (auto f = var("COMPOSE_FILE"); f && !f->empty()) {
      named = split(*f, var("COMPOSE_PATH_SEPARATOR").value_or(":"));
      source = "COMPOSE_FILE";
    }
  }
  if (named.empty()) {
    auto found = discover_files(base.string());
    if (found.empty())
      throw Error("no project file found in " + base.string() + " or its parents", {}, 0,
                  "create lit.yml or compose.yaml, or name one with -f");
    return found;
  }
  std::vector<std::string> out;
  for (const auto& f : named) {
    fs::path p = fs::path(f).is_absolute() ? fs::path(f) : cwd / f;
    std::error_code ec;
    if (!fs::is_regular_file(p, ec)) throw Error(std::string(source) + " " + f + ": no such file");
    out.push_back(p.lexically_normal().string());
  }
  return out;
}

std::string project_name(const LoadOptions& o, const Node& root, const fs::path& project_dir,
                         const Lookup& lookup) {
  if (!o.project_name.empty()) {
    check_project_name(o.project_name);
    return o.project_name;
  }
  if (auto v = lookup("COMPOSE_PROJECT_NAME"); v && !v->empty()) {
    check_project_name(*v);
    return *v;
  }
  if (const Node* n = root.find("name")) {
    std::string name = as_string(*n, "name");
    if (!valid_project_name(name)) fail(*n, "name", invalid_project_name(name).what());
    return name;
  }
  std::string name = normalize_project_name(project_dir.filename().string());
  if (name.empty())
    throw Error("cannot derive a project name from directory " + project_dir.string(), {}, 0,
                "set `name:` in the project file or use -p");
  return name;
}

struct Loaded {
  Node root;
  std::map<std::string, std::vector<CopySpec>> copies;  // shorthand filesystem.copy per service
};

// Each file: parse, shorthand, checks, interpolation (unless the file set's
// is off, for `lit config --no-interpolate`), canonical shapes, include, merge.
Loaded read_and_merge(const std::vector<std::string>& files, const FileSet& set,
                      const Lookup& lookup) {
  Loaded out;
  out.root = Node::map();
  for (const auto& f : files) {
    std::string shown = set.display(f);
    Node root = parse_yaml_file(f, shown);
    if (root.is_null()) root = Node::map(Loc{shown, 1, 1});
    if (root.is_map() && is_shorthand(root)) {
      auto copies = expand_shorthand(root, set.project_dir, set.diag);
      out.copies[root.find("services")->entries[0].key] = copies;
    }
    set.prepare(root, lookup);
    std::vector<std::string> chain{f};
    apply_include(root, set.project_dir, lookup, set, chain);
    merge_into(out.root, root, "");
  }
  return out;
}

// Discovery, .env, the files merged with their extends: what load_project
// normalizes and load_raw prints.
struct Merged {
  std::vector<std::string> files;
  std::vector<std::string> other_files;  // FileSet::read_files
  fs::path project_dir;
  EnvLookup env;
  std::map<std::string, std::string> dotenv;
  Loaded loaded;
  std::optional<std::string> lookup(const std::string& k) const {
    if (auto v = env(k)) return v;
    if (auto it = dotenv.find(k); it != dotenv.end()) return it->second;
    return std::nullopt;
  }
};

Merged merge_files(const LoadOptions& o, Diag& diag, bool interpolate) {
  std::error_code ec;
  fs::path cwd = o.working_dir.empty() ? fs::current_path(ec) : fs::absolute(o.working_dir, ec);
  cwd = cwd.lexically_normal();
  Merged m;
  m.env = o.environment ? o.environment : EnvLookup(process_env);
  fs::path base = o.project_dir.empty() ? cwd : (cwd / o.project_dir).lexically_normal();
  m.files = resolve_files(o, cwd, base, m.env);
  m.project_dir = o.project_dir.empty() ? fs::path(m.files[0]).parent_path() : base;
  if (m.project_dir.string().size() > 1 && m.project_dir.string().back() == '/')
    m.project_dir = m.project_dir.parent_path();
  m.dotenv = read_dotenv(o, m.project_dir, m.env, cwd);
  Lookup lookup = [&m](const std::string& k) { return m.lookup(k); };
  FileSet set{m.project_dir.string(), diag, interpolate, &m.other_files};
  m.loaded = read_and_merge(m.files, set, lookup);
  resolve_extends(m.loaded.root, set.extends_reader(m.project_dir.string(), lookup));
  strip_merge_tags(m.loaded.root);
  return m;
}

// The services whose env files must be readable: LoadOptions::env_file_services
// and what they depend on, else every active service.
std::set<std::string> env_file_services(const Node& services, const LoadOptions& o,
                                        const std::set<std::string>& active) {
  if (!o.env_file_services) return active;
  std::set<std::string> out;
  std::vector<std::string> todo = *o.env_file_services;
  while (!todo.empty()) {
    std::string name = todo.back();
    todo.pop_back();
    const Node* svc = services.find(name);
    if (!out.insert(name).second || !svc || !svc->is_map()) continue;
    if (const Node* deps = svc->find("depends_on"); deps && deps->is_map())
      for (const auto& d : deps->entries) todo.push_back(d.key);
  }
  return out;
}

// Every key and list item under `n`, by key path.
void collect_places(const Node& n, const std::string& path, SourcePlaces& out) {
  if (n.is_map()) {
    for (const auto& e : n.entries) {
      std::string p = sub(path, e.key);
      out.add(p, e.key_loc);
      collect_places(e.value, p, out);
    }
  } else if (n.is_seq()) {
    for (std::size_t i = 0; i < n.items.size(); ++i) {
      std::string p = idx(path, i);
      out.add(p, n.items[i].loc);
      collect_places(n.items[i], p, out);
    }
  }
}

}  // namespace

Loc SourcePlaces::of(const std::string& path) const {
  for (std::string p = path; !p.empty();) {
    if (auto it = at_.find(p); it != at_.end()) return it->second;
    std::size_t cut = p.find_last_of(".[");
    p = cut == std::string::npos ? "" : p.substr(0, cut);
  }
  return {};
}

bool valid_project_name(const std::string& n) {
  return !n.empty() && normalize_project_name(n) == n;
}

Error invalid_project_name(const std::string& name) {
  return Error("invalid project name \"" + name +
               "\": must consist only of lowercase alphanumeric characters, hyphens, and "
               "underscores as well as start with a letter or number");
}

void check_project_name(const std::string& name) {
  if (!valid_project_name(name)) throw invalid_project_name(name);
}

Project load_project(const LoadOptions& o) { return load_project_located(o).project; }

LocatedProject load_project_located(const LoadOptions& o) {
  Diag diag;
  diag.strict = o.strict;
  Merged m = merge_files(o, diag, true);
  Lookup lookup = [&m](const std::string& k) { return m.lookup(k); };
  Node& root = m.loaded.root;

  LocatedProject located;
  collect_places(root, "", located.places);
  Project& project = located.project;
  project.working_dir = m.project_dir.string();
  project.files = m.files;
  project.other_files = m.other_files;
  project.name = project_name(o, root, m.project_dir, lookup);
  NormContext ctx{diag, m.project_dir.string(), lookup};
  normalize_top_level(root, project, ctx);

  Node services = root.find("services") ? *root.find("services") : Node::map();
  if (services.is_null()) services = Node::map();
  links_to_depends_on(services);
  shared_to_depends_on(services);
  std::set<std::string> active = active_services(services, o, lookup, project.disabled_services);
  std::set<std::string> env_needed = env_file_services(services, o, active);
  for (const auto& e : services.entries) {
    if (!active.count(e.key)) continue;
    ctx.env_files_required = env_needed.count(e.key) > 0;
    Service s = normalize_service(e.key, e.value, project, ctx);
    if (auto c = m.loaded.copies.find(e.key); c != m.loaded.copies.end()) s.copy = c->second;
    project.services[e.key] = std::move(s);
  }
  if (o.consistency) check_references(services, project, diag);
  apply_link_aliases(project);
  apply_optimize_file(project, diag);
  bool uses_default = false;
  for (const auto& [_, s] : project.services) uses_default |= s.networks.count("default") > 0;
  if (uses_default && !project.networks.count("default"))
    project.networks["default"] =
        Network{project.name + "_default", "bridge", {}, false, false, false, false, {}, {}};
  project.warnings = std::move(diag.warnings);
  return located;
}

RawProject load_raw(const LoadOptions& o, bool interpolate) {
  Diag diag;
  Merged m = merge_files(o, diag, interpolate);
  Lookup lookup = [&m](const std::string& k) { return m.lookup(k); };
  Node& root = m.loaded.root;
  RawProject raw;
  raw.name = project_name(o, root, m.project_dir, lookup);
  raw.extensions = collect_extensions(root);
  Node* services = root.find("services");
  std::vector<std::string> disabled;
  if (services && services->is_map()) {
    for (const auto& e : services->entries)
      for (const auto& p : service_profiles(e.value)) raw.profiles.insert(p);
    std::set<std::string> active = active_services(*services, o, lookup, disabled);
    std::erase_if(services->entries, [&](const Entry& e) { return !active.count(e.key); });
  }
  raw.tree = nlohmann::ordered_json{{"name", raw.name}};
  nlohmann::ordered_json merged = node_to_json(root);
  for (auto& [k, v] : merged.items())
    if (k != "name") raw.tree[k] = v;
  for (const auto& [k, _] : m.dotenv) raw.environment[k] = m.lookup(k).value_or("");
  if (!m.lookup("COMPOSE_PROJECT_NAME")) raw.environment["COMPOSE_PROJECT_NAME"] = raw.name;
  return raw;
}

}  // namespace lit::reconciler
