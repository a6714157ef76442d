#include "reconciler/load/files.hpp"

#include <algorithm>
#include <filesystem>
#include <set>

#include "reconciler/load/merge.hpp"
#include "reconciler/load/values.hpp"

namespace lit::reconciler::load {

namespace fs = std::filesystem;

namespace {

void check_top_level_keys(const Node& root, Diag& diag) {
  static const std::set<std::string> known = {"name",    "services", "networks", "volumes",
                                              "secrets", "configs",  "include",  "optimize"};
  for (const auto& e : root.entries) {
    if (e.key == "version")
      diag.warn(e.key_loc, "version", "obsolete, ignored");
    else if (!known.count(e.key) && e.key.rfind("x-", 0) != 0)
      diag.unsupported(e.key_loc, e.key);
  }
}

bool relative(const std::string& p) {
  return !p.empty() && p[0] != '/' && p[0] != '~' && p.find("://") == std::string::npos &&
         p.rfind("git@", 0) != 0;
}

void rebase(Node& n, const fs::path& dir) {
  if (n.is_scalar() && relative(n.text)) n.text = (dir / n.text).lexically_normal().string();
}

// "./data:/data:ro": only a source written as a path (starting with '.') is one.
void rebase_short_volume(Node& n, const fs::path& dir) {
  if (!n.is_scalar() || n.text.empty() || n.text[0] != '.') return;
  std::size_t colon = n.text.find(':');
  std::string source = n.text.substr(0, colon);
  std::string rest = colon == std::string::npos ? "" : n.text.substr(colon);
  n.text = (dir / source).lexically_normal().string() + rest;
}

// security_opt's seccomp=FILE (or seccomp:FILE) names a file like env_file does.
void rebase_security_opt(Node& n, const fs::path& dir) {
  if (!n.is_scalar() || n.text.size() <= 8 || n.text.rfind("seccomp", 0) != 0) return;
  if (n.text[7] != '=' && n.text[7] != ':') return;
  std::string file = n.text.substr(8);
  if (file == "unconfined" || file == "builtin" || !relative(file)) return;
  n.text = n.text.substr(0, 8) + (dir / file).lexically_normal().string();
}

void rebase_service(Node& svc, const fs::path& dir) {
  if (!svc.is_map()) return;
  if (Node* opts = svc.find("security_opt"); opts && opts->is_seq())
    for (auto& o : opts->items) rebase_security_opt(o, dir);
  if (Node* b = svc.find("build"); b && b->is_map())
    if (Node* c = b->find("context")) rebase(*c, dir);
  if (Node* e = svc.find("extends"); e && e->is_map())
    if (Node* f = e->find("file")) rebase(*f, dir);
  if (Node* d = svc.find("develop"); d && d->is_map())
    if (Node* w = d->find("watch"); w && w->is_seq())
      for (auto& rule : w->items)
        if (Node* p = rule.is_map() ? rule.find("path") : nullptr) rebase(*p, dir);
  if (Node* envs = svc.find("env_file"); envs && envs->is_seq())
    for (auto& it : envs->items)
      rebase(it.is_map() && it.find("path") ? *it.find("path") : it, dir);
  if (Node* vols = svc.find("volumes"); vols && vols->is_seq()) {
    for (auto& v : vols->items) {
      if (!v.is_map()) {
        rebase_short_volume(v, dir);
        continue;
      }
      const Node* type = v.find("type");
      if (Node* src = v.find("source"); src && type && type->is_scalar() && type->text == "bind")
        rebase(*src, dir);
    }
  }
}

}  // namespace

std::string FileSet::display(const std::string& file) const {
  fs::path rel = fs::path(file).lexically_relative(project_dir);
  if (!rel.empty() && *rel.begin() != "..") return rel.string();
  return file;
}

void FileSet::prepare(Node& root, const Lookup& lookup) const {
  if (!root.is_map())
    fail(root, "", "expected a mapping at the top of the file, got " + kind_name(root));
  check_top_level_keys(root, diag);
  root.erase("version");
  if (interpolate) interpolate_tree(root, lookup, "", diag);
  if (const Node* s = root.find("services"); s && !s->is_map() && !s->is_null())
    fail(*s, "services", "expected a mapping of services, got " + kind_name(*s));
  canonicalize_services(root);
}

void FileSet::note_read(const std::string& path) const {
  if (read_files != nullptr &&
      std::find(read_files->begin(), read_files->end(), path) == read_files->end())
    read_files->push_back(path);
}

Node FileSet::read(const std::string& path, const Lookup& lookup) const {
  note_read(path);
  std::string shown = display(path);
  Node root = parse_yaml_file(path, shown);
  if (root.is_null()) root = Node::map(Loc{shown, 1, 1});
  prepare(root, lookup);
  return root;
}

FileReader FileSet::extends_reader(const std::string& dir, const Lookup& lookup) const {
  return [this, dir, lookup](const std::string& file, const Loc& at) {
    fs::path p = fs::path(file).is_absolute() ? fs::path(file) : fs::path(dir) / file;
    p = p.lexically_normal();
    std::error_code ec;
    if (!fs::is_regular_file(p, ec)) fail(at, "extends.file", "no such file " + p.string());
    note_read(p.string());
    Node other = parse_yaml_file(p.string(), display(p.string()));
    interpolate_tree(other, lookup, "", diag);
    canonicalize_services(other);
    rebase_paths(other, p.parent_path().string());
    return other;
  };
}

void rebase_paths(Node& root, const std::string& dir) {
  if (Node* services = root.find("services"); services && services->is_map())
    for (auto& e : services->entries) rebase_service(e.value, dir);
  for (const char* kind : {"secrets", "configs"})
    if (Node* defs = root.find(kind); defs && defs->is_map())
      for (auto& e : defs->entries)
        if (Node* f = e.value.is_map() ? e.value.find("file") : nullptr) rebase(*f, dir);
}

}  // namespace lit::reconciler::load
