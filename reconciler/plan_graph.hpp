#pragma once
// Internal to the planner: the services as a dependency graph, validated
// (unknown dependencies, cycles) and sorted, shared by plan_up and plan_down.
#include <map>
#include <set>
#include <string>
#include <vector>

#include "reconciler/plan.hpp"

namespace lit::reconciler::detail {

struct ServiceGraph {
  std::map<std::string, const DesiredService*> by_name;
  // Dependencies that name a defined service (optional missing ones dropped).
  std::map<std::string, std::vector<DesiredDependency>> deps{};
  std::map<std::string, std::vector<std::string>> dependants{};  // reverse of deps
  std::vector<std::string> order{};                              // dependencies first, ties by name
  std::vector<std::string> warnings{};  // optional dependencies that are missing
};

// Throws lit::Error on duplicate services, unknown required dependencies, cycles.
ServiceGraph build_graph(const DesiredState& desired);

// The named services and, transitively, everything they depend on.
std::set<std::string> with_dependencies(const ServiceGraph& graph,
                                        const std::vector<std::string>& names);

// Containers of services the project does not define (inactive ones excluded),
// by service name, highest number first.
std::vector<const ObservedContainer*> find_orphans(const DesiredState& desired,
                                                   const ServiceGraph& graph,
                                                   const ObservedState& observed);
std::string orphan_warning(const std::vector<const ObservedContainer*>& orphans);
std::string orphan_reason(const ObservedContainer& c);

// Appends an action (edges sorted, deduplicated); returns its index.
std::size_t add_action(Plan& plan, Action a);

std::string short_hash(const std::string& hash);  // 12 characters, or "none"

}  // namespace lit::reconciler::detail
