#pragma once
// `lit container run`'s flags as the user typed them (CLI11 binds into
// CreateFlags), and the one function that turns them into the runtime's typed
// request.
#include <optional>
#include <string>
#include <vector>

#include "runtime/spec/options.hpp"
#include "runtime/spec/request.hpp"

namespace lit::app {

struct CreateFlags {
  std::string image;
  std::string pull = "missing";      // --pull always|missing|never
  std::vector<std::string> command;  // after IMAGE: overrides the image's Cmd
  std::optional<std::string> entrypoint;
  std::string name;
  std::vector<std::string> env;        // -e K=V or K
  std::vector<std::string> env_files;  // --env-file
  std::string workdir;
  std::string user;
  std::string hostname;
  std::vector<std::string> volumes;
  std::vector<std::string> tmpfs;
  std::string memory, cpus, pids_limit;
  std::string network = "none";              // none, host, container:NAME or a lit network's name
  std::string ip;                            // --ip on that network
  std::vector<std::string> network_aliases;  // --network-alias
  std::string mac_address;                   // --mac-address on that network
  std::vector<std::string> publish;          // -p [HOST_IP:][HOST_PORT:]PORT[/proto]
  std::vector<std::string> add_hosts;        // --add-host NAME:IP
  std::vector<std::string> dns, dns_search, dns_options;  // --dns, --dns-search, --dns-option
  std::vector<std::string> sysctls;                       // --sysctl K=V
  std::vector<std::string> ulimits;                       // --ulimit nofile=1024[:2048]
  std::string shm_size;                                   // --shm-size 64m
  std::vector<std::string> devices;                       // --device HOST[:CONTAINER][:PERMS]
  std::vector<std::string> device_cgroup_rules;           // --device-cgroup-rule 'c 1:3 rwm'
  std::string pid, ipc, uts;                              // --pid, --ipc, --uts
  std::string userns;                                     // --userns host|auto[:size=N]
  std::vector<std::string> volumes_from;                  // --volumes-from CONTAINER[:ro|rw]
  bool interactive = false, tty = false;
  std::vector<std::string> cap_add, cap_drop;
  bool privileged = false, read_only = false;
  std::vector<std::string> security_opts;
  std::vector<std::string> labels;
  bool auto_remove = false;               // --rm
  bool detach = false;                    // -d
  bool foreground_run = false;            // `run` without -d (see ContainerRequest)
  std::string restart = "no";             // --restart no|always|on-failure[:N]|unless-stopped
  bool restart_on_unhealthy = false;      // --restart-on-unhealthy
  std::vector<std::string> log_opts;      // --log-opt max-size=10m / max-file=3
  std::optional<std::string> health_cmd;  // --health-cmd (a shell command)
  std::string health_interval, health_timeout, health_start_period, health_start_interval,
      health_retries;
  bool no_healthcheck = false;  // --no-healthcheck
  bool init = false;            // --init
  std::string stop_signal;      // --stop-signal (default: the image's, else SIGTERM)
  std::string stop_timeout;     // --stop-timeout seconds (default 10)
};

// Parses and checks every flag (sizes, cpus, volumes, user, names, ports,
// durations...) without touching the image or the disk (apart from reading
// --env-file files), so a typo is reported before anything else; each error
// names its flag. `-e K` and bare names in env files are taken from `lookup`.
runtime::ContainerRequest request_from_flags(
    const CreateFlags& flags, const runtime::EnvLookup& lookup = runtime::process_env_lookup());

}  // namespace lit::app
