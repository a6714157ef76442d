#include "reconciler/plan_service.hpp"

#include <algorithm>
#include <map>
#include <set>
#include <tuple>

#include "reconciler/plan_graph.hpp"
#include "runtime/util/error.hpp"

namespace lit::reconciler::detail {
namespace {

using runtime::ContainerStatus;

bool is_up(const ObservedContainer& c) {
  return c.status == ContainerStatus::Running || c.status == ContainerStatus::Restarting ||
         c.status == ContainerStatus::Paused;
}

// Among containers claiming the same replica number (a crash mid-recreate can
// leave two), keep the one that needs the least work.
const ObservedContainer* best_of(const std::vector<const ObservedContainer*>& same,
                                 const std::string& name, const std::string& hash) {
  auto rank = [&](const ObservedContainer* c) {
    return std::make_tuple(c->name == name, c->hash == hash, is_up(*c), c->id);
  };
  return *std::max_element(same.begin(), same.end(),
                           [&](auto* a, auto* b) { return rank(a) < rank(b); });
}

std::string stopped_reason(const ObservedContainer& c) {
  if (c.status == ContainerStatus::Created) return "created, never started";
  if (c.status == ContainerStatus::Exited) return "exited with code " + std::to_string(c.exit_code);
  return std::string(runtime::to_string(c.status));
}

std::optional<Step> replica_step(const ObservedContainer& c, const DesiredService& s,
                                 const std::string& name, const UpOptions& opts) {
  std::string why;
  if (opts.force_recreate) {
    why = "forced (--force-recreate)";
  } else if (!opts.no_recreate && c.hash != s.hash) {
    why = "config changed (hash " + short_hash(c.hash) + " -> " + short_hash(s.hash) + ")";
  } else if (!opts.no_recreate && c.name != name) {
    why = "name changed (" + c.name + " -> " + name + ")";
  }
  Step step{.container = &c, .number = c.number, .name = name};
  if (!why.empty()) {
    step.kind = ActionKind::RecreateContainer;
    step.reason = why;
    return step;
  }
  if (is_up(c)) return std::nullopt;
  step.kind = ActionKind::StartContainer;
  step.name = c.name;
  step.reason = stopped_reason(c);
  return step;
}

Step removal(const ObservedContainer& c, std::string reason) {
  return {.kind = ActionKind::RemoveContainer,
          .container = &c,
          .number = c.number,
          .name = c.name,
          .reason = std::move(reason)};
}

}  // namespace

ServicePlan plan_service(const std::string& project, const DesiredService& s, int replicas,
                         const std::vector<const ObservedContainer*>& containers,
                         const UpOptions& opts) {
  if (s.container_name && replicas > 1)
    throw Error("service \"" + s.name + "\" sets container_name \"" + *s.container_name +
                "\" and cannot have " + std::to_string(replicas) +
                " replicas: container names must be unique");
  ServicePlan out;
  const char separator = opts.compatibility ? '_' : '-';
  std::map<int, std::vector<const ObservedContainer*>> by_number;
  for (auto* c : containers) {
    if (c->number < 1)
      out.removals.push_back(removal(*c, "no valid replica number label"));
    else
      by_number[c->number].push_back(c);
  }
  std::vector<const ObservedContainer*> kept;  // ascending numbers
  for (const auto& [number, same] : by_number) {
    const ObservedContainer* best =
        best_of(same, container_name(project, s, number, separator), s.hash);
    for (auto* c : same)
      if (c != best)
        out.removals.push_back(removal(*c, "duplicate of replica " + std::to_string(number)));
    kept.push_back(best);
  }
  std::size_t want = static_cast<std::size_t>(replicas);
  for (std::size_t i = kept.size(); i > want; --i)
    out.removals.push_back(removal(*kept[i - 1], "scaled down from " + std::to_string(kept.size()) +
                                                     " to " + std::to_string(replicas)));
  if (kept.size() > want) kept.resize(want);

  std::set<int> used;
  for (auto* c : kept) {
    std::string name = container_name(project, s, c->number, separator);
    // Named with the other separator (before or after --compatibility): the
    // same replica, as compose sees it (by its labels); it keeps its name.
    if (c->name == container_name(project, s, c->number, separator == '_' ? '-' : '_'))
      name = c->name;
    out.replicas.push_back({.number = c->number,
                            .name = name,
                            .existing = c,
                            .step = replica_step(*c, s, name, opts)});
    used.insert(c->number);
  }
  for (int n = 1; out.replicas.size() < want; ++n) {
    if (used.count(n)) continue;
    std::string name = container_name(project, s, n, separator);
    out.replicas.push_back(
        {.number = n,
         .name = name,
         .step = Step{
             .kind = ActionKind::CreateContainer, .number = n, .name = name, .reason = "missing"}});
  }
  std::sort(out.replicas.begin(), out.replicas.end(),
            [](const auto& a, const auto& b) { return a.number < b.number; });
  return out;
}

}  // namespace lit::reconciler::detail

namespace lit::reconciler {

std::string container_name(const std::string& project, const DesiredService& service, int number,
                           char separator) {
  if (service.container_name) return *service.container_name;
  return project + separator + service.name + separator + std::to_string(number);
}

}  // namespace lit::reconciler
