#pragma once
// The planner: a pure function from what the project wants (DesiredState) and
// what exists for it (ObservedState, found by label) to an ordered Plan of
// actions, as docker compose v2's convergence does. No I/O: the applier runs the
// plan, `lit up --dry-run` prints it, and unit tests check it.
//
// Invariants of a Plan: actions are in a topological order (every index in
// Action::after is smaller than the action's own index); actions with no path
// between them may run in parallel; an unchanged project gives an empty plan.
#include <chrono>
#include <cstddef>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "reconciler/update_policy.hpp"
#include "runtime/state/status.hpp"

namespace lit::reconciler {

// ---- desired state (from the model) ----

enum class Condition { Started, Healthy, CompletedSuccessfully };

struct DesiredDependency {
  std::string service{};
  Condition condition = Condition::Started;
  bool required = true;  // false: a missing dependency is a warning, not an error
  bool restart = false;  // restart this service when the dependency is recreated
};

struct DesiredService {
  std::string name{};
  std::string hash{};  // config_hash() of everything that shapes its containers
  int replicas = 1;
  std::optional<std::string> container_name{};  // then replicas must be 1
  // network_mode: service:X must appear here too (as a Started dependency).
  std::vector<DesiredDependency> depends_on{};
  std::vector<std::string> networks{};  // full names, as in DesiredNetwork::name
  std::vector<std::string> volumes{};   // named volumes only, full names
  // deploy.update_config; nullopt: compose's recreate (every replica at once,
  // stop-first).
  std::optional<UpdatePolicy> update{};
  // What two containers of the service cannot both hold ("host port 8080/tcp",
  // "address 10.1.0.5"), so a start-first update falls back to stop-first; "" none.
  std::string start_first_conflict{};
};

struct DesiredNetwork {
  std::string name{};  // kernel-level name, e.g. "myproj_default"
  std::string hash{};  // of subnet, gateway, internal, driver options...
  bool external = false;
};

struct DesiredVolume {
  std::string name{};  // e.g. "myproj_data"
  bool external = false;
};

struct DesiredState {
  std::string project{};
  std::vector<DesiredService> services{};  // active services only
  // Services defined but disabled by an inactive profile: their containers are
  // not orphans (compose leaves them alone).
  std::vector<std::string> inactive_services{};
  std::vector<DesiredNetwork> networks{};
  std::vector<DesiredVolume> volumes{};
};

// ---- observed state (from the runtime and network manager, by label) ----

struct ObservedContainer {
  std::string id{};
  std::string name{};
  std::string service{};  // label
  int number = 0;         // replica index label, 1-based (0: missing or invalid)
  std::string hash{};     // config hash label
  runtime::ContainerStatus status = runtime::ContainerStatus::Created;
  int exit_code = 0;
  runtime::Health health = runtime::Health::None;  // None unless it runs and has a check
  bool oneoff = false;  // made by `lit run`: never a replica, an orphan or scaled
};

struct ObservedNetwork {
  std::string name{};
  std::string hash{};                   // label ("" for external networks)
  std::vector<std::string> attached{};  // ids of every container attached to it
  // The project that made it (its label), "" for a plain `lit network create`;
  // another project's network of the name the file gives is used, not remade.
  std::string project{};
};

struct ObservedVolume {
  std::string name{};
};

// The project's labeled objects, plus the external networks and volumes the
// project declares when they exist (looked up by name).
struct ObservedState {
  std::vector<ObservedContainer> containers{};
  std::vector<ObservedNetwork> networks{};
  std::vector<ObservedVolume> volumes{};
};

// ---- the plan ----

enum class ActionKind {
  CreateNetwork,
  RecreateNetwork,  // remove then create; attached containers are removed first
  RemoveNetwork,
  CreateVolume,
  RemoveVolume,
  CreateContainer,    // create and start replica `number` of `service`
  StartContainer,     // start the stopped container `container_id`
  RecreateContainer,  // replace `container_id` by a new one with the same name
  // update_config.order start-first: a new container (under a temporary name)
  // starts beside `container_id`, the old one goes once the new one is ready,
  // then the new one takes the name; when it is not ready the old one stays.
  ReplaceContainer,
  RestartContainer,  // stop and start `container_id` (depends_on restart: true)
  RemoveContainer,   // stop (if running) and remove `container_id`
  StopContainer,     // stop `container_id` (lit stop)
};

struct Action {
  ActionKind kind{};
  std::string target{};        // network, volume or container name
  std::string service{};       // container actions
  int number = 0;              // container actions: replica index
  std::string container_id{};  // the existing container (start, recreate, remove)
  std::string reason{};        // human text: "missing", "config changed (hash ab -> cd)"
  // Conditions to check on the dependencies' containers before starting this one
  // (create, start, recreate); they may have no action of their own in the plan.
  std::vector<DesiredDependency> wait_for{};
  std::vector<std::size_t> after{};  // indices of actions that must finish first
  bool start = true;                 // create, recreate: false leaves it created (--no-start)
  // Recreate and replace of a service with deploy.update_config: its policy
  // (the applier reads failure_action, max_failure_ratio and monitor).
  std::optional<UpdatePolicy> update{};
  // Waited before running (update_config.delay, between two batches).
  std::chrono::milliseconds delay{0};
};

struct Plan {
  std::vector<Action> actions{};
  std::vector<std::string> warnings{};  // e.g. orphans left without --remove-orphans
  bool empty() const { return actions.empty(); }
};

struct UpOptions {
  bool force_recreate = false;
  bool no_recreate = false;
  bool remove_orphans = false;
  std::map<std::string, int> scale{};   // --scale SERVICE=N
  std::vector<std::string> services{};  // selected (plus their dependencies); empty: all
  bool no_deps = false;   // --no-deps: the selected services only, not their dependencies
  bool no_start = false;  // --no-start, `lit create`: containers created, none started
  // --always-recreate-deps: the dependencies of the selected services are
  // recreated too. Without it, as compose, --force-recreate applies to the
  // selected services only, their dependencies are recreated when changed.
  bool always_recreate_deps = false;
  // --compatibility: replicas named as compose v1 did (PROJECT_SERVICE_N).
  bool compatibility = false;
};

struct DownOptions {
  bool volumes = false;  // -v: also the project's (non-external) volumes
  bool remove_orphans = false;
  // down SERVICE...: only these services' containers; networks and volumes stay.
  std::vector<std::string> services{};
};

// `lit up`: throws lit::Error on a dependency cycle, an unknown dependency,
// service, network or volume, a missing external network or volume, a
// container_name with more than one replica, or a changed network still used by
// a container this plan does not remove.
Plan plan_up(const DesiredState& desired, const ObservedState& observed, const UpOptions& opts);

// `lit down`: containers removed dependants first, then networks, then (with -v)
// volumes. Without a project file, pass the observed containers' services.
Plan plan_down(const DesiredState& desired, const ObservedState& observed, const DownOptions& opts);

// `lit run SERVICE`: the actions `up SERVICE` would take for its dependencies
// (with_dependencies, as compose starts them) or else only its networks and
// volumes, without SERVICE's own containers. Throws as plan_up does.
Plan plan_run_dependencies(const DesiredState& desired, const ObservedState& observed,
                           const std::string& service, bool with_dependencies);

// `lit start` / `stop` / `restart` of the existing replicas of `services`
// (empty: all): start and restart in dependency order, waiting on the
// depends_on conditions; stop dependants first. Throws naming an unknown service.
enum class Lifecycle { Start, Stop, Restart };
Plan plan_lifecycle(const DesiredState& desired, const ObservedState& observed, Lifecycle what,
                    const std::vector<std::string>& services);

// Service names, dependencies before dependants (ties in name order). Throws
// lit::Error naming a cycle ("a -> b -> a") or an unknown required dependency.
std::vector<std::string> service_order(const DesiredState& desired);

// "<project>-<service>-<number>" ('_' instead of '-' with --compatibility, as
// compose v1 named them), or the service's container_name.
std::string container_name(const std::string& project, const DesiredService& service, int number,
                           char separator = '-');

// For each action, the indices of the actions that wait for it (the reverse
// edges), so an applier can start an action when its last prerequisite ends.
std::vector<std::vector<std::size_t>> dependants_of(const Plan& plan);

// One line per action in plan order, e.g. "create container myproj-web-1 (missing)".
std::string render_plan(const Plan& plan);
const char* to_string(ActionKind kind);      // "create network", "recreate container", ...
const char* to_string(Condition condition);  // "service_started", ...

}  // namespace lit::reconciler
