#pragma once
// The normalized project: what reconciler::load_project makes of lit.yml or
// compose files after discovery, merging, interpolation, extends, profiles and
// normalization. Every short form is expanded to one long form here, so the
// planner and the applier never see YAML, and to_json() is canonical (sorted
// keys, defaults filled in): a hash over it sees every change of a service.
#include <cstdint>
#include <map>
#include <nlohmann/json_fwd.hpp>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "reconciler/update_policy.hpp"
#include "runtime/lifecycle/restart_policy.hpp"
#include "runtime/shim/log_writer.hpp"
#include "runtime/spec/options.hpp"
#include "runtime/spec/published_port.hpp"

namespace lit::reconciler {

// A setting the loader parsed once with the runtime's parser, and the text the
// file gave for it: the applier uses the value; to_json, so `lit config` and the
// config hash, prints the text, as when lit kept only the text.
template <class T>
struct Parsed {
  std::string text;
  T value{};
  bool operator==(const Parsed&) const = default;
};

// A duration as docker prints it (Go's time.Duration format: "1m30s", "500ms").
struct Duration {
  std::string text;
  std::int64_t nanoseconds = 0;
  bool operator==(const Duration&) const = default;
};

// One published port: host_ip:published -> target/protocol. Port ranges are
// expanded to one mapping per port, but for a host range published on one
// container port, which the replicas share out.
struct PortMapping {
  std::string host_ip;          // "" = every address of the host
  std::uint16_t published = 0;  // 0 = a free port chosen at start
  std::uint16_t target = 0;
  std::string protocol = "tcp";  // tcp | udp | sctp
  // Set by the loader, as the runtime takes them: the protocol (nullopt: sctp,
  // which it does not publish) and the host address ("" = every address;
  // nullopt: not an IPv4 address).
  std::optional<runtime::Proto> proto = runtime::Proto::Tcp;
  std::optional<std::string> runtime_host_ip = "";
  // "8000-8002:80": the host range's last port; replica N publishes published + N - 1.
  std::uint16_t published_last = 0;
  // The runtime's -p form "[IP:][HOST:]CONTAINER[/proto]" (proto only when not tcp).
  std::string to_publish_spec() const;
  bool operator==(const PortMapping&) const = default;
};

enum class MountType { volume, bind, tmpfs, image };

// A service's volume, bind mount, tmpfs or image (`volumes:` and `tmpfs:` keys).
struct Mount {
  MountType type = MountType::volume;
  // volume: the key in Project::volumes ("" = anonymous volume); bind: an
  // absolute host path (relative paths resolved against the project dir); tmpfs: "";
  // image: the image's reference.
  std::string source;
  std::string target;  // absolute path inside the container
  bool read_only = false;
  bool create_host_path = true;            // bind: create a missing source directory
  std::optional<std::int64_t> tmpfs_size;  // bytes
  std::optional<std::uint32_t> tmpfs_mode;
  bool volume_nocopy = false;
  // image: `image: {subpath: ...}`, a relative path inside the image mounted
  // instead of its root ("" = the root); never absolute, never above the root.
  std::string image_subpath;
  bool operator==(const Mount&) const = default;
};

enum class DependCondition { service_started, service_healthy, service_completed_successfully };

// A legacy link: "SERVICE" or "SERVICE:ALIAS" (alias = service when not given).
struct ServiceLink {
  std::string service, alias;
  bool operator==(const ServiceLink&) const = default;
};

struct Dependency {
  DependCondition condition = DependCondition::service_started;
  bool restart = false;
  bool required = true;
  bool operator==(const Dependency&) const = default;
};

struct Healthcheck {
  // ["CMD", arg...], ["CMD-SHELL", "cmd"] or ["NONE"]; empty = the image's own test.
  std::vector<std::string> test;
  bool disable = false;  // `disable: true` or test NONE
  std::optional<Duration> interval, timeout, start_period, start_interval;
  std::optional<int> retries;
  bool operator==(const Healthcheck&) const = default;
};

// A service's attachment to one of the project's networks (key of Project::networks).
struct ServiceNetwork {
  std::vector<std::string> aliases;
  // Aliases other services' links give this one here (sorted; not printed
  // by `lit config`, which prints the links).
  std::vector<std::string> link_aliases;
  std::string ipv4_address, ipv6_address;
  int priority = 0;
  // The container's MAC on this network as written ("" = derived from its
  // address) and the name of its interface there ("" = the next free ethN).
  std::string mac_address, interface_name;
  bool operator==(const ServiceNetwork&) const = default;
};

// optimize: lit's own key, per service or at the top level for every
// service (a service's own keys win). See README "optimize:".
struct Optimize {
  // The supervisor samples the container's memory use every second
  // (<container>/memory.samples); `lit optimize report` reads them.
  bool auto_memory_tune = false;
  // A suggested limit is the observed peak times (1 + headroom), rounded up.
  double memory_headroom = 0.25;
  // With auto_memory_tune, a limit the user's own files did not set (one
  // `lit optimize apply` wrote) is raised when the container keeps reaching
  // it or is OOM-killed, never above this (nullopt: never raised).
  std::optional<std::int64_t> memory_ceiling;
  // `lit up` runs the service on its verified slim image, once `lit optimize
  // image` has made one.
  bool shrink_image = false;
  std::vector<std::string> keep;    // absolute paths a slim image keeps
  std::vector<std::string> verify;  // a command the slim image must pass (empty: the health check)
  bool operator==(const Optimize&) const = default;
};

// Limits from mem_limit / cpus / pids_limit / ... and deploy.resources.limits.
struct Resources {
  std::optional<std::int64_t> memory;              // bytes
  std::optional<std::int64_t> memory_reservation;  // bytes
  std::optional<std::int64_t> memswap;             // bytes (-1 = unlimited)
  std::optional<double> cpus;
  std::optional<std::int64_t> cpu_shares;
  std::optional<std::int64_t> pids;
  bool operator==(const Resources&) const = default;
};

struct Ulimit {
  std::int64_t soft = 0, hard = 0;
  // The runtime's RLIMIT_* for the limit's name (the key of Service::ulimits),
  // set by the loader; nullopt: a name the runtime does not know.
  std::optional<int> resource;
  bool operator==(const Ulimit&) const = default;
};

struct Logging {
  std::string driver;  // "" = lit's default (json-file)
  std::map<std::string, std::string> options;
  // The options as the runtime reads them (the loader applies each, as --log-opt).
  shim::LogOptions log;
  // `log` follows from `options`.
  bool operator==(const Logging& o) const { return driver == o.driver && options == o.options; }
};

// `build:` in full; lit's image builder (a later issue) consumes it.
struct Build {
  std::string context;  // absolute path (or a URL, kept as written)
  std::string dockerfile;
  std::string dockerfile_inline;
  std::map<std::string, std::optional<std::string>> args;  // nullopt: from the environment at build
  std::string target;
  std::map<std::string, std::string> labels;
  std::vector<std::string> cache_from, cache_to, tags, platforms, extra_hosts;
  std::string network;
  std::optional<std::int64_t> shm_size;
  bool no_cache = false, pull = false;
  bool operator==(const Build&) const = default;
};

// One file copied into a layer on top of the base image (the shorthand's
// filesystem.copy "SRC:DEST"); needs the image builder.
struct CopySpec {
  std::string source;  // absolute host path
  std::string target;  // absolute path in the image
  bool operator==(const CopySpec&) const = default;
};

// A service's use of a secret or config, resolved against the top-level definition.
struct FileRef {
  std::string source;  // key in Project::secrets / Project::configs
  std::string target;  // absolute; secrets default to /run/secrets/<source>, configs to /<source>
  // The file's text ("" = not given); the number when the runtime writes the
  // file (environment and content sources), nullopt otherwise.
  Parsed<std::optional<std::uint32_t>> uid, gid;
  std::optional<std::uint32_t> mode;
  // Resolved from the top-level definition (exactly one is set unless external):
  std::string file;                    // absolute host path
  std::string environment;             // variable name (its value is in `content`)
  std::optional<std::string> content;  // configs' `content:` or the environment value
  bool operator==(const FileRef&) const = default;
};

// network_mode as lit runs it: the runtime's host, none or container:NAME, or
// service:NAME (another service's namespace, a replica chosen at apply).
struct NetworkModeSetting {
  runtime::NetworkMode mode = runtime::NetworkMode::None;
  std::string container;  // container:NAME
  std::string service;    // service:NAME
  bool operator==(const NetworkModeSetting&) const = default;
};

// pid, ipc or uts as lit runs it: the runtime's mode (host, shareable,
// container:NAME), or service:NAME (that service's first replica, chosen at apply).
struct NamespaceSetting {
  runtime::NamespaceShare share;
  std::string service;  // service:NAME
  bool operator==(const NamespaceSetting&) const = default;
};

// One volumes_from entry: SERVICE or container:NAME, then :ro or :rw for all
// of its mounts (none: each keeps its own mode).
struct VolumesFromRef {
  std::string text;  // as written ("db:ro", "container:data")
  std::string service, container;
  std::optional<bool> read_only;
  bool operator==(const VolumesFromRef&) const = default;
};

// A lifecycle hook (post_start, pre_stop): a command run inside the
// container as `lit exec` runs one.
struct ServiceHook {
  std::vector<std::string> command;
  std::string user;         // USER[:GROUP] as `exec -u` takes it; "" = the container's
  bool privileged = false;  // every capability (as `exec --privileged`)
  std::string working_dir;  // absolute; "" = the container's
  // "K=V" over the container's environment, sorted by key
  std::vector<std::string> environment;
  bool operator==(const ServiceHook&) const = default;
};

// One rule of develop.watch (the Compose Develop Specification), for `lit watch`.
struct WatchExec {  // sync+exec: run in each of the service's containers after a sync
  std::vector<std::string> command;
  std::string user, working_dir;
  bool privileged = false;
  std::vector<std::string> environment;  // "K=V", over the container's
  bool operator==(const WatchExec&) const = default;
};

struct WatchRule {
  std::string path;    // absolute host path watched (a directory or a file)
  std::string action;  // sync, sync+restart, sync+exec, rebuild or restart
  std::string target;  // absolute path in the container (the sync actions)
  std::optional<WatchExec> exec;
  std::vector<std::string> include, ignore;  // .dockerignore patterns, relative to path
  bool initial_sync = false;
  bool operator==(const WatchRule&) const = default;
};

// deploy.update_config as written (nullopt: not given; UpdatePolicy's default).
struct UpdateConfig {
  std::optional<int> parallelism;
  std::optional<Duration> delay, monitor;
  std::optional<UpdateFailureAction> failure_action;
  std::optional<double> max_failure_ratio;
  std::optional<UpdateOrder> order;
  UpdatePolicy policy() const;  // the defaults filled in
  bool operator==(const UpdateConfig&) const = default;
};

struct Service {
  std::string name;
  std::string image;  // "" only with build / copy
  std::optional<Build> build;
  std::vector<CopySpec> copy;  // shorthand filesystem.copy: needs the image builder
  std::string pull_policy;
  std::string platform;
  std::optional<std::vector<std::string>> command;     // nullopt: the image's
  std::optional<std::vector<std::string>> entrypoint;  // nullopt: the image's
  // "K=V" as the runtime takes it (names checked as -e checks them), env_file
  // entries then environment, sorted by key
  std::vector<std::string> environment;
  std::vector<std::string>
      env_files;  // absolute paths, in order (their contents are in environment)
  // Required env files that could not be read, as located errors ("lit.yml:5:15:
  // services.web.env_file[0]: cannot read env file ..."): set only when the
  // command loading the project does not use the service (LoadOptions::env_file_services).
  std::vector<std::string> missing_env_files;
  std::vector<PortMapping> ports;
  std::vector<std::string> expose;                 // "8080" or "8080/udp"
  std::vector<Mount> volumes;                      // includes `tmpfs:` entries as MountType::tmpfs
  std::map<std::string, ServiceNetwork> networks;  // empty only with network_mode
  // Service-level mac_address as written: the MAC on the primary network (the
  // first by priority, then name), as docker compose applies it.
  std::string mac_address;
  // text "" (networks), host, none, service:NAME, container:NAME
  Parsed<NetworkModeSetting> network_mode;
  std::map<std::string, Dependency> depends_on;
  std::vector<ServiceLink> links;  // also in depends_on and as link_aliases
  std::optional<Healthcheck> healthcheck;
  // no | always | on-failure[:N] | unless-stopped
  Parsed<runtime::RestartPolicy> restart{"no", {}};
  int replicas = 1;
  // deploy.update_config; not part of the config hash (how `up` replaces the
  // containers, not what they are).
  std::optional<UpdateConfig> update_config;
  Resources resources;
  std::optional<Parsed<runtime::UserArg>> user;  // USER[:GROUP], read as `run -u` reads it
  std::string working_dir, hostname, domainname, container_name;
  std::optional<bool> init;
  std::optional<Parsed<int>> stop_signal;  // "SIGQUIT", "quit" or "3" -> SIGQUIT
  std::optional<Duration> stop_grace_period;
  std::vector<std::string> cap_add, cap_drop;
  std::vector<Parsed<runtime::SecurityOpt>> security_opt;
  bool privileged = false, read_only = false, tty = false, stdin_open = false;
  std::map<std::string, std::string> labels;
  std::optional<Logging> logging;
  // {name, address}, "name:address" in to_json
  std::vector<std::pair<std::string, std::string>> extra_hosts;
  std::vector<std::string> dns;  // IPv4 or IPv6 addresses
  std::vector<std::string> dns_search, dns_opt;
  std::map<std::string, std::string> sysctls;
  std::map<std::string, Ulimit> ulimits;
  std::optional<std::int64_t> shm_size;  // bytes
  // devices: text "HOST:CONTAINER:PERMS" (normalized), read as --device reads it
  std::vector<Parsed<runtime::DeviceRequest>> devices;
  // devices given as CDI names: text "VENDOR/CLASS=NAME"; their spec files are
  // read where the containers are created
  std::vector<Parsed<runtime::cdi::DeviceName>> cdi_devices;
  // device_cgroup_rules: text "c 1:3 rwm" (normalized), read as --device-cgroup-rule reads it
  std::vector<Parsed<cgroups::DeviceRule>> device_cgroup_rules;
  std::vector<FileRef> secrets, configs;
  std::vector<std::string> profiles;
  std::vector<ServiceHook> post_start, pre_stop;
  std::vector<WatchRule> watch;  // develop.watch; not part of the config hash
  // text "" = not given (a private namespace)
  Parsed<NamespaceSetting> pid, ipc, uts;
  std::vector<VolumesFromRef> volumes_from;
  // userns_mode: host (docker's) or auto[:size=N] (podman's): each container
  // its own range (text "" = not given: the host's).
  Parsed<runtime::UsernsRequest> userns_mode;
  Optimize optimize;
  // Where resources.memory came from lit.optimize.yml (`lit optimize apply`),
  // not from the user's own files: only such a limit is raised (memory_ceiling).
  bool memory_from_optimize = false;
  bool operator==(const Service&) const = default;
};

struct IpamPool {
  std::string subnet, gateway, ip_range;
  bool operator==(const IpamPool&) const = default;
};

struct Network {
  std::string name;  // the resource name: "<project>_<key>" unless `name:` or external
  std::string driver = "bridge";
  std::map<std::string, std::string> driver_opts;
  bool internal = false, external = false, attachable = false, enable_ipv6 = false;
  std::vector<IpamPool> ipam;
  std::map<std::string, std::string> labels;
  bool operator==(const Network&) const = default;
};

struct Volume {
  std::string name;  // "<project>_<key>" unless `name:` or external
  std::string driver = "local";
  std::map<std::string, std::string> driver_opts;
  bool external = false;
  std::map<std::string, std::string> labels;
  bool operator==(const Volume&) const = default;
};

// A top-level secret or config definition.
struct FileSource {
  std::string name;
  std::string file;                    // absolute host path
  std::string environment;             // variable name
  std::optional<std::string> content;  // configs' inline `content:` or the environment value
  bool external = false;
  bool operator==(const FileSource&) const = default;
};

struct Project {
  std::string name;
  std::string working_dir;         // absolute project directory
  std::vector<std::string> files;  // absolute paths of the files loaded, in merge order
  // Every other file the loader read: include:'d files and their env files,
  // extends: file: (absolute, first read first). `bundle create` carries them.
  std::vector<std::string> other_files;
  std::map<std::string, Service> services;     // active services only
  std::vector<std::string> disabled_services;  // defined, but in no active profile
  std::map<std::string, Network> networks;     // includes "default" when a service uses it
  std::map<std::string, Volume> volumes;
  std::map<std::string, FileSource> secrets, configs;
  Optimize optimize;  // the top-level optimize: (each service starts from it)
  // <working_dir>/lit.optimize.yml when it exists and was applied ("" otherwise)
  std::string optimize_file;
  std::vector<std::string> warnings;  // "FILE:LINE:COL: key.path: message"
};

std::string to_string(MountType t);
std::string to_string(DependCondition c);

// The images a service's `type: image` volumes mount, each once, in file order:
// pulled as the service's own image is, and part of its config hash.
std::vector<std::string> mounted_images(const Service& s);

// Canonical JSON (sorted keys, every field present or explicitly absent by
// rule: optionals are omitted when unset). Used by `lit config` and config hashes.
nlohmann::json to_json(const Service& s);
nlohmann::json to_json(const Project& p);
nlohmann::json optimize_json(const Optimize& o);

// Service names in an order where every service comes after its depends_on.
std::vector<std::string> start_order(const Project& p);

}  // namespace lit::reconciler
