#pragma once
// Named volumes, as `docker volume` shows them: <root>/volumes/<name>/_data
// holds the data, <root>/volumes/<name>/volume.json what else docker keeps
// (labels, options, creation time). A container makes a volume it names on
// demand (`-v NAME:/path`, then without volume.json: no labels, created when
// its directory was); `lit volume create` and `lit up` write volume.json.
#include <filesystem>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "runtime/util/paths.hpp"

namespace lit::runtime {

struct VolumeInfo {
  std::string name;
  std::string driver = "local";
  std::string created;  // RFC 3339
  std::map<std::string, std::string> labels, options;
  std::filesystem::path mountpoint;  // <root>/volumes/<name>/_data
};

// Where volumes live: <root>/volumes.
std::filesystem::path volumes_dir(const Paths& paths);

// docker's rule: [a-zA-Z0-9][a-zA-Z0-9_.-]+; throws naming the volume otherwise.
void validate_volume_name(const std::string& name);

// Creates the volume, or returns it when it exists (docker's create is
// idempotent); labels and options are those of the first create. Only the
// local driver, with no driver options, is supported: others are refused.
VolumeInfo create_volume(const Paths& paths, const std::string& name,
                         const std::map<std::string, std::string>& labels = {},
                         const std::map<std::string, std::string>& options = {});

std::optional<VolumeInfo> find_volume(const Paths& paths, const std::string& name);
std::vector<VolumeInfo> list_volumes(const Paths& paths);  // by name

// The names of the containers (any state) that mount it.
std::vector<std::string> volume_users(const Paths& paths, const std::string& name);

// Throws "no such volume: NAME" or, while a container mounts it, "volume is
// in use" naming the containers; nothing is removed then.
void remove_volume(const Paths& paths, const std::string& name);

}  // namespace lit::runtime
