#pragma once
// From `container run` flags and an image's config to a ContainerSpec, merged
// as docker merges them (entrypoint/cmd, env precedence, workdir, user).
#include <sys/types.h>

#include <filesystem>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "runtime/spec/options.hpp"
#include "runtime/spec/spec.hpp"
#include "runtime/image/store.hpp"
#include "runtime/util/paths.hpp"

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

// The flags as the user typed them; parsed and validated by build_spec.
struct CreateFlags {
  std::string image;
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
  std::string network = "none";              // none, host, or a lit network's name
  std::string ip;                             // --ip on that network
  std::vector<std::string> network_aliases;   // --network-alias
  std::vector<std::string> publish;           // -p [HOST_IP:][HOST_PORT:]PORT[/proto]
  std::vector<std::string> add_hosts;         // --add-host NAME:IP
  std::vector<std::string> dns, dns_search, dns_options;  // --dns, --dns-search, --dns-option
  std::vector<std::string> sysctls;           // --sysctl K=V
  std::vector<std::string> ulimits;           // --ulimit nofile=1024[:2048]
  std::string shm_size;                       // --shm-size 64m
  bool interactive = false, tty = false;
  std::vector<std::string> cap_add, cap_drop;
  bool privileged = false, read_only = false;
  std::vector<std::string> security_opts;
  std::vector<std::string> labels;
  bool auto_remove = false;  // --rm
  // Lifecycle (issue 3): detached runs, the supervisor's policies, --init.
  bool detach = false;                // -d
  // Set by `run` without -d: the container lives as long as that lit command
  // does, so with --rm its record can stay in the run root (RecordHome::RunRoot).
  bool foreground_run = false;
  std::string restart = "no";         // --restart no|always|on-failure[:N]|unless-stopped
  bool restart_on_unhealthy = false;  // --restart-on-unhealthy
  std::vector<std::string> log_opts;  // --log-opt max-size=10m / max-file=3
  std::optional<std::string> health_cmd;  // --health-cmd (a shell command)
  std::string health_interval, health_timeout, health_start_period, health_retries;
  bool no_healthcheck = false;  // --no-healthcheck
  bool init = false;            // --init
  std::string stop_signal;      // --stop-signal (default: the image's, else SIGTERM)
  std::string stop_timeout;     // --stop-timeout seconds (default 10)
  std::vector<ContentFile> content_files;  // no flag: the reconciler's secrets and configs
};

// Checks every flag's syntax (sizes, cpus, volumes, user, names...) without
// touching the image or the disk, so a typo is reported before anything else.
void check_flags(const CreateFlags& flags);

// The user a container runs as, as runc resolves it against the image's files.
struct ResolvedUser {
  uid_t uid = 0;
  gid_t gid = 0;
  std::vector<gid_t> additional_gids;
  std::string home = "/";
};

// The top-most copy of `relative` (e.g. "etc/passwd") in layers given bottom
// first; nullopt when absent or hidden by an overlay whiteout above it.
std::optional<std::filesystem::path> find_in_layers(
    const std::vector<std::filesystem::path>& layers, const std::filesystem::path& relative);

// "name", "uid", "name:group", "uid:gid"... against etc/passwd and etc/group.
// Unknown names -> lit::Error "unable to find user NAME: no matching entries in passwd file".
ResolvedUser resolve_user(const std::string& user_spec,
                          const std::vector<std::filesystem::path>& layers);

// Entrypoint + Cmd as docker merges them; throws "no command specified" naming the image.
std::vector<std::string> merge_args(const CreateFlags& flags, const image::ImageConfig& config);

// Image Env, then env files in order, then -e in order (later wins), plus
// docker's defaults: PATH if missing, HOSTNAME, TERM=xterm with -t.
std::vector<std::string> merge_env(const CreateFlags& flags, const image::ImageConfig& config,
                                   const std::string& hostname, const EnvLookup& lookup);

// What identifies a new container and where its files go.
struct Identity {
  std::string id;
  std::string name;
  std::filesystem::path bundle;
  std::filesystem::path volumes_root;  // named volumes: <volumes_root>/<name>/_data
};

// A spec plus what must exist on the host before it can run.
struct CreatePlan {
  ContainerSpec spec;
  std::map<std::string, std::string> labels;
  std::vector<std::string> volumes;                 // named and anonymous, created on demand
  std::vector<std::string> anonymous_volumes;       // removed with the container (--rm, rm -v)
  std::vector<std::filesystem::path> bind_sources;  // created as directories when missing
  // flags.content_files, each with where it is written (under the bundle).
  std::vector<std::pair<std::filesystem::path, ContentFile>> content_files;
};

// Parses every flag (throwing before anything is created) and merges them with
// the image. Pure apart from reading the image's passwd/group and the env files.
CreatePlan build_spec(const CreateFlags& flags, const image::Image& image,
                      const std::vector<std::filesystem::path>& layers, const Identity& identity,
                      const EnvLookup& lookup = process_env_lookup());

}  // namespace lit::runtime
