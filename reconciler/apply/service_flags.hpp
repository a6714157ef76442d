#pragma once
// One replica of a service as `lit container run` flags: the reconciler
// creates containers through the same path as the CLI, so a service behaves
// exactly like the equivalent `lit container run -d ...`.
#include <map>
#include <string>
#include <vector>

#include "reconciler/model.hpp"
#include "runtime/spec/create.hpp"

namespace lit::reconciler {

// Labels lit puts on what it makes for a project (as com.docker.compose.* do).
inline constexpr const char* kProjectLabel = "lit.project";
inline constexpr const char* kServiceLabel = "lit.service";
inline constexpr const char* kNumberLabel = "lit.number";
inline constexpr const char* kHashLabel = "lit.config-hash";
inline constexpr const char* kNetworkLabel = "lit.network";
// A `lit run` container ("True", as compose's com.docker.compose.oneoff).
inline constexpr const char* kOneoffLabel = "lit.oneoff";
// The project's files, comma-separated, for `lit ls` (not part of the config hash).
inline constexpr const char* kConfigFilesLabel = "lit.project.config-files";

inline bool is_oneoff(const std::map<std::string, std::string>& labels) {
  auto it = labels.find(kOneoffLabel);
  return it != labels.end() && it->second == "True";
}

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
