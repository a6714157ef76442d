#pragma once
// A container's record: what it was made from (its spec, image, labels,
// networks, the supervisor's settings) and its last recorded state, and the
// record's JSON. The store (record_store.hpp) keeps it; liveness.hpp checks
// its state against the live processes.
//
// Other components rely on the JSON field names "id", "name", "image", "image_id".
#include <sys/types.h>

#include <cstdint>
#include <map>
#include <nlohmann/json_fwd.hpp>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "runtime/lifecycle/health_state.hpp"
#include "runtime/lifecycle/memory_tune.hpp"
#include "runtime/lifecycle/networking.hpp"
#include "runtime/lifecycle/restart_policy.hpp"
#include "runtime/shim/log_writer.hpp"
#include "runtime/spec/spec.hpp"
#include "runtime/state/status.hpp"

namespace lit::runtime {

struct ContainerState {
  // Created, Running, Restarting (waiting out a back-off) or Exited.
  ContainerStatus status = ContainerStatus::Created;
  pid_t pid = 0;                     // the container's init, as the host sees it
  std::uint64_t pid_start_time = 0;  // /proc/<pid>/stat field 22: tells a reused pid apart
  int exit_code = 0;
  bool oom_killed = false;
  std::string started_at, finished_at;  // RFC 3339
  std::string error;                    // why it could not start
  // The supervisor (lit-shim) of a detached container; 0 for a foreground run.
  pid_t shim_pid = 0;
  std::uint64_t shim_start_time = 0;
  std::string boot_id;  // /proc/sys/kernel/random/boot_id when the pids were recorded
  unsigned restart_count = 0;
  bool manually_stopped = false;      // stop/kill by the user: the policy does not restart it
  bool paused = false;                // Running with its cgroup frozen (lit pause)
  std::optional<HealthState> health;  // set when the container has a health check
  std::vector<PublishedPort> ports;   // published ports as bound by the last start
  // Raises of the memory limit by optimize.memory_ceiling, oldest first (the
  // spec's limit is the last one's `to`).
  std::vector<MemoryRaise> memory_raises;
};

// The status as docker shows it: Paused for a Running container that is
// frozen; the record keeps Running, so every check on a live init still holds.
inline ContainerStatus shown_status(const ContainerState& st) {
  return st.status == ContainerStatus::Running && st.paused ? ContainerStatus::Paused : st.status;
}

// A health check as docker's Healthcheck: test is ["CMD", args...] or
// ["CMD-SHELL", "command"].
struct HealthCheck {
  std::vector<std::string> test;
  HealthConfig config;
};

// How the supervisor treats the container (not part of the runtime spec).
struct LifecycleConfig {
  // In JSON as `--restart` takes it ("on-failure:3"), beside restart_on_unhealthy.
  RestartPolicy restart;
  shim::LogOptions log;
  std::optional<HealthCheck> healthcheck;
  int stop_signal = 15;   // SIGTERM unless --stop-signal or the image's StopSignal
  int stop_timeout = 10;  // seconds between the stop signal and SIGKILL
  MemoryTune memory_tune;
};

struct ContainerRecord {
  std::string id;
  std::string name;
  std::string image;     // as the user typed it
  std::string image_id;  // "sha256:..."
  std::string created;   // RFC 3339
  std::vector<std::string> args;
  std::map<std::string, std::string> labels;
  bool auto_remove = false;
  std::vector<std::string> anonymous_volumes;
  LifecycleConfig lifecycle;
  std::vector<NetworkAttachment> networks;  // bridge networks, the first one primary
  std::vector<PublishedPort> publish;       // as asked (host_port 0: chosen at start)
  ContainerSpec spec;
  ContainerState state;
};

// "none", "host", "bridge" in records.
std::string_view network_mode_name(NetworkMode mode);
NetworkMode network_mode_from_name(std::string_view name);

nlohmann::json to_json(const ContainerSpec& spec);
ContainerSpec spec_from_json(const nlohmann::json& j);
nlohmann::json to_json(const ContainerRecord& record);
ContainerRecord record_from_json(const nlohmann::json& j);

}  // namespace lit::runtime
