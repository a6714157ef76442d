#include "reconciler/plan_graph.hpp"

#include <algorithm>

#include "runtime/util/error.hpp"

namespace lit::reconciler::detail {
namespace {

bool contains(const std::vector<std::string>& v, const std::string& s) {
  return std::find(v.begin(), v.end(), s) != v.end();
}

void add_dependencies(const DesiredState& desired, ServiceGraph& g) {
  for (const auto& s : desired.services) {
    auto& out = g.deps[s.name];
    for (const auto& d : s.depends_on) {
      if (g.by_name.count(d.service)) {
        out.push_back(d);
        g.dependants[d.service].push_back(s.name);
        continue;
      }
      bool disabled = contains(desired.inactive_services, d.service);
      std::string what =
          "service \"" + s.name + "\" depends on " +
          (disabled ? "service \"" + d.service + "\", which is disabled by its profile"
                    : "undefined service \"" + d.service + "\"");
      if (d.required) throw Error(what);
      g.warnings.push_back(what + " (optional: ignored)");
    }
  }
}

// Depth-first search that reports the first cycle as "a -> b -> a".
void find_cycle(const ServiceGraph& g, const std::string& name, std::map<std::string, int>& color,
                std::vector<std::string>& path) {
  color[name] = 1;
  path.push_back(name);
  for (const auto& d : g.deps.at(name)) {
    if (color[d.service] == 1) {
      auto from = std::find(path.begin(), path.end(), d.service);
      std::string cycle;
      for (auto it = from; it != path.end(); ++it) cycle += *it + " -> ";
      throw Error("dependency cycle between services: " + cycle + d.service);
    }
    if (color[d.service] == 0) find_cycle(g, d.service, color, path);
  }
  path.pop_back();
  color[name] = 2;
}

// Kahn's algorithm over a name-ordered ready set, for a stable order.
std::vector<std::string> topological(const ServiceGraph& g) {
  std::map<std::string, std::size_t> pending;
  std::set<std::string> ready;
  for (const auto& [name, deps] : g.deps) {
    pending[name] = deps.size();
    if (deps.empty()) ready.insert(name);
  }
  std::vector<std::string> order;
  while (!ready.empty()) {
    std::string next = *ready.begin();
    ready.erase(ready.begin());
    order.push_back(next);
    auto it = g.dependants.find(next);
    if (it == g.dependants.end()) continue;
    for (const auto& dependant : it->second)
      if (--pending[dependant] == 0) ready.insert(dependant);
  }
  return order;
}

}  // namespace

ServiceGraph build_graph(const DesiredState& desired) {
  ServiceGraph g;
  for (const auto& s : desired.services)
    if (!g.by_name.emplace(s.name, &s).second)
      throw Error("service \"" + s.name + "\" is defined twice");
  add_dependencies(desired, g);
  std::map<std::string, int> color;
  std::vector<std::string> path;
  for (const auto& [name, _] : g.by_name)
    if (color[name] == 0) find_cycle(g, name, color, path);
  g.order = topological(g);
  return g;
}

std::set<std::string> with_dependencies(const ServiceGraph& graph,
                                        const std::vector<std::string>& names) {
  std::set<std::string> out;
  std::vector<std::string> todo(names.begin(), names.end());
  while (!todo.empty()) {
    std::string name = todo.back();
    todo.pop_back();
    if (!out.insert(name).second) continue;
    for (const auto& d : graph.deps.at(name)) todo.push_back(d.service);
  }
  return out;
}

std::vector<const ObservedContainer*> find_orphans(const DesiredState& desired,
                                                   const ServiceGraph& graph,
                                                   const ObservedState& observed) {
  std::vector<const ObservedContainer*> out;
  for (const auto& c : observed.containers)
    if (!graph.by_name.count(c.service) && !contains(desired.inactive_services, c.service))
      out.push_back(&c);
  std::sort(out.begin(), out.end(), [](auto* a, auto* b) {
    return a->service != b->service ? a->service < b->service : a->number > b->number;
  });
  return out;
}

std::string orphan_warning(const std::vector<const ObservedContainer*>& orphans) {
  std::set<std::string> names;
  for (auto* c : orphans) names.insert(c->service);
  std::string list;
  for (const auto& n : names) list += (list.empty() ? "" : ", ") + n;
  return "orphan containers found for service" + std::string(names.size() > 1 ? "s " : " ") + list +
         ": run with --remove-orphans to remove them";
}

std::string orphan_reason(const ObservedContainer& c) {
  return "orphan: service '" + c.service + "' is no longer in the project";
}

std::size_t add_action(Plan& plan, Action a) {
  std::sort(a.after.begin(), a.after.end());
  a.after.erase(std::unique(a.after.begin(), a.after.end()), a.after.end());
  plan.actions.push_back(std::move(a));
  return plan.actions.size() - 1;
}

std::string short_hash(const std::string& hash) {
  return hash.empty() ? "none" : hash.substr(0, 12);
}

}  // namespace lit::reconciler::detail

namespace lit::reconciler {

std::vector<std::string> service_order(const DesiredState& desired) {
  return detail::build_graph(desired).order;
}

}  // namespace lit::reconciler
