#pragma once
// The labels lit puts on what it makes for a project (as docker compose's
// com.docker.compose.* labels), and the one way to find the containers of a
// project by them.
#include <map>
#include <string>
#include <vector>

#include "reconciler/model.hpp"
#include "runtime/state/record.hpp"
#include "runtime/util/paths.hpp"

namespace lit::reconciler {

inline constexpr const char* kProjectLabel = "lit.project";
inline constexpr const char* kServiceLabel = "lit.service";
inline constexpr const char* kNumberLabel = "lit.number";
inline constexpr const char* kHashLabel = "lit.config-hash";
inline constexpr const char* kNetworkLabel = "lit.network";
inline constexpr const char* kVolumeLabel = "lit.volume";  // a project volume's key in the file
// A `lit run` container ("True", as compose's com.docker.compose.oneoff).
inline constexpr const char* kOneoffLabel = "lit.oneoff";
// The project's files, comma-separated, for `lit ls` (not part of the config hash).
inline constexpr const char* kConfigFilesLabel = "lit.project.config-files";
// The project's directory (compose's com.docker.compose.project.working_dir),
// and its volumes, comma-separated: what `down -v` finds without the file.
inline constexpr const char* kWorkingDirLabel = "lit.project.working-dir";
inline constexpr const char* kVolumesLabel = "lit.project.volumes";

bool is_oneoff(const std::map<std::string, std::string>& labels);

// The value of the label `key` on a container, "" when it has none.
std::string label_of(const runtime::ContainerRecord& record, const char* key);

struct ContainerFilter {
  std::string service{};         // only this service's containers; "": every service
  bool include_oneoffs = false;  // `lit run` containers too (never a service's replicas)
};

// A container of a project, with its state observed live (never a record's
// stale status).
struct ProjectContainer {
  runtime::ContainerRecord record;
  runtime::ContainerState state;
};

// The containers labeled with `project` that pass `filter`, every status, in
// the record store's order.
std::vector<ProjectContainer> project_containers(const Paths& paths, const std::string& project,
                                                 const ContainerFilter& filter = {});

// The project `name` as its containers' labels record it, for the commands
// that need no file when none is found (`lit -p NAME down` from anywhere):
// its services (those with containers), files, directory and volumes. Empty
// (no services) when no container has the name.
Project project_from_labels(const Paths& paths, const std::string& name);

}  // namespace lit::reconciler
