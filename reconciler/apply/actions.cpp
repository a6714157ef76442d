#include "reconciler/apply/actions.hpp"

#include <algorithm>
#include <filesystem>
#include <functional>
#include <map>
#include <optional>
#include <thread>

#include "network/manager.hpp"
#include "network/store.hpp"
#include "reconciler/apply/copy_image.hpp"
#include "reconciler/apply/hooks.hpp"
#include "reconciler/apply/replica_request.hpp"
#include "reconciler/labels.hpp"
#include "reconciler/observe.hpp"
#include "runtime/events/journal.hpp"
#include "runtime/lifecycle/control.hpp"
#include "runtime/lifecycle/detached.hpp"
#include "runtime/lifecycle/lifecycle.hpp"
#include "runtime/lifecycle/networking.hpp"
#include "runtime/state/record.hpp"
#include "runtime/state/record_store.hpp"
#include "runtime/util/error.hpp"
#include "runtime/util/fs.hpp"
#include "runtime/volume/volumes.hpp"

namespace lit::reconciler {

namespace fs = std::filesystem;
using runtime::ContainerRecord;

namespace {

ConditionState holds() { return {ConditionState::Kind::Holds}; }
ConditionState waiting() { return {ConditionState::Kind::Waiting}; }
ConditionState never(std::string why) { return {ConditionState::Kind::Never, std::move(why)}; }

void remove_container(const Paths& paths, const std::string& id, std::optional<int> stop_timeout,
                      ActionContext& ctx, const std::function<void()>& pre_stop) {
  runtime::RecordStore records(paths);
  auto rec = records.read(id);
  if (!rec) return;  // gone meanwhile
  ctx.step("Stopping");
  pre_stop();
  runtime::stop_container(paths, *rec, stop_timeout);
  ctx.step("Removing");
  if (auto again = records.read(id)) runtime::remove_container(paths, *again, true, false);
}

// network_mode service:NAME joins NAME's first running replica (its id), as
// docker compose does; `key` names the setting in the error. volumes_from
// SERVICE takes the first replica in any state (a data container may have exited).
std::string network_of_service(const Paths& paths, const std::string& project,
                               const std::string& service,
                               const std::string& key = "network_mode service:",
                               bool running = true) {
  auto replicas = project_containers(paths, project, {.service = service});
  const ContainerRecord* first = nullptr;
  int first_number = 0;
  for (const auto& [rec, st] : replicas) {
    if (running && st.status != runtime::ContainerStatus::Running) continue;
    auto l = rec.labels.find(kNumberLabel);
    int number = l == rec.labels.end() ? 0 : std::atoi(l->second.c_str());
    if (!first || number < first_number) first = &rec, first_number = number;
  }
  if (!first)
    throw Error(key + service + ": service " + service + " has no " + (running ? "running " : "") +
                "container")
        .with_hint("start it first (lit up " + service + ")");
  return first->id;
}

// pid / ipc service:NAME and volumes_from SERVICE: that service's first replica.
void resolve_shared_services(const Paths& paths, const std::string& project, ReplicaRequest& rr) {
  using runtime::NamespaceMode;
  if (!rr.pid_service.empty())
    rr.request.pid = {NamespaceMode::Container,
                      network_of_service(paths, project, rr.pid_service, "pid service:")};
  if (!rr.ipc_service.empty())
    rr.request.ipc = {NamespaceMode::Container,
                      network_of_service(paths, project, rr.ipc_service, "ipc service:")};
  for (const auto& v : rr.volumes_from_services)
    rr.request.volumes_from.push_back(
        {network_of_service(paths, project, v.container, "volumes_from ", false), v.read_only});
}

// A container's anonymous volumes by the path they are mounted at.
using AnonymousVolumes = std::map<std::string, std::string>;

AnonymousVolumes anonymous_volumes_of(const Paths& paths, const std::string& id) {
  AnonymousVolumes out;
  auto rec = runtime::RecordStore(paths).read(id);
  if (!rec) return out;
  for (const auto& name : rec->anonymous_volumes) {
    const std::string source = (runtime::volumes_dir(paths) / name / "_data").string();
    for (const auto& m : rec->spec.mounts)
      if (m.source == source) out[m.destination] = name;
  }
  return out;
}

// Whether the container joins another service's container when it is made
// (network_mode, pid or ipc service:, volumes_from): that one must exist first.
bool joins_other_containers(const ReplicaRequest& rr) {
  return !rr.network_service.empty() || !rr.pid_service.empty() || !rr.ipc_service.empty() ||
         !rr.volumes_from_services.empty();
}

// Returns the new container's id. As with docker compose, the container is
// made at once and only its start waits for its dependencies (the wait is the
// services' own; the container is ready to go when it ends). One that joins
// another service's container waits before it is made.
std::string create_container(const Paths& paths, const Project& project, const Desired& desired,
                             const Action& a, ActionContext& ctx,
                             const AnonymousVolumes& inherited = {}) {
  const Service& s = project.services.at(a.service);
  if (!s.copy.empty()) ensure_copy_image(paths, project, s);
  ReplicaRequest rr = replica_request(project, s, a.target, a.number, desired.hashes.at(a.service));
  if (auto slim = desired.slim_images.find(a.service); slim != desired.slim_images.end())
    rr.request.image = slim->second;  // optimize.shrink_image, verified (desired.hpp)
  for (auto& v : rr.request.volumes)  // the predecessor's data, as compose
    if (auto it = inherited.find(v.destination);
        v.kind == runtime::VolumeMount::Kind::Anonymous && it != inherited.end())
      v.source = it->second;
  const bool wait_first = joins_other_containers(rr);
  if (wait_first) ctx.wait_for_dependencies();
  if (!rr.network_service.empty()) {
    rr.request.network = {};
    rr.request.network.mode = runtime::NetworkMode::Container;
    rr.request.network.name = network_of_service(paths, project.name, rr.network_service);
  }
  resolve_shared_services(paths, project.name, rr);
  ctx.step("Creating");
  // A container that cannot start stays, as with docker compose, so its
  // error is in `inspect`; the next `up` retries it.
  ContainerRecord rec = create_replica(paths, rr);
  if (!a.start) return rec.id;  // --no-start, `lit create`
  // Waiting for healthy dependencies, its start is made ready once they have
  // started (not before: their own starts come first), and held until they
  // are healthy; then only the init's own start is left. A failed wait lets
  // the held start go: the container stays Created.
  std::optional<runtime::HeldStart> held;
  if (!wait_first && ctx.wait_for_dependencies_started()) held.emplace(paths, rec);
  if (!wait_first) ctx.wait_for_dependencies();
  ctx.step("Starting");
  if (held)
    held->release();
  else
    runtime::launch_supervisor(paths, rec);
  return rec.id;
}

// How long a new container of s may take to become ready: its health
// check's own timing (docker's defaults where unset: an image's check, too).
std::chrono::milliseconds ready_bound(const Service& s) {
  using std::chrono::milliseconds;
  using std::chrono::nanoseconds;
  auto ms = [](const std::optional<Duration>& d, std::chrono::seconds fallback) {
    return d ? std::chrono::duration_cast<milliseconds>(nanoseconds(d->nanoseconds))
             : milliseconds(fallback);
  };
  const Healthcheck h = s.healthcheck.value_or(Healthcheck{});
  const auto period =
      ms(h.interval, std::chrono::seconds(30)) + ms(h.timeout, std::chrono::seconds(30));
  return ms(h.start_period, std::chrono::seconds(0)) + period * (h.retries.value_or(3) + 1);
}

// update_config: the new container `id` must become ready (healthy, or
// running without a health check) within ready_bound, then stay so for
// `monitor`; throws why not.
void await_ready(const Paths& paths, const Project& project, const Service& s,
                 const std::string& id, std::chrono::milliseconds monitor, ActionContext& ctx) {
  using clock = std::chrono::steady_clock;
  const auto start = clock::now();
  const auto bound = ready_bound(s);
  std::optional<clock::time_point> ready_since;
  ctx.step("Waiting");
  for (;;) {
    if (ctx.cancelled()) throw Error("cancelled before the new container was ready");
    std::optional<ContainerReadiness> r;
    for (const auto& c : project_containers(paths, project.name, {.service = s.name}))
      if (c.record.id == id) r = readiness_of(s, c);
    if (!r) throw Error("the new container was removed meanwhile");
    const auto now = clock::now();
    if (r->state == Readiness::Failed)
      throw Error("the new container " + r->detail +
                  (ready_since ? " within update_config.monitor" : ""));
    if (r->state == Readiness::Ready && !ready_since) {
      ready_since = now;
      ctx.step(r->shown.c_str());
    }
    if (ready_since && now - *ready_since >= monitor) return;
    if (!ready_since && now - start > bound)
      throw Error("the new container " + r->detail + " after " +
                  std::to_string(std::chrono::duration_cast<std::chrono::seconds>(bound).count()) +
                  " s (its health check's retries)");
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
  }
}

// A start-first replacement that did not become ready: stopped and removed
// with the anonymous volumes it made (not those it took over from the old one).
void discard(const Paths& paths, const std::string& id, const AnonymousVolumes& inherited,
             std::optional<int> stop_timeout) {
  runtime::RecordStore records(paths);
  auto rec = records.read(id);
  if (!rec) return;
  std::vector<std::string> own;
  for (const auto& v : rec->anonymous_volumes)
    if (std::none_of(inherited.begin(), inherited.end(),
                     [&](const auto& kv) { return kv.second == v; }))
      own.push_back(v);
  // Out of DNS first, then its stop signal: requests under way may end.
  runtime::withdraw_names(paths, *rec);
  runtime::stop_container(paths, *rec, stop_timeout);
  if (auto again = records.read(id)) runtime::remove_container(paths, *again, true, false);
  for (const auto& v : own) runtime::remove_volume(paths, v);
}

// docker compose's temporary name for a replacement: the old container's
// short id, then the name it will take.
std::string temporary_name(const Action& a) {
  return a.container_id.substr(0, 12) + "_" + a.target;
}

network::NetworkCreate network_request(const Project& project, const std::string& name,
                                       const std::string& hash) {
  for (const auto& [key, n] : project.networks) {
    if (n.name != name) continue;
    if (n.driver != "bridge")
      throw Error("network " + key + ": driver " + n.driver + " is not supported (bridge only)");
    network::NetworkCreate req;
    req.name = n.name;
    if (!n.ipam.empty() && !n.ipam[0].subnet.empty()) req.subnet = n.ipam[0].subnet;
    if (!n.ipam.empty() && !n.ipam[0].gateway.empty()) req.gateway = n.ipam[0].gateway;
    req.internal = n.internal;
    network::apply_driver_options(req, n.driver_opts);
    req.labels = n.labels;
    req.labels[kProjectLabel] = project.name;
    req.labels[kNetworkLabel] = key;
    req.labels[kHashLabel] = hash;
    return req;
  }
  throw Error("network " + name + " is not in the project");
}

// compose's labels on a project volume: the project and the volume's key.
std::map<std::string, std::string> volume_labels(const Project& project, const std::string& name) {
  std::map<std::string, std::string> labels;
  for (const auto& [key, v] : project.volumes)
    if (v.name == name) {
      labels = v.labels;
      labels[kVolumeLabel] = key;
    }
  labels[kProjectLabel] = project.name;
  return labels;
}

std::string network_hash_of(const Desired& d, const std::string& name) {
  for (const auto& n : d.state.networks)
    if (n.name == name) return n.hash;
  return "";
}

// The plan's network and volume actions; only creations read the project
// (a down plan has none).
std::string run_resource_action(const Paths& paths, const Project* project, const Desired* desired,
                                const Action& a, ActionContext& ctx) {
  switch (a.kind) {
    case ActionKind::CreateNetwork:
      ctx.step("Creating");
      try {
        network::Manager().create_network(
            paths, network_request(*project, a.target, network_hash_of(*desired, a.target)));
      } catch (const Error&) {
        // Another project's `up` made a network of this name meanwhile (two
        // files naming one): it is used, as one found by the plan would be.
        if (!network::NetworkStore(network::networks_dir(paths.root))
                 .find(a.target, network::Endpoints::Skip))
          throw;
        return "Exists";
      }
      return "Created";
    case ActionKind::RecreateNetwork:
      ctx.step("Recreating");
      network::Manager().remove_network(paths, a.target);
      network::Manager().create_network(
          paths, network_request(*project, a.target, network_hash_of(*desired, a.target)));
      return "Recreated";
    case ActionKind::RemoveNetwork:
      ctx.step("Removing");
      network::Manager().remove_network(paths, a.target);
      return "Removed";
    case ActionKind::CreateVolume:
      ctx.step("Creating");
      runtime::create_volume(paths, a.target, volume_labels(*project, a.target));
      return "Created";
    case ActionKind::RemoveVolume:
      ctx.step("Removing");
      runtime::remove_volume(paths, a.target);
      return "Removed";
    default:
      throw Error(std::string(to_string(a.kind)) + " " + a.target + ": not a network or volume");
  }
}

}  // namespace

ContainerRecord create_replica(const Paths& paths, const ReplicaRequest& rr) {
  ContainerRecord rec = runtime::create_container(paths, rr.request);
  try {
    for (const auto& n : rr.extra_networks)
      rec =
          runtime::connect_container(paths, rec, {n.network, n.ip, n.aliases, n.mac, n.interface});
  } catch (...) {
    if (auto now = runtime::RecordStore(paths).read(rec.id))
      runtime::remove_container(paths, *now, true, false);
    throw;
  }
  return rec;
}

const Service* RuntimeRunner::service_of(const Action& a) const {
  if (!project_) return nullptr;
  auto it = project_->services.find(a.service);
  return it == project_->services.end() ? nullptr : &it->second;
}

void RuntimeRunner::post_start(const Action& a, const std::string& id) {
  if (const Service* s = service_of(a)) run_hooks(paths_, id, *s, s->post_start, hook_output_);
}

void RuntimeRunner::pre_stop(const Action& a, const std::string& id) {
  if (const Service* s = service_of(a)) run_hooks(paths_, id, *s, s->pre_stop, hook_output_);
}

std::string RuntimeRunner::run(const Action& a, ActionContext& ctx) {
  const Paths& paths = paths_;
  const Project* project = project_;
  const Desired* desired = desired_;
  auto step = [&](const char* status) { ctx.step(status); };
  auto need = [&] {
    if (!project || !desired)
      throw Error(std::string(to_string(a.kind)) + " " + a.target + ": needs the project file");
  };
  auto before_stop = [&] { pre_stop(a, a.container_id); };
  switch (a.kind) {
    case ActionKind::CreateNetwork:
    case ActionKind::RecreateNetwork:
    case ActionKind::CreateVolume:
      need();
      return run_resource_action(paths, project, desired, a, ctx);
    case ActionKind::RemoveNetwork:
    case ActionKind::RemoveVolume:
      return run_resource_action(paths, project, desired, a, ctx);
    case ActionKind::CreateContainer: {
      need();
      std::string id = create_container(paths, *project, *desired, a, ctx);
      if (a.start) post_start(a, id);
      return a.start ? "Started" : "Created";
    }
    case ActionKind::StartContainer:
      if (project) ctx.wait_for_dependencies();
      step("Starting");
      runtime::start_container(paths, runtime::RecordStore(paths).lookup(a.container_id));
      post_start(a, a.container_id);
      return "Started";
    case ActionKind::RecreateContainer: {
      need();
      step("Recreate");
      AnonymousVolumes kept;
      if (!renew_anon_volumes_) kept = anonymous_volumes_of(paths, a.container_id);
      remove_container(paths, a.container_id, stop_timeout_, ctx, before_stop);
      std::string id = create_container(paths, *project, *desired, a, ctx, kept);
      if (a.start) post_start(a, id);
      // update_config: the next batch waits until this one is ready.
      if (a.start && a.update) try {
          await_ready(paths, *project, *service_of(a), id, a.update->monitor, ctx);
        } catch (Error& e) {
          throw e.context("service " + a.service);
        }
      return "Recreated";
    }
    case ActionKind::ReplaceContainer:
      need();
      replace_start_first(a, ctx);
      return "Replaced";
    case ActionKind::RestartContainer: {
      step("Restarting");
      before_stop();
      runtime::restart_container(paths, runtime::RecordStore(paths).lookup(a.container_id),
                                 stop_timeout_);
      post_start(a, a.container_id);
      return "Restarted";
    }
    case ActionKind::RemoveContainer:
      remove_container(paths, a.container_id, stop_timeout_, ctx, before_stop);
      return "Removed";
    case ActionKind::StopContainer:
      step("Stopping");
      before_stop();
      runtime::stop_container(paths, runtime::RecordStore(paths).lookup(a.container_id),
                              stop_timeout_);
      return "Stopped";
  }
  return "";
}

// update_config.order start-first: the new container starts under a
// temporary name beside the old one (on the same networks, with the service's
// aliases, so it answers by name at once); once it is ready, the old one leaves
// DNS, stops and goes, and the new one takes its name. When the new one is not
// ready, it goes and the old one stays as it was.
void RuntimeRunner::replace_start_first(const Action& a, ActionContext& ctx) {
  const Service& s = *service_of(a);
  AnonymousVolumes kept;
  if (!renew_anon_volumes_) kept = anonymous_volumes_of(paths_, a.container_id);
  Action next = a;
  next.target = temporary_name(a);
  std::string id;
  try {
    ctx.step("Replace");
    id = create_container(paths_, *project_, *desired_, next, ctx, kept);
    post_start(next, id);
    await_ready(paths_, *project_, s, id,
                a.update ? a.update->monitor : std::chrono::milliseconds(0), ctx);
  } catch (Error& e) {
    // create_container leaves a container that cannot start: look it up by name.
    if (id.empty()) try {
        id = runtime::RecordStore(paths_).lookup(next.target).id;
      } catch (const Error&) {
      }
    if (!id.empty()) discard(paths_, id, kept, stop_timeout_);
    throw Error("service " + a.service + ": " + e.what() + "; " + a.target +
                " keeps running as it was")
        .with_hint(e.hint());
  }
  remove_container(paths_, a.container_id, stop_timeout_, ctx, [&] {
    pre_stop(a, a.container_id);
    // No new connection reaches it while it stops: its names go first.
    if (auto old = runtime::RecordStore(paths_).read(a.container_id))
      runtime::withdraw_names(paths_, *old);
  });
  ctx.step("Renaming");
  runtime::rename_container(paths_, runtime::RecordStore(paths_).lookup(id), a.target);
}

ConditionState dependency_condition(const DesiredDependency& dep,
                                    const std::vector<ProjectContainer>& replicas) {
  if (replicas.empty()) return dep.required ? waiting() : holds();
  for (const auto& [rec, st] : replicas) {
    const auto& health = rec.state.health;
    switch (dep.condition) {
      case Condition::Started:
        if (st.status == runtime::ContainerStatus::Created) return waiting();
        break;
      case Condition::Healthy:
        if (!health)
          return never("service " + dep.service +
                       " has no health check (needed by service_healthy)");
        if (st.status == runtime::ContainerStatus::Exited)
          return never("service " + dep.service + " exited before it was healthy");
        if (health->status == runtime::Health::Unhealthy)
          return never("service " + dep.service + " is unhealthy");
        if (health->status != runtime::Health::Healthy) return waiting();
        break;
      case Condition::CompletedSuccessfully:
        if (st.status != runtime::ContainerStatus::Exited) return waiting();
        if (st.exit_code != 0)
          return never("service " + dep.service + " exited with code " +
                       std::to_string(st.exit_code));
        break;
    }
  }
  return holds();
}

ConditionState RuntimeRunner::condition(const DesiredDependency& dep) {
  if (!project_) return holds();  // only container actions of a project wait
  return dependency_condition(dep,
                              project_containers(paths_, project_->name, {.service = dep.service}));
}

bool RuntimeRunner::wait_outside_change(std::chrono::milliseconds at_most) {
  if (!changes_) return false;
  changes_->wait(at_most);
  return true;
}

ApplyResult apply_plan(const Paths& paths, const Project* project, const Desired* desired,
                       const Plan& plan, const ApplyOptions& options, const Progress& progress) {
  RuntimeRunner runner(paths, project, desired, options.stop_timeout, options.renew_anon_volumes);
  ApplyResult result = apply_plan(plan, runner, options, progress);
  result.output = runner.hook_output();
  return result;
}

ContainerReadiness readiness_of(const Service& s, const ProjectContainer& c) {
  const auto& [rec, st] = c;
  const auto& h = rec.state.health;
  if (st.status == runtime::ContainerStatus::Exited) {
    const auto mode = s.restart.value.mode;
    if (st.exit_code != 0 || mode == runtime::RestartMode::Always ||
        mode == runtime::RestartMode::UnlessStopped)
      return {rec.name, Readiness::Failed, "exited with code " + std::to_string(st.exit_code),
              "Error"};
    return {rec.name, Readiness::Ready, "exited", "Exited"};
  }
  if (st.status != runtime::ContainerStatus::Running)
    return {rec.name, Readiness::Waiting, "is " + std::string(runtime::to_string(st.status)),
            "Waiting"};
  if (h && h->status == runtime::Health::Unhealthy)
    return {rec.name, Readiness::Failed, "is unhealthy", "Error"};
  if (h && h->status != runtime::Health::Healthy)
    return {rec.name, Readiness::Waiting, "is not healthy yet", "Waiting"};
  return {rec.name, Readiness::Ready, "", h ? "Healthy" : "Running"};
}

std::vector<ContainerReadiness> assess_readiness(const Paths& paths, const Project& project,
                                                 const std::set<std::string>& services) {
  // One read of the records for all services (a look follows every event).
  std::map<std::string, std::vector<ProjectContainer>> by_service;
  for (auto& c : project_containers(paths, project.name))
    by_service[label_of(c.record, kServiceLabel)].push_back(std::move(c));
  std::vector<ContainerReadiness> out;
  for (const auto& [name, s] : project.services) {
    if (!services.empty() && !services.contains(name)) continue;
    const auto& replicas = by_service[name];
    if (replicas.empty()) out.push_back({name, Readiness::Waiting, "no container", ""});
    for (const auto& c : replicas) out.push_back(readiness_of(s, c));
  }
  return out;
}

std::vector<std::string> wait_until_ready(const Paths& paths, const Project& project,
                                          const std::set<std::string>& services,
                                          std::chrono::seconds timeout, const Progress& progress,
                                          const ReadinessObserver& on_look) {
  auto deadline = std::chrono::steady_clock::now() + timeout;
  std::map<std::string, std::string> shown;  // container -> the status last reported
  runtime::JournalWatch changes(paths);      // made before the first look: no change is missed
  for (;;) {
    std::vector<std::string> pending, failures;
    const auto look = assess_readiness(paths, project, services);
    if (on_look) on_look(look);
    for (const auto& c : look) {
      if (c.shown.empty()) {  // a service without a container
        pending.push_back(c.name + ": " + c.detail);
        continue;
      }
      if (c.state == Readiness::Failed) failures.push_back(c.name + " " + c.detail);
      if (c.state == Readiness::Waiting) pending.push_back(c.name + " " + c.detail);
      if (!progress || shown[c.name] == c.shown) continue;
      shown[c.name] = c.shown;
      std::string_view text = c.state == Readiness::Failed ? std::string_view(c.detail) : "";
      if (text.starts_with("is ")) text.remove_prefix(3);  // "unhealthy"
      progress({"Container " + c.name, c.shown,
                c.state == Readiness::Failed  ? ProgressState::Error
                : c.state == Readiness::Ready ? ProgressState::Done
                                              : ProgressState::Working,
                std::string(text)});
    }
    if (!failures.empty()) return failures;
    if (pending.empty()) return {};
    if (std::chrono::steady_clock::now() > deadline) {
      for (auto& p : pending) p += " after " + std::to_string(timeout.count()) + " s";
      return pending;
    }
    // Woken by the next start, exit or health change; the period is for what
    // the journal misses (a supervisor killed outright).
    const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
        deadline - std::chrono::steady_clock::now());
    changes.wait(std::clamp(left + std::chrono::milliseconds(1), std::chrono::milliseconds(1),
                            std::chrono::milliseconds(1000)));
  }
}

}  // namespace lit::reconciler
