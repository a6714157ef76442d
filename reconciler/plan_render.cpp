// The plan as text (`lit up --dry-run`) and its reverse edges (for the applier).
#include "reconciler/plan.hpp"

namespace lit::reconciler {

const char* to_string(ActionKind kind) {
  switch (kind) {
    case ActionKind::CreateNetwork:
      return "create network";
    case ActionKind::RecreateNetwork:
      return "recreate network";
    case ActionKind::RemoveNetwork:
      return "remove network";
    case ActionKind::CreateVolume:
      return "create volume";
    case ActionKind::RemoveVolume:
      return "remove volume";
    case ActionKind::CreateContainer:
      return "create container";
    case ActionKind::StartContainer:
      return "start container";
    case ActionKind::RecreateContainer:
      return "recreate container";
    case ActionKind::ReplaceContainer:
      return "replace container";
    case ActionKind::RestartContainer:
      return "restart container";
    case ActionKind::RemoveContainer:
      return "remove container";
    case ActionKind::StopContainer:
      return "stop container";
  }
  return "?";
}

const char* to_string(Condition condition) {
  switch (condition) {
    case Condition::Started:
      return "service_started";
    case Condition::Healthy:
      return "service_healthy";
    case Condition::CompletedSuccessfully:
      return "service_completed_successfully";
  }
  return "?";
}

std::string render_plan(const Plan& plan) {
  std::string out;
  for (const auto& a : plan.actions) {
    out += to_string(a.kind);
    out += " " + a.target;
    std::string why = a.reason;
    if (!a.start) why += (why.empty() ? "" : "; ") + std::string("not started");
    if (a.delay.count() > 0)
      why += (why.empty() ? "" : "; ") + std::string("after update_config.delay ") +
             std::to_string(a.delay.count()) + " ms";
    if (!why.empty()) out += " (" + why + ")";
    out += "\n";
  }
  return out;
}

std::vector<std::vector<std::size_t>> dependants_of(const Plan& plan) {
  std::vector<std::vector<std::size_t>> out(plan.actions.size());
  for (std::size_t i = 0; i < plan.actions.size(); ++i)
    for (std::size_t before : plan.actions[i].after) out[before].push_back(i);
  return out;
}

}  // namespace lit::reconciler
