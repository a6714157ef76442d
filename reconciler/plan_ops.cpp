// The plans of `lit run` (its dependencies) and `lit start/stop/restart`:
// pure, like plan_up and plan_down, so the applier runs them with the same
// ordering, parallelism and depends_on conditions.
#include <algorithm>
#include <optional>
#include <set>

#include "reconciler/plan.hpp"
#include "reconciler/plan_graph.hpp"
#include "runtime/util/error.hpp"

namespace lit::reconciler {
namespace {

bool container_action(ActionKind k) {
  return k != ActionKind::CreateNetwork && k != ActionKind::RecreateNetwork &&
         k != ActionKind::RemoveNetwork && k != ActionKind::CreateVolume &&
         k != ActionKind::RemoveVolume;
}

bool running(const ObservedContainer& c) {
  return c.status == runtime::ContainerStatus::Running ||
         c.status == runtime::ContainerStatus::Restarting;
}

std::vector<const ObservedContainer*> replicas_of(const ObservedState& o,
                                                  const std::string& service) {
  std::vector<const ObservedContainer*> out;
  for (const auto& c : o.containers)
    if (c.service == service && !c.oneoff) out.push_back(&c);
  std::sort(out.begin(), out.end(), [](auto* a, auto* b) { return a->number < b->number; });
  return out;
}

}  // namespace

Plan plan_run_dependencies(const DesiredState& desired, const ObservedState& observed,
                           const std::string& service, bool with_dependencies) {
  Plan full = plan_up(desired, observed, {.services = {service}});
  Plan out;
  out.warnings = full.warnings;
  std::vector<std::optional<std::size_t>> index(full.actions.size());
  for (std::size_t i = 0; i < full.actions.size(); ++i) {
    const Action& a = full.actions[i];
    if (container_action(a.kind) && (a.service == service || !with_dependencies)) continue;
    Action kept = a;
    kept.after.clear();
    for (std::size_t before : a.after)
      if (index[before]) kept.after.push_back(*index[before]);
    index[i] = detail::add_action(out, std::move(kept));
  }
  return out;
}

Plan plan_lifecycle(const DesiredState& desired, const ObservedState& observed, Lifecycle what,
                    const std::vector<std::string>& services) {
  detail::ServiceGraph g = detail::build_graph(desired);
  for (const auto& name : services)
    if (!g.by_name.count(name)) throw Error("no such service: " + name);
  std::set<std::string> selected(services.begin(), services.end());
  if (selected.empty()) selected.insert(g.order.begin(), g.order.end());

  Plan plan;
  // A service is done after its own actions, or when it has none, after those
  // it passes on (as plan_down does), so a -> b -> c keeps its order.
  std::map<std::string, std::vector<std::size_t>> done;
  auto visit = [&](const std::string& name, const std::vector<std::string>& before) {
    std::vector<std::size_t> prereq, mine;
    for (const auto& b : before) prereq.insert(prereq.end(), done[b].begin(), done[b].end());
    if (selected.count(name)) {
      for (const ObservedContainer* c : replicas_of(observed, name)) {
        Action a{.target = c->name, .service = name, .number = c->number, .container_id = c->id};
        if (what == Lifecycle::Stop) {
          if (!running(*c)) continue;
          a.kind = ActionKind::StopContainer;
        } else if (what == Lifecycle::Start) {
          if (running(*c)) continue;
          a.kind = ActionKind::StartContainer;
          a.wait_for = g.deps.at(name);
        } else {
          a.kind = ActionKind::RestartContainer;
        }
        a.after = prereq;
        mine.push_back(detail::add_action(plan, std::move(a)));
      }
    }
    done[name] = mine.empty() ? prereq : mine;
  };
  if (what == Lifecycle::Stop) {
    for (auto it = g.order.rbegin(); it != g.order.rend(); ++it) {
      auto d = g.dependants.find(*it);
      visit(*it, d == g.dependants.end() ? std::vector<std::string>{} : d->second);
    }
  } else {
    for (const auto& name : g.order) {
      std::vector<std::string> deps;
      for (const auto& d : g.deps.at(name)) deps.push_back(d.service);
      visit(name, deps);
    }
  }
  return plan;
}

}  // namespace lit::reconciler
