#pragma once
// The labels lit puts on a project's containers. (A replica's container
// request is built in replica_request.hpp.)
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

}  // namespace lit::reconciler
