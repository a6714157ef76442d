#pragma once
// One replica of a service as `lit container run` flags: the reconciler
// creates containers through the same path as the CLI, so a service behaves
// exactly like the equivalent `lit container run -d ...`.
#include <map>
#include <string>
#include <vector>

#include "reconciler/labels.hpp"
#include "reconciler/model.hpp"
#include "runtime/spec/create.hpp"

namespace lit::reconciler {

// A network the container joins after the first one (`network connect`).
struct ExtraNetwork {
  std::string network;  // resource name
  std::string ip;
  std::vector<std::string> aliases;
};

struct ReplicaFlags {
  runtime::CreateFlags flags;
  std::vector<ExtraNetwork> extra_networks;
  // network_mode service:NAME: the applier sets flags.network to
  // container:<ID> of that service's first running replica.
  std::string network_service;
};

// Throws lit::Error naming the service and key for what lit cannot run yet
// (build:, filesystem.copy, external secrets...).
ReplicaFlags replica_flags(const Project& project, const Service& service, const std::string& name,
                           int number, const std::string& hash);

// A shell command running argv as given (CMD-form health checks).
std::string shell_join(const std::vector<std::string>& argv);

}  // namespace lit::reconciler
