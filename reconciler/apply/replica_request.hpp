#pragma once
// One replica of a service as the runtime's typed container request: the
// reconciler creates containers through the same runtime call as
// `lit container run -d`, without passing through command-line text.
#include <string>
#include <vector>

#include "reconciler/model.hpp"
#include "runtime/spec/request.hpp"

namespace lit::reconciler {

// A network the container joins after the first one (`network connect`).
struct ExtraNetwork {
  std::string network;  // resource name
  std::string ip;
  std::vector<std::string> aliases;
  std::string mac, interface;  // "" = derived / the next free ethN
};

struct ReplicaRequest {
  runtime::ContainerRequest request;
  std::vector<ExtraNetwork> extra_networks;
  // network_mode service:NAME: the applier sets request.network to the
  // container mode, joining that service's first running replica.
  std::string network_service;
  // pid / ipc service:NAME: joins that service's first running replica;
  // volumes_from SERVICE: its first replica's volumes (set by the applier).
  std::string pid_service, ipc_service;
  std::vector<runtime::VolumesFrom> volumes_from_services;  // container: the service's name
};

// The image a service's containers run: filesystem.copy's derived image, its
// image:, else the one build: makes, <project>-<service> (as compose names it).
std::string service_image(const Project& project, const Service& s);

// Throws lit::Error naming the service and key for what lit cannot run yet
// (build:, filesystem.copy, external secrets, sctp ports...), and in the words
// of the matching `run` flag for values the runtime refuses (as
// `lit container run` would).
ReplicaRequest replica_request(const Project& project, const Service& service,
                               const std::string& name, int number, const std::string& hash);

}  // namespace lit::reconciler
