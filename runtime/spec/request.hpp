#pragma once
// What a caller asks the runtime to create: every setting typed, nothing left
// as command-line text. `lit container run` (app/run_flags.hpp) and a
// project's services (reconciler/apply/replica_request.hpp) each build one;
// create_container merges it with the image as docker does.
#include <sys/types.h>

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "runtime/cdi/name.hpp"
#include "runtime/cgroups/cgroup.hpp"
#include "runtime/lifecycle/memory_tune.hpp"
#include "runtime/lifecycle/restart_policy.hpp"
#include "runtime/shim/log_writer.hpp"
#include "runtime/spec/published_port.hpp"
#include "runtime/spec/spec.hpp"

namespace lit::runtime {

// A file whose content lit writes into the container's own directory and
// bind-mounts read-only at `target` (a project's secret or config from the
// environment or inline `content:`); removed with the container.
struct ContentFile {
  std::string target;  // absolute path inside the container
  std::string content;
  unsigned mode = 0444;
  std::optional<uid_t> uid;
  std::optional<gid_t> gid;
};

// A host directory or a volume mounted in the container (-v, a service's volumes:).
struct VolumeMount {
  enum class Kind { Bind, Named, Anonymous };
  Kind kind = Kind::Bind;
  // Absolute host path (Bind) or volume name (Named); Anonymous: empty for a
  // new volume, else an existing anonymous volume (a recreated container's).
  std::string source;
  std::string destination;  // absolute, normalized, not "/"
  bool read_only = false;
};

// --volumes-from CONTAINER[:ro|:rw]: that container's volumes and binds, at
// the same paths (tmpfs and lit's own files are not inherited, as with docker).
struct VolumesFrom {
  std::string container;          // a name or an id
  std::optional<bool> read_only;  // ro / rw for all; nullopt: each mount's own mode
};

// An image's filesystem mounted read-only in the container (a service's
// volume of type image); the image is resolved at create.
struct ImageMountRequest {
  std::string image;        // reference or id
  std::string subpath;      // relative path inside the image ("" = its root)
  std::string destination;  // absolute, normalized, not "/"
};

// --device HOST[:CONTAINER][:PERMS], a service's devices: a host device node
// to make in the container's /dev (resolved at create, see spec/devices.hpp).
struct DeviceRequest {
  std::string host_path;                        // absolute
  std::string container_path;                   // absolute, normalized, under /dev
  unsigned access = cgroups::kDeviceAllAccess;  // cgroups::kDevice* bits
  bool operator==(const DeviceRequest&) const = default;
};

// Where the container's network namespace comes from.
struct NetworkRequest {
  NetworkMode mode = NetworkMode::None;
  // Bridge: the lit network joined at create. Container: the container whose
  // namespace it joins (a name or an id; resolved to the id at create).
  std::string name;
  std::string ip;                    // Bridge: asked address ("" = the next free one)
  std::vector<std::string> aliases;  // Bridge: more DNS names on that network
  std::string mac;                   // Bridge: --mac-address ("" = derived from the address)
  std::string interface;             // Bridge: its name in the container ("" = eth0)
};

// The network as `--network` names it: none, host, container:NAME or NAME.
std::string network_text(const NetworkRequest& network);

// Changes to the image's HEALTHCHECK (docker's rules: each set field replaces the image's).
struct HealthOverride {
  bool disable = false;                          // --no-healthcheck
  std::optional<std::vector<std::string>> test;  // ["CMD-SHELL", cmd] or ["CMD", args...]
  std::optional<std::int64_t> interval_ns, timeout_ns, start_period_ns, start_interval_ns;
  std::optional<unsigned> retries;
};

// -u USER[:GROUP], each part a name or a number (resolved at create against
// the image's etc/passwd and etc/group).
struct UserArg {
  std::string user;
  std::string group;  // empty: the user's primary group
  bool operator==(const UserArg&) const = default;
};

struct ContainerRequest {
  std::string image;  // reference or id
  // Replaces the image's Entrypoint (and drops its Cmd), as --entrypoint does.
  std::optional<std::vector<std::string>> entrypoint;
  std::vector<std::string> command;  // empty: the image's Cmd (unless entrypoint is set)
  std::string name;                  // "" = a generated one
  // The user's variables, K=V, later entries already applied over earlier ones
  // (env files, then -e); merged over the image's Env at create.
  std::vector<std::string> env;
  std::optional<UserArg> user;  // USER[:GROUP], names or ids (nullopt = the image's)
  std::string workdir;          // absolute ("" = the image's)
  std::string hostname;         // "" = the short id (the host's with network host)
  std::vector<VolumeMount> volumes;
  std::vector<ImageMountRequest> image_mounts;
  std::vector<Mount> tmpfs;  // type "tmpfs", options complete
  std::vector<ContentFile> content_files;
  cgroups::Limits limits;
  NetworkRequest network;
  std::vector<PublishedPort> ports;
  std::vector<std::pair<std::string, std::string>> extra_hosts;  // {name, address}
  std::vector<std::string> dns, dns_search, dns_options;
  std::map<std::string, std::string> sysctls;
  std::vector<ContainerSpec::Rlimit> rlimits;
  std::optional<std::int64_t> shm_bytes;  // nullopt: 64 MB
  std::vector<DeviceRequest> devices;
  // --device VENDOR/CLASS=NAME, a service's devices: CDI devices, whose spec
  // files are read and edits applied at create (runtime/cdi/).
  std::vector<cdi::DeviceName> cdi_devices;
  std::vector<cgroups::DeviceRule> device_cgroup_rules;  // --device-cgroup-rule
  SecuritySpec security;
  std::map<std::string, std::string> labels;
  bool tty = false, interactive = false;
  bool stdin_once = false;   // with interactive: docker's StdinOnce (compose run)
  bool auto_remove = false;  // --rm
  bool detach = false;       // -d
  // Set by `run` without -d: the container lives as long as that lit command
  // does, so with --rm its record can stay in the run root (RecordHome::RunRoot).
  bool foreground_run = false;
  RestartPolicy restart;
  shim::LogOptions log;
  HealthOverride health;
  std::optional<int> stop_signal;  // nullopt: the image's StopSignal, else SIGTERM
  int stop_timeout = 10;           // seconds between the stop signal and SIGKILL
  bool init = false;               // --init
  NamespaceShare pid, ipc, uts;    // --pid, --ipc, --uts
  std::vector<VolumesFrom> volumes_from;
  UsernsRequest userns;    // --userns, userns_mode
  MemoryTune memory_tune;  // a service's optimize.auto_memory_tune
};

// What can be checked without the image or the disk: names, network mode
// against ports/DNS/hosts, limits' ranges, sysctls, paths; throws lit::Error
// in the words of the matching `run` flag.
void check_request(const ContainerRequest& request);

// Pieces of check_request, for a caller that checks them in its own order.
void check_name(const std::string& name);
void check_hostname(const std::string& hostname);
// -p, --ip and --network-alias need a lit network; the container mode takes
// ports, DNS servers and hosts from its target.
void check_network_use(const NetworkRequest& network, bool ports, bool dns, bool extra_hosts);

}  // namespace lit::runtime
