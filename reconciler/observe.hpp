#pragma once
// What exists for a project, the planner's second input: containers and
// networks found by their lit.project label, never trusting a record's stale
// status.
#include <string>

#include "reconciler/plan.hpp"
#include "runtime/util/paths.hpp"

namespace lit::reconciler {

// The project's containers (every status) and networks, by label; the
// declared external networks and volumes when they exist.
ObservedState observe(const Paths& paths, const std::string& project_name,
                      const DesiredState& desired);

// The volumes directory lit's runtime uses for a named volume.
std::string volume_dir(const Paths& paths, const std::string& volume_name);

}  // namespace lit::reconciler
