#pragma once
// Internal to the planner: one service's replicas matched to its containers.
#include <optional>
#include <string>
#include <vector>

#include "reconciler/plan.hpp"

namespace lit::reconciler::detail {

struct Step {
  ActionKind kind{};
  const ObservedContainer* container = nullptr;  // the existing one, if any
  int number = 0;
  std::string name{};  // the container's name after the step
  std::string reason{};
};

struct ReplicaPlan {
  int number = 0;
  std::string name{};
  const ObservedContainer* existing = nullptr;
  std::optional<Step> step{};  // none: the container is up to date and running
};

struct ServicePlan {
  std::vector<Step> removals{};         // scale-down, duplicates; highest number first
  std::vector<ReplicaPlan> replicas{};  // by number
};

// Throws lit::Error when container_name is set and replicas > 1.
ServicePlan plan_service(const std::string& project, const DesiredService& service, int replicas,
                         const std::vector<const ObservedContainer*>& containers,
                         const UpOptions& opts);

}  // namespace lit::reconciler::detail
