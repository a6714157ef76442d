#include "reconciler/apply/apply.hpp"

#include <condition_variable>
#include <functional>
#include <filesystem>
#include <map>
#include <mutex>
#include <thread>

#include "network/manager.hpp"
#include "reconciler/apply/copy_image.hpp"
#include "reconciler/apply/service_flags.hpp"
#include "reconciler/apply/replica_request.hpp"
#include "runtime/lifecycle/control.hpp"
#include "runtime/lifecycle/detached.hpp"
#include "runtime/lifecycle/lifecycle.hpp"
#include "runtime/state/record.hpp"
#include "runtime/util/error.hpp"
#include "runtime/util/fs.hpp"

namespace lit::reconciler {

namespace fs = std::filesystem;
using runtime::ContainerRecord;

namespace {

// Reports the phase an action has reached ("Creating", "Starting"...).
using Step = std::function<void(const char* status)>;

struct ServiceView {
  std::vector<ContainerRecord> records;
  std::vector<runtime::ContainerState> states;
};

ServiceView containers_of(const Paths& paths, const std::string& project, const std::string& service) {
  ServiceView v;
  for (auto& r : runtime::RecordStore(paths).list()) {
    auto p = r.labels.find(kProjectLabel);
    auto s = r.labels.find(kServiceLabel);
    if (p == r.labels.end() || p->second != project || s == r.labels.end() || s->second != service) continue;
    if (is_oneoff(r.labels)) continue;  // `lit run` containers are not the service's replicas
    v.states.push_back(runtime::observed_state(r));
    v.records.push_back(std::move(r));
  }
  return v;
}

// "" when the condition holds, "wait" while it may still come, else why it never will.
std::string condition_status(const Paths& paths, const std::string& project, const DesiredDependency& dep) {
  ServiceView v = containers_of(paths, project, dep.service);
  if (v.records.empty()) return dep.required ? "wait" : "";
  for (size_t i = 0; i < v.records.size(); ++i) {
    const auto& st = v.states[i];
    const auto& health = v.records[i].state.health;
    switch (dep.condition) {
      case Condition::Started:
        if (st.status == "created") return "wait";
        break;
      case Condition::Healthy:
        if (!health) return "service " + dep.service + " has no health check (needed by service_healthy)";
        if (st.status == "exited") return "service " + dep.service + " exited before it was healthy";
        if (health->status == shim::Health::Unhealthy) return "service " + dep.service + " is unhealthy";
        if (health->status != shim::Health::Healthy) return "wait";
        break;
      case Condition::CompletedSuccessfully:
        if (st.status != "exited") return "wait";
        if (st.exit_code != 0)
          return "service " + dep.service + " exited with code " + std::to_string(st.exit_code);
        break;
    }
  }
  return "";
}

void wait_for(const Paths& paths, const std::string& project, const Action& a, std::chrono::seconds timeout,
              const Step& step) {
  if (!a.wait_for.empty()) step("Waiting");
  auto deadline = std::chrono::steady_clock::now() + timeout;
  for (const auto& dep : a.wait_for) {
    for (;;) {
      std::string why = condition_status(paths, project, dep);
      if (why.empty()) break;
      if (why != "wait") throw Error("dependency failed to start: " + why);
      if (std::chrono::steady_clock::now() > deadline)
        throw Error("dependency " + dep.service + " did not become " + to_string(dep.condition) + " in " +
                    std::to_string(timeout.count()) + " s");
      std::this_thread::sleep_for(std::chrono::milliseconds(50));
    }
  }
}

void remove_container(const Paths& paths, const std::string& id, const ApplyOptions& o, const Step& step) {
  runtime::RecordStore records(paths);
  auto rec = records.read(id);
  if (!rec) return;  // gone meanwhile
  step("Stopping");
  runtime::stop_container(paths, *rec, o.stop_timeout);
  step("Removing");
  if (auto again = records.read(id)) runtime::remove_container(paths, *again, true, false);
}

// network_mode service:NAME joins NAME's first running replica (its id), as docker compose does.
std::string network_of_service(const Paths& paths, const std::string& project, const std::string& service) {
  ServiceView v = containers_of(paths, project, service);
  const ContainerRecord* first = nullptr;
  int first_number = 0;
  for (size_t i = 0; i < v.records.size(); ++i) {
    if (v.states[i].status != "running") continue;
    auto l = v.records[i].labels.find(kNumberLabel);
    int number = l == v.records[i].labels.end() ? 0 : std::atoi(l->second.c_str());
    if (!first || number < first_number) first = &v.records[i], first_number = number;
  }
  if (!first)
    throw Error("network_mode service:" + service + ": service " + service + " has no running container")
        .with_hint("start it first (lit up " + service + ")");
  return first->id;
}

void create_container(const Paths& paths, const Project& project, const Desired& desired, const Action& a,
                      const Step& step) {
  const Service& s = project.services.at(a.service);
  if (!s.copy.empty()) ensure_copy_image(paths, project, s);
  ReplicaRequest rr = replica_request(project, s, a.target, a.number, desired.hashes.at(a.service));
  if (!rr.network_service.empty())
    rr.request.network = {runtime::NetworkMode::Container,
                          network_of_service(paths, project.name, rr.network_service), {}, {}};
  step("Creating");
  // A container that cannot start stays, as with docker compose, so its
  // error is in `inspect`; the next `up` retries it.
  ContainerRecord rec = create_replica(paths, rr);
  step("Starting");
  runtime::launch_supervisor(paths, rec);
}

network::NetworkCreate network_request(const Project& project, const std::string& name, const std::string& hash) {
  for (const auto& [key, n] : project.networks) {
    if (n.name != name) continue;
    if (n.driver != "bridge") throw Error("network " + key + ": driver " + n.driver + " is not supported (bridge only)");
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

std::string network_hash_of(const Desired& d, const std::string& name) {
  for (const auto& n : d.state.networks)
    if (n.name == name) return n.hash;
  return "";
}

// What an action's progress events are about: "Container shop-web-1".
std::string progress_id(const Action& a) {
  switch (a.kind) {
    case ActionKind::CreateNetwork:
    case ActionKind::RecreateNetwork:
    case ActionKind::RemoveNetwork:
      return "Network " + a.target;
    case ActionKind::CreateVolume:
    case ActionKind::RemoveVolume:
      return "Volume " + a.target;
    default:
      return "Container " + a.target;
  }
}

// Runs one action, reporting its phases; returns its final status ("Started");
// throws on failure.
std::string run(const Paths& paths, const Project* project, const Desired* desired, const Action& a,
                const ApplyOptions& o, const Step& step) {
  auto need = [&] {
    if (!project || !desired) throw Error(std::string(to_string(a.kind)) + " " + a.target + ": needs the project file");
  };
  switch (a.kind) {
    case ActionKind::CreateNetwork:
      need();
      step("Creating");
      network::Manager().create_network(paths, network_request(*project, a.target, network_hash_of(*desired, a.target)));
      return "Created";
    case ActionKind::RecreateNetwork:
      need();
      step("Recreating");
      network::Manager().remove_network(paths, a.target);
      network::Manager().create_network(paths, network_request(*project, a.target, network_hash_of(*desired, a.target)));
      return "Recreated";
    case ActionKind::RemoveNetwork:
      step("Removing");
      network::Manager().remove_network(paths, a.target);
      return "Removed";
    case ActionKind::CreateVolume:
      step("Creating");
      make_dirs(fs::path(volume_dir(paths, a.target)) / "_data", 0755);
      return "Created";
    case ActionKind::RemoveVolume: {
      step("Removing");
      std::error_code ec;
      fs::remove_all(volume_dir(paths, a.target), ec);
      if (ec) throw Error::sys("remove volume", a.target, ec.value());
      return "Removed";
    }
    case ActionKind::CreateContainer:
      need();
      wait_for(paths, project->name, a, o.dependency_timeout, step);
      create_container(paths, *project, *desired, a, step);
      return "Started";
    case ActionKind::StartContainer: {
      if (project) wait_for(paths, project->name, a, o.dependency_timeout, step);
      step("Starting");
      runtime::start_container(paths, runtime::RecordStore(paths).lookup(a.container_id));
      return "Started";
    }
    case ActionKind::RecreateContainer:
      need();
      step("Recreate");
      remove_container(paths, a.container_id, o, step);
      wait_for(paths, project->name, a, o.dependency_timeout, step);
      create_container(paths, *project, *desired, a, step);
      return "Recreated";
    case ActionKind::RestartContainer: {
      runtime::RecordStore records(paths);
      step("Restarting");
      runtime::stop_container(paths, records.lookup(a.container_id), o.stop_timeout);
      runtime::start_container(paths, records.lookup(a.container_id));
      return "Restarted";
    }
    case ActionKind::RemoveContainer:
      remove_container(paths, a.container_id, o, step);
      return "Removed";
    case ActionKind::StopContainer:
      step("Stopping");
      runtime::stop_container(paths, runtime::RecordStore(paths).lookup(a.container_id),
                              o.stop_timeout);
      return "Stopped";
  }
  return "";
}

}  // namespace

ContainerRecord create_replica(const Paths& paths, const ReplicaRequest& rr) {
  ContainerRecord rec = runtime::create_container(paths, rr.request);
  try {
    network::Manager manager;
    for (const auto& n : rr.extra_networks) rec = manager.connect(paths, rec, n.network, n.ip, n.aliases);
  } catch (...) {
    if (auto now = runtime::RecordStore(paths).read(rec.id))
      runtime::remove_container(paths, *now, true, false);
    throw;
  }
  return rec;
}

// Each action runs on its own thread once all the actions it comes after have
// finished, so independent services start in parallel (the plan's edges carry
// every ordering that matters: networks first, depends_on, removals).
ApplyResult apply_plan(const Paths& paths, const Project* project, const Desired* desired, const Plan& plan,
                       const ApplyOptions& options, const Progress& progress) {
  enum class State { Pending, Done, Failed };
  const size_t n = plan.actions.size();
  std::vector<State> state(n, State::Pending);
  std::vector<std::string> errors(n);
  std::mutex m, progress_mutex;
  std::condition_variable changed;
  auto emit = [&](const Action& a, const std::string& status, ProgressState st, const std::string& text = "") {
    if (!progress) return;
    std::lock_guard lock(progress_mutex);
    progress({progress_id(a), status, st, text});
  };
  auto work = [&](size_t i) {
    const Action& a = plan.actions[i];
    bool blocked = false;
    {
      std::unique_lock lock(m);
      changed.wait(lock, [&] {
        for (size_t before : a.after)
          if (state[before] == State::Pending) return false;
        return true;
      });
      for (size_t before : a.after) blocked = blocked || state[before] == State::Failed;
    }
    std::string error;
    if (blocked) {
      error = std::string(to_string(a.kind)) + " " + a.target + ": skipped, something it depends on failed";
    } else {
      try {
        std::string done = run(paths, project, desired, a, options,
                               [&](const char* status) { emit(a, status, ProgressState::Working); });
        emit(a, done, ProgressState::Done);
      } catch (const std::exception& e) {
        error = std::string(to_string(a.kind)) + " " + a.target + ": " + e.what();
        emit(a, "Error", ProgressState::Error, e.what());
      }
    }
    std::lock_guard lock(m);
    errors[i] = error;
    state[i] = error.empty() ? State::Done : State::Failed;
    changed.notify_all();
  };
  std::vector<std::thread> threads;
  threads.reserve(n);
  for (size_t i = 0; i < n; ++i) threads.emplace_back(work, i);
  for (auto& t : threads) t.join();
  ApplyResult result;
  for (auto& e : errors)
    if (!e.empty()) result.errors.push_back(std::move(e));
  return result;
}

std::vector<std::string> wait_until_ready(const Paths& paths, const Project& project, std::chrono::seconds timeout,
                                          const Progress& progress) {
  auto deadline = std::chrono::steady_clock::now() + timeout;
  std::map<std::string, std::string> shown;  // container -> the status last reported
  auto report = [&](const std::string& who, const std::string& status, ProgressState st, const std::string& text = "") {
    if (!progress || shown[who] == status) return;
    shown[who] = status;
    progress({"Container " + who, status, st, text});
  };
  for (;;) {
    std::vector<std::string> pending, failures;
    for (const auto& [name, s] : project.services) {
      ServiceView v = containers_of(paths, project.name, name);
      if (v.records.empty()) pending.push_back(name + ": no container");
      for (size_t i = 0; i < v.records.size(); ++i) {
        const auto& st = v.states[i];
        const auto& h = v.records[i].state.health;
        const std::string who = v.records[i].name;
        if (st.status == "exited") {
          if (st.exit_code != 0 || s.restart == "always" || s.restart == "unless-stopped") {
            failures.push_back(who + " exited with code " + std::to_string(st.exit_code));
            report(who, "Error", ProgressState::Error, "exited with code " + std::to_string(st.exit_code));
          } else {
            report(who, "Exited", ProgressState::Done);
          }
        } else if (st.status != "running") {
          pending.push_back(who + " is " + st.status);
          report(who, "Waiting", ProgressState::Working);
        } else if (h && h->status == shim::Health::Unhealthy) {
          failures.push_back(who + " is unhealthy");
          report(who, "Error", ProgressState::Error, "unhealthy");
        } else if (h && h->status != shim::Health::Healthy) {
          pending.push_back(who + " is not healthy yet");
          report(who, "Waiting", ProgressState::Working);
        } else {
          report(who, h ? "Healthy" : "Running", ProgressState::Done);
        }
      }
    }
    if (!failures.empty()) return failures;
    if (pending.empty()) return {};
    if (std::chrono::steady_clock::now() > deadline) {
      for (auto& p : pending) p += " after " + std::to_string(timeout.count()) + " s";
      return pending;
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
  }
}

}  // namespace lit::reconciler
