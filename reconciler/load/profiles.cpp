#include "reconciler/load/profiles.hpp"

#include <algorithm>
#include <functional>

#include "reconciler/load/diag.hpp"
#include "reconciler/load/values.hpp"
#include "runtime/util/error.hpp"

namespace lit::reconciler::load {

namespace {

std::vector<std::string> split_commas(const std::string& s) {
  std::vector<std::string> out;
  std::size_t pos = 0;
  while (pos <= s.size()) {
    std::size_t c = s.find(',', pos);
    std::string item = s.substr(pos, c == std::string::npos ? std::string::npos : c - pos);
    if (!item.empty()) out.push_back(item);
    if (c == std::string::npos) break;
    pos = c + 1;
  }
  return out;
}

std::vector<std::string> profiles_of(const Node& svc, const std::string& name) {
  const Node* p = svc.is_map() ? svc.find("profiles") : nullptr;
  if (!p || p->is_null()) return {};
  return as_string_list(*p, "services." + name + ".profiles");
}

std::vector<std::string> deps_of(const Node& svc) {
  std::vector<std::string> out;
  const Node* d = svc.is_map() ? svc.find("depends_on") : nullptr;
  if (d && d->is_map())
    for (const auto& e : d->entries) out.push_back(e.key);
  return out;
}

}  // namespace

std::set<std::string> active_services(const Node& services, const LoadOptions& o,
                                      const Lookup& lookup, std::vector<std::string>& disabled) {
  std::vector<std::string> profiles = o.profiles;
  if (profiles.empty())
    if (auto env = lookup("COMPOSE_PROFILES")) profiles = split_commas(*env);
  bool all = std::find(profiles.begin(), profiles.end(), "*") != profiles.end();

  std::set<std::string> active;
  for (const auto& e : services.entries) {
    auto ps = profiles_of(e.value, e.key);
    bool on = ps.empty() || all || std::any_of(ps.begin(), ps.end(), [&](const std::string& p) {
                return std::find(profiles.begin(), profiles.end(), p) != profiles.end();
              });
    if (on) active.insert(e.key);
  }
  std::function<void(const std::string&)> enable = [&](const std::string& name) {
    const Node* svc = services.find(name);
    if (!svc || !active.insert(name).second) return;
    for (const auto& d : deps_of(*svc)) enable(d);
  };
  for (const auto& name : o.services) {
    const Node* svc = services.find(name);
    if (!svc) throw Error("no such service: " + name);
    active.insert(name);
    for (const auto& d : deps_of(*svc)) enable(d);
  }
  for (const auto& e : services.entries)
    if (!active.count(e.key)) disabled.push_back(e.key);
  std::sort(disabled.begin(), disabled.end());
  return active;
}

namespace {

// pid / ipc service:NAME and volumes_from SERVICE name another active service.
void check_shared_services(const Node& svc, const std::string& path, const std::string& name,
                           const Service& s, const Project& project) {
  auto check = [&](const std::string& target, const Node& at, const std::string& p) {
    if (target == name) fail(at, p, "a service cannot share its own namespaces or volumes");
    if (!project.services.count(target)) fail(at, p, "no active service '" + target + "'");
  };
  using Setting = std::pair<const char*, const Parsed<NamespaceSetting>*>;
  for (const auto& [key, setting] : {Setting{"pid", &s.pid}, Setting{"ipc", &s.ipc}})
    if (!setting->value.service.empty())
      check(setting->value.service, *svc.find(key), sub(path, key));
  const Node* from = svc.find("volumes_from");
  for (std::size_t i = 0; i < s.volumes_from.size(); ++i)
    if (!s.volumes_from[i].service.empty())
      check(s.volumes_from[i].service, from->is_seq() ? from->items[i] : *from,
            idx(sub(path, "volumes_from"), i));
}

}  // namespace

void check_references(const Node& services, Project& project, Diag& diag) {
  for (auto& [name, s] : project.services) {
    const Node& svc = *services.find(name);
    std::string path = "services." + name;
    // Before depends_on, which has them too: the error names the key the file wrote.
    check_shared_services(svc, path, name, s, project);
    for (auto it = s.depends_on.begin(); it != s.depends_on.end();) {
      const Entry* at = svc.find("depends_on")->find_entry(it->first);
      std::string p = sub(sub(path, "depends_on"), it->first);
      bool defined = services.find(it->first) != nullptr;
      bool active = project.services.count(it->first) > 0;
      if (it->first == name) fail(at->key_loc, p, "a service cannot depend on itself");
      if (active) {
        ++it;
        continue;
      }
      if (!it->second.required) {
        diag.warn(at->key_loc, p,
                  (defined ? "service '" + it->first + "' is not in an active profile"
                           : "no such service '" + it->first + "'") +
                      ", ignored (required: false)");
        it = s.depends_on.erase(it);
        continue;
      }
      if (!defined) fail(at->key_loc, p, "no such service '" + it->first + "'");
      fail(at->key_loc, p,
           "service '" + it->first + "' is not in an active profile (enable it with --profile)");
    }
    if (!s.network_mode.value.service.empty()) {
      const std::string& target = s.network_mode.value.service;
      if (!project.services.count(target))
        fail(*svc.find("network_mode"), sub(path, "network_mode"),
             "no active service '" + target + "'");
    }
  }
  // Cycles: depth-first search, reporting the first cycle found with its path.
  std::map<std::string, int> state;  // 1 visiting, 2 done
  std::vector<std::string> stack;
  std::function<void(const std::string&)> visit = [&](const std::string& n) {
    if (state[n] == 2) return;
    if (state[n] == 1) {
      auto from = std::find(stack.begin(), stack.end(), n);
      std::string cycle;
      for (auto i = from; i != stack.end(); ++i) cycle += *i + " -> ";
      const Node& svc = *services.find(n);
      fail(svc.find("depends_on")->loc, "services." + n + ".depends_on",
           "dependency cycle " + cycle + n);
    }
    state[n] = 1;
    stack.push_back(n);
    for (const auto& [d, _] : project.services.at(n).depends_on) visit(d);
    stack.pop_back();
    state[n] = 2;
  };
  for (const auto& [n, _] : project.services) visit(n);
}

}  // namespace lit::reconciler::load
