#pragma once
// links (legacy): dependencies and DNS aliases (links.cpp).
#include <string>
#include <vector>

#include "reconciler/load/tree.hpp"
#include "reconciler/model.hpp"

namespace lit::reconciler::load {

// A service's links: "SERVICE" or "SERVICE:ALIAS" each.
std::vector<ServiceLink> normalize_links(const Node& n, const std::string& path);

// Before the services are normalized: each link adds depends_on SERVICE
// (service_started, restart: true) unless the service already depends on it,
// as compose-go does; profiles, references and cycles then see it.
void links_to_depends_on(Node& services);

// The same for pid / ipc service:NAME (restart: true: NAME's namespace goes
// with NAME) and volumes_from SERVICE (restart: false), as compose-go does.
void shared_to_depends_on(Node& services);

// After: each link's alias goes on the linked service's networks that the
// linking service shares (ServiceNetwork::link_aliases).
void apply_link_aliases(Project& project);

}  // namespace lit::reconciler::load
