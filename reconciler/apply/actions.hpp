#pragma once
// The plan's actions done for real: networks through the network manager,
// volumes as directories, containers through the runtime (created from a
// service's flags, started under their supervisor, stopped, removed), and
// depends_on conditions observed on the dependency's containers.
#include <chrono>
#include <functional>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include "reconciler/apply/apply.hpp"
#include "reconciler/apply/hooks.hpp"
#include "reconciler/apply/replica_request.hpp"
#include "reconciler/apply/runner.hpp"
#include "reconciler/desired.hpp"
#include "reconciler/labels.hpp"
#include "reconciler/model.hpp"
#include "reconciler/plan.hpp"
#include "runtime/events/journal.hpp"
#include "runtime/state/record.hpp"
#include "runtime/util/paths.hpp"

namespace lit::reconciler {

class RuntimeRunner : public ActionRunner {
 public:
  // `project` and `desired` are needed for container creation (up); a down
  // plan may pass nullptr for both.
  RuntimeRunner(const Paths& paths, const Project* project, const Desired* desired,
                std::optional<int> stop_timeout, bool renew_anon_volumes = false)
      : paths_(paths),
        project_(project),
        desired_(desired),
        stop_timeout_(stop_timeout),
        renew_anon_volumes_(renew_anon_volumes) {
    if (project_) changes_.emplace(paths);  // only a project's actions wait for conditions
  }

  std::string run(const Action& action, ActionContext& context) override;
  ConditionState condition(const DesiredDependency& dependency) override;
  // Woken by the event journal, where every start, exit and health change is
  // recorded as it happens.
  bool wait_outside_change(std::chrono::milliseconds at_most) override;
  void interrupt_outside_wait() override {
    if (changes_) changes_->interrupt();
  }
  // The lines the services' lifecycle hooks wrote so far.
  std::vector<std::string> hook_output() { return hook_output_.take(); }

 private:
  const Service* service_of(const Action& a) const;  // nullptr: not in the project
  void post_start(const Action& a, const std::string& id);
  void pre_stop(const Action& a, const std::string& id);
  void replace_start_first(const Action& a, ActionContext& ctx);

  const Paths& paths_;
  const Project* project_;
  const Desired* desired_;
  std::optional<int> stop_timeout_;
  bool renew_anon_volumes_;
  HookOutput hook_output_;
  // Made with the runner, before any condition is looked at: no change is missed.
  std::optional<runtime::JournalWatch> changes_;
};

// `dependency`'s condition on its service's replicas, as observed.
ConditionState dependency_condition(const DesiredDependency& dependency,
                                    const std::vector<ProjectContainer>& replicas);

// apply_plan with a RuntimeRunner.
ApplyResult apply_plan(const Paths& paths, const Project* project, const Desired* desired,
                       const Plan& plan, const ApplyOptions& options, const Progress& progress);

// Creates the container of `flags` and connects it to its extra networks
// (not started); on a failure nothing of it is left.
runtime::ContainerRecord create_replica(const Paths& paths, const ReplicaRequest& replica);

// Where one container of a project stands on its way to ready (up --wait,
// systemd's READY=1).
enum class Readiness {
  Waiting,  // not running yet, or running but not healthy yet
  Ready,    // running (healthy when it has a health check), or a one-shot that exited 0
  Failed,   // exited with a failure (or should keep running and exited), or unhealthy
};

struct ContainerReadiness {
  std::string name;  // the container's
  Readiness state = Readiness::Waiting;
  std::string detail;  // why it waits or failed: "is not healthy yet", "exited with code 1"
  // The progress status: "Waiting", "Healthy", "Running", "Exited", "Error";
  // empty for a service without any container (`name` is then the service's).
  std::string shown;
};

// One container of service `s`, as observed.
ContainerReadiness readiness_of(const Service& s, const ProjectContainer& container);

// One look at the containers of `services` (every service when empty); a
// service without any container waits.
std::vector<ContainerReadiness> assess_readiness(const Paths& paths, const Project& project,
                                                 const std::set<std::string>& services);

// --wait: until the containers of `services` (every service when empty) run
// (healthy when they have a health check) and one-shot ones exited 0; the
// failures, if any. Reports each container's way there ("Waiting" ->
// "Healthy") to progress.
// on_look, when given, sees each look (systemd's STATUS= lines).
using ReadinessObserver = std::function<void(const std::vector<ContainerReadiness>&)>;
std::vector<std::string> wait_until_ready(const Paths& paths, const Project& project,
                                          const std::set<std::string>& services,
                                          std::chrono::seconds timeout,
                                          const Progress& progress = {},
                                          const ReadinessObserver& on_look = {});

}  // namespace lit::reconciler
