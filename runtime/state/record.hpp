#pragma once
// Container records: <root>/containers/<id>/container.json (or, for a
// foreground --rm container, <run-root>/containers/<id>/container.json),
// written atomically and guarded by a per-container flock (lock, next to the
// record), plus the store-wide lock
// (<root>/containers/lock) that keeps names unique. A record's status is always
// checked against the live process (pid + its start time), so a container
// whose supervisor died is reported as exited, never as running forever.
//
// Other components rely on the JSON field names "id", "name", "image", "image_id".
#include <sys/types.h>

#include <chrono>
#include <cstdint>
#include <filesystem>
#include <functional>
#include <map>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "runtime/lifecycle/health_state.hpp"
#include "runtime/lifecycle/networking.hpp"
#include "runtime/lifecycle/restart_policy.hpp"
#include "runtime/shim/log_writer.hpp"
#include "runtime/spec/spec.hpp"
#include "runtime/state/status.hpp"
#include "runtime/util/fs.hpp"
#include "runtime/util/paths.hpp"

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
  std::optional<HealthState> health;  // set when the container has a health check
  std::vector<PublishedPort> ports;   // published ports as bound by the last start
};

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

// 64 random hex characters (getrandom).
std::string generate_id();
// docker-style "adjective_surname".
std::string generate_name();

// Now as RFC 3339 with nanoseconds, UTC ("2024-05-01T12:00:00.123456789Z").
std::string now_rfc3339();
std::optional<std::chrono::system_clock::time_point> parse_rfc3339(const std::string& text);

// /proc/<pid>/stat field 22 (start time in clock ticks since boot); 0 if gone.
std::uint64_t process_start_time(pid_t pid);
// True when pid is alive and is still the process that started at start_time.
bool process_alive(pid_t pid, std::uint64_t start_time);

// Where a container's record is kept. A container that lives only as long as
// the `lit` command running it in the foreground (--rm without -d) keeps its
// record in the run root (a tmpfs), next to its etc files, so starting it
// writes nothing to disk but its empty upper/ and work/; every other container
// keeps its record on disk.
enum class RecordHome { Disk, RunRoot };

class RecordStore {
 public:
  // Records on disk in paths.containers(), run-root ones in paths.run_containers().
  explicit RecordStore(const Paths& paths);
  // run_containers_dir empty: every record on disk.
  explicit RecordStore(std::filesystem::path containers_dir,
                       std::filesystem::path run_containers_dir = {});

  // The directory holding the container's record, lock and log: the run
  // root's when the record is there, else the one on disk.
  std::filesystem::path dir(const std::string& id) const;
  // On disk, always: the container's writable layer (upper/, work/) and the
  // files lit writes for it. Containers made by an older lit name their own
  // (spec.bundle), which was <id>/bundle.
  std::filesystem::path bundle(const std::string& id) const { return root_ / id; }

  // Creates the container's directories and writes the record. The name must
  // be valid and unused: `the container name "/x" is already in use by
  // container "<id>"`. NoSync suits a container that does not outlive its run
  // (--rm): after a power loss its record may be empty, which read() takes for
  // no record. Also removes what crashed --rm runs of an earlier boot left.
  void create(const ContainerRecord& record, Durability durability = Durability::Sync,
              RecordHome home = RecordHome::Disk);

  // A name nobody uses yet (generate_name, retried on collision).
  std::string unused_name() const;

  std::optional<ContainerRecord> read(const std::string& id) const;
  std::vector<ContainerRecord> list() const;

  // By full id, exact name, or unique id prefix. Throws "no such container: X"
  // or, for a prefix matching several, an error listing them.
  ContainerRecord lookup(const std::string& name_or_id) const;

  // Read-modify-write under the container's lock. False when the record is
  // gone (removed meanwhile), in which case `change` is not called.
  bool update(const std::string& id, const std::function<void(ContainerRecord&)>& change,
              Durability durability = Durability::Sync);

  // Deletes the record first (so no one sees a half-removed container), then
  // its directories (a run-root record's too).
  void remove(const std::string& id);

 private:
  void write(const std::filesystem::path& dir, const ContainerRecord& record,
             Durability durability) const;
  // Ids of every directory in either root (a container may have one in each).
  std::vector<std::string> ids() const;
  // Removes disk directories without a record that predate this boot: the
  // writable layers of --rm runs whose run-root record a reboot took.
  void remove_orphans_of_earlier_boots() const;
  std::filesystem::path root_;
  std::filesystem::path run_;  // empty: no run-root records
};

// This boot's /proc/sys/kernel/random/boot_id: pids recorded in another boot mean nothing.
std::string current_boot_id();

// Whether the container's supervisor (lit-shim) is alive.
bool supervisor_alive(const ContainerState& state);

// The record's state corrected by what is alive, so it is never stale:
// Running whose init is gone, whose supervisor died, or from an earlier boot
// becomes Exited (exit code 255 unless one was recorded, and `error` says
// why); Restarting without a live supervisor becomes Exited too.
ContainerState observed_state(const ContainerRecord& record);

}  // namespace lit::runtime
