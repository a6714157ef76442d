#pragma once
// The runtime's input: a plain container spec, close in spirit to the OCI
// runtime spec's config.json. It knows nothing of images' formats, projects or
// YAML: whoever builds it (the CLI's `container run`, later the reconciler)
// resolves image config + flags into this.
#include <sys/types.h>

#include <cstdint>
#include <filesystem>
#include <map>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "runtime/cgroups/cgroup.hpp"
#include "runtime/spec/seccomp_profile.hpp"
#include "runtime/spec/userns.hpp"

namespace lit::runtime {

struct Mount {
  std::string destination;           // absolute path inside the container
  std::string type;                  // "bind" or "tmpfs"
  std::string source;                // host path for bind; ignored for tmpfs
  std::vector<std::string> options;  // "ro", "nosuid", "nodev", "noexec", "size=64m", "mode=1777"
};

// An image mounted read-only at destination: an overlay of its layers with
// no upper layer (read-only by construction), or, with a subpath, that path
// of it bound there. Mounted in the container's mount namespace with the
// other mounts, so nothing of it outlives the container's processes.
struct ImageMount {
  std::string destination;                    // absolute path inside the container
  std::string image;                          // the reference as given
  std::string image_id;                       // "sha256:...": what `image rm` sees in use
  std::vector<std::filesystem::path> layers;  // unpacked layers, bottom first
  std::string subpath;                        // relative path inside the image ("" = its root)
};

struct ProcessSpec {
  std::vector<std::string> args;  // args[0] is resolved through PATH from env inside the rootfs
  std::vector<std::string> env;   // "K=V"
  std::string cwd = "/";
  uid_t uid = 0;
  gid_t gid = 0;
  std::vector<gid_t> additional_gids;
  bool terminal = false;    // -t: a pty whose master stays with the caller
  bool stdin_open = false;  // -i: keep stdin connected
  // docker's StdinOnce (compose run): the first attached client's end of
  // input closes the container's stdin.
  bool stdin_once = false;
};

// A host device given to the container (--device, a service's devices:): a
// node made at `path` in the container's /dev with the host node's type and
// numbers, and allowed in its device cgroup with `access`.
struct DeviceNode {
  std::string path;       // absolute path inside the container
  std::string host_path;  // the host's node: bound there where mknod is refused
  cgroups::DeviceType type = cgroups::DeviceType::Char;  // Char or Block
  std::uint32_t major = 0, minor = 0;
  unsigned mode = 0666;  // the host node's permission bits
  uid_t uid = 0;
  gid_t gid = 0;
  unsigned access = cgroups::kDeviceAllAccess;  // cgroups::kDevice* bits
  bool operator==(const DeviceNode&) const = default;
};

struct SecuritySpec {
  bool privileged = false;           // all capabilities, no seccomp, no masked paths
  std::vector<std::string> cap_add;  // "NET_ADMIN" or "CAP_NET_ADMIN", "ALL"
  std::vector<std::string> cap_drop;
  bool no_new_privileges = false;  // the front ends turn it on: apply_security_opts
  bool seccomp = true;             // lit's default profile unless disabled
  // seccomp=FILE: this profile instead of lit's default (when seccomp is on).
  std::optional<SeccompProfile> seccomp_profile;
  // apparmor=: "" for lit's default, "unconfined", or a profile's name
  // (runtime/security/apparmor.hpp decides what applies on the host).
  std::string apparmor;
  bool read_only_rootfs = false;
};

// None: a network namespace with loopback only. Host: the host's. Bridge: a
// namespace of its own, attached to lit networks by the network manager.
// Container: another running container's (`--network container:NAME`).
enum class NetworkMode { None, Host, Bridge, Container };

// --pid, --ipc, --uts: whose namespace the container's processes live in.
// Private: one of its own; Shareable (ipc): its own, which other containers may
// join; Host: the host's; Container: another running container's.
// None (ipc only): a private IPC namespace without /dev/shm, as docker's --ipc none.
enum class NamespaceMode { Private, Shareable, Host, Container, None };
struct NamespaceShare {
  NamespaceMode mode = NamespaceMode::Private;
  // Container: the joined container (a name or an id in a request; its id in a spec).
  std::string container;
  bool operator==(const NamespaceShare&) const = default;
};

struct ContainerSpec {
  std::string id;  // 64 hex chars; names kernel objects (cgroup lit/<id>)
  std::string name;
  std::vector<std::filesystem::path> layers;  // unpacked image layers, bottom first
  // The container's directory on disk (<root>/containers/<id>; <id>/bundle for
  // containers of an older lit): upper/ and work/ (overlay) and files/ (the
  // files lit writes for it). A run without a run directory (RunHooks) also
  // puts merged/ (the mount point) and the etc files here.
  std::filesystem::path bundle;
  std::string hostname;
  ProcessSpec process;
  std::vector<Mount> mounts;
  std::vector<ImageMount> image_mounts;
  cgroups::Limits limits;
  // Who makes its cgroup (chosen at create; later commands use the same).
  cgroups::ManagerKind cgroup_manager = cgroups::ManagerKind::Cgroupfs;
  NetworkMode network = NetworkMode::None;
  // Container: the id of the container whose network namespace it joins at
  // start (and whose /etc/hosts and /etc/resolv.conf it gets).
  std::string network_container;
  // Bridge: the container's address on its first network (its /etc/hosts
  // entry) and the nameservers of its /etc/resolv.conf (lit's DNS server).
  std::string address;
  std::vector<std::string> dns_servers;
  // --dns-search, --dns-option: resolv.conf's search and options (empty: the host's).
  std::vector<std::string> dns_search, dns_options;
  // --add-host: extra /etc/hosts lines, {name, address}.
  std::vector<std::pair<std::string, std::string>> extra_hosts;
  // --ulimit: setrlimit before the command runs.
  struct Rlimit {
    int resource = 0;  // RLIMIT_*
    std::uint64_t soft = 0, hard = 0;
  };
  std::vector<Rlimit> rlimits;
  std::int64_t shm_size = 64 << 20;  // --shm-size: /dev/shm's size in bytes
  std::vector<DeviceNode> devices;   // --device: beside the default nodes
  // --device-cgroup-rule: allowed beside the defaults and the devices (no node made)
  std::vector<cgroups::DeviceRule> device_cgroup_rules;
  SecuritySpec security;
  std::map<std::string, std::string> sysctls;
  // The writable layer is thrown away after the run (--rm): overlay may skip
  // syncing it ("volatile"), sparing a host journal commit at unmount.
  bool volatile_rootfs = false;
  // --init: lit's own minimal init (the lit-init binary next to lit, bind-mounted
  // read-only into the container) runs as PID 1, forwards signals, reaps zombies
  // and runs process.args as its child.
  bool init = false;
  // --pid, --ipc, --uts (uts: Private or Host).
  NamespaceShare pid, ipc, uts;
  // --userns auto: its own user namespace with this mapping (the range lit
  // allocated at create); empty: the host's.
  UserNamespace userns;
};

}  // namespace lit::runtime
