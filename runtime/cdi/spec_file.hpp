#pragma once
// A CDI spec file (*.json or *.yaml in a spec directory, see registry.hpp),
// read into typed values: its kind, its devices and the container edits each
// asks for. Errors name the file and the field:
//   CDI spec /etc/cdi/x.json: devices[0].containerEdits.deviceNodes[1].path: missing
#include <sys/types.h>

#include <cstdint>
#include <filesystem>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace lit::runtime::cdi {

// A device node to make in the container; what is missing is filled from the
// host's node when the edits are applied (see apply.hpp).
struct DeviceNodeEdit {
  std::string path;       // in the container
  std::string host_path;  // "" = path
  std::string type;       // "" (the host node's), "b", "c", "u" or "p"
  std::optional<std::int64_t> major, minor;
  std::optional<unsigned> file_mode;  // permission bits; nullopt: the host node's
  std::string permissions;            // device cgroup access, r, w, m ("" = rwm)
  std::optional<uid_t> uid;
  std::optional<gid_t> gid;
  bool operator==(const DeviceNodeEdit&) const = default;
};

struct MountEdit {
  std::string host_path, container_path;
  std::string type;  // "" for a bind mount
  std::vector<std::string> options;
  bool operator==(const MountEdit&) const = default;
};

// An OCI hook: read so its presence is reported, never run (lit has no hooks).
struct HookEdit {
  std::string hook_name, path;
  bool operator==(const HookEdit&) const = default;
};

struct ContainerEdits {
  std::vector<std::string> env;  // "K=V"
  std::vector<DeviceNodeEdit> device_nodes;
  std::vector<MountEdit> mounts;
  std::vector<HookEdit> hooks;
  std::vector<gid_t> additional_gids;
  // Fields lit reads but cannot apply (intelRdt, netDevices): refused when used.
  std::vector<std::string> unsupported;
  bool operator==(const ContainerEdits&) const = default;
};

struct Device {
  std::string name;
  ContainerEdits edits;
  bool operator==(const Device&) const = default;
};

struct Spec {
  std::filesystem::path file;  // where it was read
  std::string version;         // cdiVersion
  std::string kind;            // "vendor/class"
  std::vector<Device> devices;
  ContainerEdits edits;  // applied once when any of its devices is
  bool operator==(const Spec&) const = default;
};

// The cdiVersion values lit reads (0.3.0 to 1.0.0).
const std::vector<std::string_view>& supported_versions();

enum class Format { Json, Yaml };
// Parses a spec; `source` names it in errors ("CDI spec SOURCE: FIELD: why").
Spec parse_spec(std::string_view text, Format format, const std::filesystem::path& source);
// Reads a file, JSON or YAML by its extension.
Spec read_spec(const std::filesystem::path& file);

}  // namespace lit::runtime::cdi
