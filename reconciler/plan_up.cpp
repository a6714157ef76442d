// plan_up: compose v2's convergence as a pure function. Per service, replicas
// are matched to containers by number; a container is kept when its hash
// matches (started if stopped), recreated when it does not, and extra ones are
// removed highest number first.
#include <algorithm>
#include <set>

#include "reconciler/plan.hpp"
#include "reconciler/plan_graph.hpp"
#include "reconciler/plan_service.hpp"
#include "runtime/util/error.hpp"

namespace lit::reconciler {
namespace {

using detail::ReplicaPlan;
using detail::ServiceGraph;
using detail::ServicePlan;

std::string quoted(const std::string& s) { return "\"" + s + "\""; }

void check_options(const ServiceGraph& g, const DesiredState& desired, const UpOptions& opts) {
  if (opts.force_recreate && opts.no_recreate)
    throw Error("--force-recreate and --no-recreate cannot be used together");
  if (opts.always_recreate_deps && opts.no_recreate)
    throw Error("--always-recreate-deps and --no-recreate are incompatible");
  for (const auto& [name, n] : opts.scale) {
    if (!g.by_name.count(name))
      throw Error("--scale " + name + "=" + std::to_string(n) + ": no such service " +
                  quoted(name));
    if (n < 0)
      throw Error("--scale " + name + "=" + std::to_string(n) + ": replicas cannot be negative");
  }
  for (const auto& name : opts.services) {
    if (g.by_name.count(name)) continue;
    bool disabled = std::find(desired.inactive_services.begin(), desired.inactive_services.end(),
                              name) != desired.inactive_services.end();
    throw Error("no such service: " + name + (disabled ? " (it is disabled by its profile)" : ""));
  }
}

// The networks and volumes to ensure: all the project's, or with selected
// services only theirs.
struct NeededResources {
  std::vector<const DesiredNetwork*> networks;
  std::vector<const DesiredVolume*> volumes;
};

NeededResources needed_resources(const DesiredState& desired, const ServiceGraph& g,
                                 const std::set<std::string>& selected, bool all) {
  std::set<std::string> nets, vols;
  for (const auto& name : selected) {
    const DesiredService& s = *g.by_name.at(name);
    for (const auto& n : s.networks) {
      bool known = std::any_of(desired.networks.begin(), desired.networks.end(),
                               [&](const auto& d) { return d.name == n; });
      if (!known) throw Error("service " + quoted(name) + " uses undefined network " + quoted(n));
      nets.insert(n);
    }
    for (const auto& v : s.volumes) {
      bool known = std::any_of(desired.volumes.begin(), desired.volumes.end(),
                               [&](const auto& d) { return d.name == v; });
      if (!known) throw Error("service " + quoted(name) + " uses undefined volume " + quoted(v));
      vols.insert(v);
    }
  }
  NeededResources r;
  for (const auto& n : desired.networks)
    if (all || nets.count(n.name)) r.networks.push_back(&n);
  for (const auto& v : desired.volumes)
    if (all || vols.count(v.name)) r.volumes.push_back(&v);
  return r;
}

Action container_action(const detail::Step& step, const std::string& service) {
  Action a{.kind = step.kind, .target = step.name, .service = service, .number = step.number};
  if (step.container) a.container_id = step.container->id;
  a.reason = step.reason;
  return a;
}

struct UpPlanner {
  const DesiredState& desired;
  const ObservedState& observed;
  const UpOptions& opts;
  ServiceGraph g;
  std::set<std::string> selected{};
  std::map<std::string, ServicePlan> services{};
  std::vector<const ObservedContainer*> orphans{};
  Plan plan{};
  std::map<std::string, std::size_t> removed{};          // container id -> its remove action
  std::map<std::string, std::size_t> resource_action{};  // network/volume name -> action

  // compose's recreate strategies: the selected services' (--force-recreate,
  // --no-recreate) and their dependencies' (--always-recreate-deps, --no-recreate).
  UpOptions options_for(const std::string& service) const {
    UpOptions o = opts;
    bool dependency_only =
        !opts.services.empty() &&
        std::find(opts.services.begin(), opts.services.end(), service) == opts.services.end();
    if (dependency_only) o.force_recreate = opts.always_recreate_deps && !opts.no_recreate;
    return o;
  }

  void plan_services() {
    std::map<std::string, std::vector<const ObservedContainer*>> by_service;
    for (const auto& c : observed.containers) by_service[c.service].push_back(&c);
    for (const auto& name : g.order) {
      if (!selected.count(name)) continue;
      const DesiredService& s = *g.by_name.at(name);
      auto it = opts.scale.find(name);
      int replicas = it == opts.scale.end() ? s.replicas : it->second;
      services[name] =
          detail::plan_service(desired.project, s, replicas, by_service[name], options_for(name));
    }
  }

  void emit_removals() {
    if (opts.remove_orphans) {
      for (auto* c : orphans)
        removed[c->id] = add({.kind = ActionKind::RemoveContainer,
                              .target = c->name,
                              .service = c->service,
                              .number = c->number,
                              .container_id = c->id,
                              .reason = detail::orphan_reason(*c)});
    } else if (!orphans.empty()) {
      plan.warnings.push_back(detail::orphan_warning(orphans));
    }
    for (const auto& name : g.order) {
      if (!selected.count(name)) continue;
      for (const auto& step : services[name].removals)
        removed[step.container->id] = add(container_action(step, name));
    }
  }

  // A kept container attached to a changed network is removed before the
  // network is recreated and created again after; anything else attached is an error.
  void free_network(const ObservedNetwork& net) {
    for (const auto& id : net.attached) {
      if (removed.count(id)) continue;
      if (replace_for_network(id, net.name)) continue;
      const ObservedContainer* c = nullptr;
      for (const auto& o : observed.containers)
        if (o.id == id) c = &o;
      bool orphan = c && !g.by_name.count(c->service);
      throw Error("network " + net.name + " has a changed configuration, but " +
                  (c ? "container " + c->name : "container " + id.substr(0, 12)) +
                  " still uses it and would be left without it")
          .with_hint(orphan ? "run with --remove-orphans"
                            : "stop and remove that container, or run `lit down` first");
    }
  }

  bool replace_for_network(const std::string& id, const std::string& network) {
    for (auto& [svc, sp] : services)
      for (auto& r : sp.replicas) {
        if (!r.existing || r.existing->id != id) continue;
        detail::Step remove{.kind = ActionKind::RemoveContainer,
                            .container = r.existing,
                            .number = r.number,
                            .name = r.existing->name,
                            .reason = "network " + network + " is recreated"};
        removed[id] = add(container_action(remove, svc));
        r.step = detail::Step{.kind = ActionKind::CreateContainer,
                              .number = r.number,
                              .name = r.name,
                              .reason = "network " + network + " was recreated"};
        return true;
      }
    return false;
  }

  void emit_networks(const NeededResources& r) {
    for (const DesiredNetwork* n : r.networks) {
      auto it = std::find_if(observed.networks.begin(), observed.networks.end(),
                             [&](const auto& o) { return o.name == n->name; });
      if (n->external) {
        if (it == observed.networks.end())
          throw Error("network " + n->name + " is declared as external, but could not be found")
              .with_hint("create it with `lit network create " + n->name + "`");
        continue;
      }
      if (it == observed.networks.end()) {
        resource_action[n->name] =
            add({.kind = ActionKind::CreateNetwork, .target = n->name, .reason = "missing"});
        continue;
      }
      if (it->project != desired.project) {  // as compose: used as it is, with a warning
        plan.warnings.push_back("a network with name " + n->name +
                                " exists but was not created for project \"" + desired.project +
                                "\"; set `external: true` to use an existing network");
        continue;
      }
      if (it->hash == n->hash) continue;
      std::string reason = "config changed (hash " + detail::short_hash(it->hash) + " -> " +
                           detail::short_hash(n->hash) + ")";
      free_network(*it);
      Action a{.kind = ActionKind::RecreateNetwork, .target = n->name, .reason = reason};
      for (const auto& id : it->attached) a.after.push_back(removed.at(id));
      resource_action[n->name] = add(std::move(a));
    }
  }

  void emit_volumes(const NeededResources& r) {
    for (const DesiredVolume* v : r.volumes) {
      bool exists = std::any_of(observed.volumes.begin(), observed.volumes.end(),
                                [&](const auto& o) { return o.name == v->name; });
      if (exists) continue;
      if (v->external)
        throw Error("volume " + v->name + " is declared as external, but could not be found")
            .with_hint("create it with `lit volume create " + v->name + "`");
      resource_action[v->name] =
          add({.kind = ActionKind::CreateVolume, .target = v->name, .reason = "missing"});
    }
  }

  // A service is "done" after its own actions or, when it has none, after its
  // dependencies' (so a chain a -> b -> c still orders a after c).
  void emit_services() {
    std::map<std::string, std::vector<std::size_t>> done;
    for (const auto& name : g.order) {
      if (!selected.count(name)) continue;
      std::vector<std::size_t> prereq = prerequisites(name, done), mine;
      if (!opts.no_start) add_restarts(name);
      std::vector<std::size_t> updates;  // this service's recreations, by number
      for (ReplicaPlan& r : services[name].replicas) {
        if (!r.step || (opts.no_start && r.step->kind == ActionKind::StartContainer)) continue;
        if (start_first(*g.by_name.at(name), r)) {
          r.step->kind = ActionKind::ReplaceContainer;
          r.step->reason += "; start-first";
        }
        Action a = container_action(*r.step, name);
        a.start = !opts.no_start;
        // Created only, nothing to wait for; --no-deps waits only on what it manages.
        if (!opts.no_start)
          for (const auto& d : g.deps.at(name))
            if (!opts.no_deps || selected.count(d.service)) a.wait_for.push_back(d);
        a.after = prereq;
        bool update =
            a.kind == ActionKind::RecreateContainer || a.kind == ActionKind::ReplaceContainer;
        if (update) a.update = g.by_name.at(name)->update;
        mine.push_back(add(std::move(a)));
        if (update) updates.push_back(mine.back());
      }
      in_batches(*g.by_name.at(name), updates);
      if (mine.empty())
        for (const auto& d : g.deps.at(name))
          mine.insert(mine.end(), done[d.service].begin(), done[d.service].end());
      done[name] = std::move(mine);
    }
  }

  // update_config.order start-first for a running container whose
  // replacement can run beside it; else stop-first, said once per service
  // when start-first was asked.
  bool start_first(const DesiredService& s, const ReplicaPlan& r) {
    if (!s.update || s.update->order != UpdateOrder::StartFirst) return false;
    if (r.step->kind != ActionKind::RecreateContainer || opts.no_start) return false;
    if (!r.existing || r.existing->status != runtime::ContainerStatus::Running) return false;
    if (s.start_first_conflict.empty()) return true;
    std::string warning = "service " + s.name +
                          ": update_config.order start-first falls back to stop-first: two "
                          "containers cannot both hold " +
                          s.start_first_conflict;
    if (std::find(plan.warnings.begin(), plan.warnings.end(), warning) == plan.warnings.end())
      plan.warnings.push_back(warning);
    return false;
  }

  // update_config: the service's recreations in batches of `parallelism` (0:
  // one batch), each after the one before and `delay` later, as swarm rolls.
  void in_batches(const DesiredService& s, const std::vector<std::size_t>& updates) {
    if (!s.update) return;  // compose: all at once
    const std::size_t size = s.update->parallelism > 0
                                 ? static_cast<std::size_t>(s.update->parallelism)
                                 : updates.size();
    for (std::size_t i = size; i < updates.size(); ++i) {
      Action& a = plan.actions[updates[i]];
      const std::size_t batch_start = (i / size - 1) * size;
      for (std::size_t j = batch_start; j < batch_start + size; ++j) a.after.push_back(updates[j]);
      a.delay = s.update->delay;
    }
  }

  std::vector<std::size_t> prerequisites(const std::string& name,
                                         std::map<std::string, std::vector<std::size_t>>& done) {
    const DesiredService& s = *g.by_name.at(name);
    std::vector<std::size_t> out;
    for (const auto& d : g.deps.at(name))
      out.insert(out.end(), done[d.service].begin(), done[d.service].end());
    for (const auto& n : s.networks)
      if (resource_action.count(n)) out.push_back(resource_action[n]);
    for (const auto& v : s.volumes)
      if (resource_action.count(v)) out.push_back(resource_action[v]);
    return out;
  }

  // depends_on restart: true: running containers left as they are restart
  // when that dependency's containers are replaced (as compose does).
  void add_restarts(const std::string& name) {
    std::string because;
    for (const auto& d : g.deps.at(name))
      if (d.restart && replaced(d.service)) because = d.service;
    if (because.empty()) return;
    for (ReplicaPlan& r : services[name].replicas)
      if (!r.step && r.existing)
        r.step = detail::Step{.kind = ActionKind::RestartContainer,
                              .container = r.existing,
                              .number = r.number,
                              .name = r.name,
                              .reason = "dependency '" + because + "' was recreated"};
  }

  bool replaced(const std::string& service) {
    for (const ReplicaPlan& r : services[service].replicas)
      if (r.step && r.existing &&
          (r.step->kind == ActionKind::RecreateContainer ||
           r.step->kind == ActionKind::ReplaceContainer ||
           r.step->kind == ActionKind::CreateContainer))
        return true;
    return false;
  }

  std::size_t add(Action a) { return detail::add_action(plan, std::move(a)); }

  Plan run() {
    check_options(g, desired, opts);
    if (opts.services.empty())
      selected = std::set<std::string>(g.order.begin(), g.order.end());
    else if (opts.no_deps)
      selected = std::set<std::string>(opts.services.begin(), opts.services.end());
    else
      selected = detail::with_dependencies(g, opts.services);
    NeededResources r = needed_resources(desired, g, selected, opts.services.empty());
    plan.warnings = g.warnings;
    plan_services();
    orphans = detail::find_orphans(desired, g, observed);
    emit_removals();
    emit_networks(r);
    emit_volumes(r);
    emit_services();
    return std::move(plan);
  }
};

}  // namespace

Plan plan_up(const DesiredState& desired, const ObservedState& observed, const UpOptions& opts) {
  // One-off containers (lit run) are neither replicas nor orphans, as in compose.
  ObservedState replicas = observed;
  std::erase_if(replicas.containers, [](const ObservedContainer& c) { return c.oneoff; });
  UpPlanner p{
      .desired = desired, .observed = replicas, .opts = opts, .g = detail::build_graph(desired)};
  return p.run();
}

}  // namespace lit::reconciler
