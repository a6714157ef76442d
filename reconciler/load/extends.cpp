#include "reconciler/load/extends.hpp"

#include <algorithm>
#include <map>

#include "reconciler/load/merge.hpp"
#include "reconciler/load/values.hpp"

namespace lit::reconciler::load {

namespace {

struct Resolver {
  const FileReader& read_file;
  std::map<std::string, Node> files;  // `file:` trees, read once

  // Resolves the service `name` of `services` (a services mapping of `file`).
  Node resolve(Node& services, const std::string& file, const std::string& name,
               std::vector<std::string>& stack) {
    Node* svc = services.find(name);
    std::string path = "services." + name;
    std::string id = file + "#" + name;
    if (std::find(stack.begin(), stack.end(), id) != stack.end())
      fail(*svc, sub(path, "extends"), "circular extends through service '" + name + "'");
    const Node* ext = svc->is_map() ? svc->find("extends") : nullptr;
    if (!ext) return *svc;
    expect_map(*ext, sub(path, "extends"));
    const Node* base_name = ext->find("service");
    if (!base_name) fail(*ext, sub(path, "extends"), "service: required");
    std::string base = as_string(*base_name, sub(path, "extends.service"));
    const Node* base_file = ext->find("file");
    stack.push_back(id);
    Node resolved;
    if (base_file) {
      std::string f = as_string(*base_file, sub(path, "extends.file"));
      if (!files.count(f)) files[f] = read_file(f, base_file->loc);
      Node* other = files[f].find("services");
      if (!other || !other->find(base))
        fail(*base_name, sub(path, "extends.service"), "no service '" + base + "' in " + f);
      resolved = resolve(*other, f, base, stack);
    } else {
      if (!services.find(base))
        fail(*base_name, sub(path, "extends.service"), "no service '" + base + "' to extend");
      resolved = resolve(services, file, base, stack);
    }
    stack.pop_back();
    Node own = *svc;
    own.erase("extends");
    resolved.erase("extends");
    merge_into(resolved, own, path);
    resolved.loc = svc->loc;
    *svc = resolved;  // later lookups of this service reuse the resolved form
    return resolved;
  }
};

}  // namespace

void resolve_extends(Node& root, const FileReader& read_file) {
  Node* services = root.find("services");
  if (!services || !services->is_map()) return;
  Resolver r{read_file, {}};
  for (auto& e : services->entries) {
    std::vector<std::string> stack;
    r.resolve(*services, "", e.key, stack);
  }
}

}  // namespace lit::reconciler::load
