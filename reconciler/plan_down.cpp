// plan_down: the project's containers removed dependants first (a service's
// containers wait for those of every service that depends on it), then its
// networks, then with -v its volumes. External networks and volumes are kept.
#include <algorithm>
#include <set>

#include "reconciler/plan.hpp"
#include "reconciler/plan_graph.hpp"
#include "runtime/util/error.hpp"

namespace lit::reconciler {
namespace {

Action removal(const ObservedContainer& c, std::string reason) {
  return {.kind = ActionKind::RemoveContainer,
          .target = c.name,
          .service = c.service,
          .number = c.number,
          .container_id = c.id,
          .reason = std::move(reason)};
}

bool declared_external(const DesiredState& d, const std::string& name) {
  return std::any_of(d.networks.begin(), d.networks.end(),
                     [&](const auto& n) { return n.external && n.name == name; }) ||
         std::any_of(d.volumes.begin(), d.volumes.end(),
                     [&](const auto& v) { return v.external && v.name == name; });
}

std::vector<const ObservedContainer*> containers_of(const ObservedState& o,
                                                    const std::string& service) {
  std::vector<const ObservedContainer*> out;
  for (const auto& c : o.containers)
    if (c.service == service) out.push_back(&c);
  std::sort(out.begin(), out.end(), [](auto* a, auto* b) { return a->number > b->number; });
  return out;
}

}  // namespace

Plan plan_down(const DesiredState& desired, const ObservedState& observed,
               const DownOptions& opts) {
  detail::ServiceGraph g = detail::build_graph(desired);
  Plan plan;
  plan.warnings = g.warnings;
  std::set<std::string> removed;  // container ids
  auto remove = [&](const ObservedContainer& c, std::string reason,
                    std::vector<std::size_t> after) {
    Action a = removal(c, std::move(reason));
    a.after = std::move(after);
    removed.insert(c.id);
    return detail::add_action(plan, std::move(a));
  };
  const bool some = !opts.services.empty();
  auto chosen = [&](const std::string& service) {
    return !some ||
           std::find(opts.services.begin(), opts.services.end(), service) != opts.services.end();
  };
  for (const auto& s : opts.services)
    if (!g.by_name.count(s)) throw Error("no such service: " + s);
  auto orphans = detail::find_orphans(desired, g, observed);
  if (some && !opts.remove_orphans) orphans.clear();  // not this command's business
  if (opts.remove_orphans)
    for (auto* c : orphans) remove(*c, detail::orphan_reason(*c), {});
  else if (!orphans.empty())
    plan.warnings.push_back(detail::orphan_warning(orphans));
  if (!some)
    for (const auto& name : desired.inactive_services)
      for (auto* c : containers_of(observed, name)) remove(*c, "", {});

  // Reverse dependency order; a service with no containers passes its
  // dependants' removals on, so a -> b -> c still removes a before c.
  std::map<std::string, std::vector<std::size_t>> done;
  for (auto it = g.order.rbegin(); it != g.order.rend(); ++it) {
    std::vector<std::size_t> prereq, mine;
    auto deps = g.dependants.find(*it);
    if (deps != g.dependants.end())
      for (const auto& d : deps->second)
        prereq.insert(prereq.end(), done[d].begin(), done[d].end());
    if (chosen(*it))
      for (auto* c : containers_of(observed, *it)) mine.push_back(remove(*c, "", prereq));
    done[*it] = mine.empty() ? prereq : mine;
  }
  if (some) return plan;

  std::vector<std::size_t> all_containers(plan.actions.size());
  for (std::size_t i = 0; i < all_containers.size(); ++i) all_containers[i] = i;
  for (const auto& n : observed.networks) {
    if (declared_external(desired, n.name)) continue;
    std::vector<std::string> users;
    for (const auto& id : n.attached)
      if (!removed.count(id)) users.push_back(id.substr(0, 12));
    if (!users.empty()) {
      std::string list;
      for (const auto& u : users) list += (list.empty() ? "" : ", ") + u;
      plan.warnings.push_back("network " + n.name + " is still used by container " + list +
                              ": not removed");
      continue;
    }
    detail::add_action(
        plan, {.kind = ActionKind::RemoveNetwork, .target = n.name, .after = all_containers});
  }
  if (opts.volumes)
    for (const auto& v : observed.volumes)
      if (!declared_external(desired, v.name))
        detail::add_action(
            plan, {.kind = ActionKind::RemoveVolume, .target = v.name, .after = all_containers});
  return plan;
}

}  // namespace lit::reconciler
