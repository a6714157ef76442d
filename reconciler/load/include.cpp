#include "reconciler/load/include.hpp"

#include <algorithm>
#include <filesystem>
#include <map>

#include "reconciler/load/dotenv.hpp"
#include "reconciler/load/merge.hpp"
#include "reconciler/load/values.hpp"
#include "runtime/util/fs.hpp"

namespace lit::reconciler::load {

namespace fs = std::filesystem;

namespace {

// One entry of `include:`, its paths absolute.
struct Include {
  std::vector<std::string> paths;  // the project file, then its overrides
  std::string project_dir;
  std::vector<std::string> env_files;
  const Node* at = nullptr;
  std::string path;  // "include[0]"
};

std::string absolute(const std::string& p, const std::string& dir) {
  fs::path f = fs::path(p).is_absolute() ? fs::path(p) : fs::path(dir) / p;
  return f.lexically_normal().string();
}

std::vector<std::string> files_of(const Node& n, const std::string& path, const std::string& dir,
                                  const char* what) {
  std::vector<std::string> out;
  auto names = as_string_list(n, path);
  for (std::size_t i = 0; i < names.size(); ++i) {
    const Node& at = n.is_seq() ? n.items[i] : n;
    std::string f = absolute(names[i], dir);
    std::error_code ec;
    if (!fs::is_regular_file(f, ec))
      fail(at, n.is_seq() ? idx(path, i) : path, std::string("no such ") + what + " " + f);
    out.push_back(f);
  }
  return out;
}

Include read_entry(const Node& n, const std::string& path, const std::string& dir) {
  Include inc{{}, "", {}, &n, path};
  const Node* env_file = nullptr;
  std::string project_dir;
  if (n.is_scalar()) {
    inc.paths = files_of(n, path, dir, "file");
  } else if (n.is_map()) {
    for (const auto& e : n.entries) {
      std::string p = sub(path, e.key);
      if (e.key == "path")
        inc.paths = files_of(e.value, p, dir, "file");
      else if (e.key == "project_directory")
        project_dir = as_string(e.value, p);
      else if (e.key == "env_file")
        env_file = &e.value;
      else
        fail(e.key_loc, p, "unknown key (expected path, project_directory or env_file)");
    }
    if (inc.paths.empty()) fail(n, path, "path: required");
  } else {
    fail(n, path, "expected a path or a mapping with path:, got " + kind_name(n));
  }
  inc.project_dir = project_dir.empty() ? fs::path(inc.paths[0]).parent_path().string()
                                        : absolute(project_dir, dir);
  if (env_file) {
    inc.env_files = files_of(*env_file, sub(path, "env_file"), dir, "env file");
  } else {
    std::error_code ec;
    std::string dotenv = (fs::path(inc.project_dir) / ".env").string();
    if (fs::is_regular_file(dotenv, ec)) inc.env_files.push_back(dotenv);
  }
  return inc;
}

// The included project's variables: the including project's first (the
// shell's and its .env), then the include's env files.
std::map<std::string, std::string> include_vars(const Include& inc, const Lookup& lookup,
                                                const FileSet& files) {
  std::map<std::string, std::string> vars;
  Lookup chained = [&](const std::string& k) -> std::optional<std::string> {
    if (auto v = lookup(k)) return v;
    if (auto it = vars.find(k); it != vars.end()) return it->second;
    return std::nullopt;
  };
  for (const auto& f : inc.env_files) {
    files.note_read(f);
    for (auto& [k, v] : parse_dotenv(read_file(f), files.display(f), chained)) vars[k] = v;
  }
  return vars;
}

bool same_tree(const Node& a, const Node& b) {
  if (a.kind != b.kind || a.text != b.text || a.items.size() != b.items.size() ||
      a.entries.size() != b.entries.size())
    return false;
  for (std::size_t i = 0; i < a.items.size(); ++i)
    if (!same_tree(a.items[i], b.items[i])) return false;
  for (const auto& e : a.entries) {
    const Node* other = b.find(e.key);
    if (!other || !same_tree(e.value, *other)) return false;
  }
  return true;
}

void import_resources(Node& root, const Node& imported, const Include& inc) {
  for (const char* kind : {"services", "networks", "volumes", "secrets", "configs"}) {
    const Node* from = imported.find(kind);
    if (!from || !from->is_map()) continue;
    Node* to = root.find(kind);
    if (!to || to->is_null()) {
      root.set(kind, Node::map(from->loc), from->loc);
      to = root.find(kind);
    }
    if (!to->is_map()) continue;  // reported with the including file's own checks
    for (const auto& e : from->entries) {
      const Entry* mine = nullptr;
      for (const auto& m : to->entries)
        if (m.key == e.key) mine = &m;
      if (!mine) {
        to->entries.push_back(e);
        continue;
      }
      if (same_tree(mine->value, e.value)) continue;
      fail(mine->key_loc, sub(kind, e.key),
           "conflicts with " + sub(kind, e.key) + " imported from " + e.key_loc.str() + " (" +
               inc.path +
               "); rename one of them, or change the imported one with an override "
               "file listed after it in the include's path");
    }
  }
}

Node load_included(const Include& inc, const Lookup& parent, const FileSet& files,
                   std::vector<std::string>& chain) {
  if (std::find(chain.begin(), chain.end(), inc.paths[0]) != chain.end()) {
    std::string cycle;
    for (const auto& f : chain) cycle += files.display(f) + " -> ";
    fail(*inc.at, inc.path, "include cycle: " + cycle + files.display(inc.paths[0]));
  }
  auto vars = include_vars(inc, parent, files);
  Lookup lookup = [&parent, vars](const std::string& k) -> std::optional<std::string> {
    if (auto v = parent(k)) return v;
    if (auto it = vars.find(k); it != vars.end()) return it->second;
    return std::nullopt;
  };
  chain.push_back(inc.paths[0]);
  Node merged = Node::map();
  for (const auto& f : inc.paths) {
    Node root = files.read(f, lookup);
    apply_include(root, inc.project_dir, lookup, files, chain);
    merge_into(merged, root, "");
  }
  chain.pop_back();
  resolve_extends(merged, files.extends_reader(inc.project_dir, lookup));
  strip_merge_tags(merged);
  rebase_paths(merged, inc.project_dir);
  return merged;
}

}  // namespace

void apply_include(Node& root, const std::string& dir, const Lookup& lookup, const FileSet& files,
                   std::vector<std::string>& chain) {
  const Node* list = root.find("include");
  if (!list) return;
  Node includes = *list;
  root.erase("include");
  if (includes.is_null()) return;
  if (!includes.is_seq()) fail(includes, "include", "expected a list, got " + kind_name(includes));
  for (std::size_t i = 0; i < includes.items.size(); ++i) {
    Include inc = read_entry(includes.items[i], idx("include", i), dir);
    import_resources(root, load_included(inc, lookup, files, chain), inc);
  }
}

}  // namespace lit::reconciler::load
