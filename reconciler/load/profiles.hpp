#pragma once
// Profiles (--profile, COMPOSE_PROFILES) and the cross-service checks that need
// to know which services are active: depends_on, network_mode service:NAME, cycles.
#include <set>
#include <string>
#include <vector>

#include "reconciler/load/diag.hpp"
#include "reconciler/load/interpolate.hpp"
#include "reconciler/load/load.hpp"
#include "reconciler/load/tree.hpp"

namespace lit::reconciler::load {

// Names of the active services of the merged `services` mapping; the others
// are appended to `disabled`. Services in options.services (and what they
// depend on) are active whatever their profiles.
std::set<std::string> active_services(const Node& services, const LoadOptions& options,
                                      const Lookup& lookup, std::vector<std::string>& disabled);

// depends_on targets exist and are active (unless required: false, then the
// dependency is dropped with a warning), network_mode service:NAME exists, no
// dependency cycle.
void check_references(const Node& services, Project& project, Diag& diag);

}  // namespace lit::reconciler::load
