#pragma once
// Detached containers, lit's side. `run -d` and `start` launch a supervisor
// (the lit-shim executable, one per container, no daemon), which then asks lit
// to do the heavy steps as short-lived helper commands:
//   lit container __spawn ID    start the container (its init becomes the shim's child)
//   lit container __exited ID   record an exit, clean up, decide a restart
//   lit container __health ID   run one health probe and record it
//   lit container __dns         start lit's DNS server again (the shim saw it die)
// so the resident shim stays tiny and every rule lives here, in one place.
#include <sys/types.h>

#include <chrono>
#include <cstdint>
#include <filesystem>
#include <optional>
#include <string>

#include "runtime/lifecycle/restart_policy.hpp"
#include "runtime/process/run.hpp"
#include "runtime/state/record.hpp"
#include "runtime/util/fs.hpp"
#include "runtime/util/paths.hpp"

namespace lit::runtime {

// Launches the container's supervisor and returns once the container runs.
// The record must be Created or Exited. Throws StartError (with docker's
// exit code: 125/126/127) when the container could not start.
// The container's operation lock is taken for the start and handed to the
// supervisor, which keeps it until the start is recorded: a `lit` killed
// meanwhile leaves no window in which another command sees a container
// "created" that a supervisor is starting.
void launch_supervisor(const Paths& paths, const ContainerRecord& record);
// The same, with the operation lock the caller already holds.
void launch_supervisor(const Paths& paths, const ContainerRecord& record, const FileLock& op_lock);

// A start made ready to its last step and held there until release(): the
// supervisor runs, and __spawn has made the container's cgroup, run
// directory, namespaces, links and published ports, then waits before its
// init goes. `up` prepares a container this way while its dependencies become
// healthy, so that once they are, only the init's own start is left (its
// root, its exec). While held, the record says Created and its names are not
// in DNS. Not released (destroyed, or the `lit` holding it died: the release
// is a socket whose end is then closed), __spawn undoes the start: the record
// stays Created and nothing of the start is left. The operation lock is held
// throughout (launch_supervisor's).
class HeldStart {
 public:
  HeldStart(const Paths& paths, const ContainerRecord& record);
  HeldStart(HeldStart&&) = default;
  HeldStart& operator=(HeldStart&&) = delete;
  ~HeldStart();
  // Lets the init go; returns once the container runs. Throws StartError as
  // launch_supervisor does (also for a failure while it was held).
  void release();

 private:
  FileLock op_lock_;
  std::string name_;
  UniqueFd hold_, ready_;
};

// The init __spawn started, and when (realtime ns, the moment recorded as
// started_at): the supervisor times the first health probe from it.
struct SpawnedInit {
  pid_t pid = -1;
  int64_t started_ns = 0;
};

// __spawn: starts the container as the caller's sibling, records it running
// (pid, supervisor pid = our parent) and returns the init. On failure the
// record gets the error and exit code, and StartError is rethrown. When its
// ports need the supervisor's proxy (published_proxy.hpp), their host sockets
// are bound before it runs (a port taken fails the start) and sent over
// `ports_fd` (-1: the supervisor takes none; then they are not proxied).
// A held start (HeldStart; `hold_fd` its end of the release) waits for the
// release right before the init goes; nullopt when none came (the start was
// undone and the record is still Created).
std::optional<SpawnedInit> spawn_for_supervisor(const Paths& paths, const std::string& id,
                                                const DetachedStdio& stdio, int ports_fd = -1,
                                                int hold_fd = -1);

// What the supervisor tells __exited about one run of the container.
struct ExitReport {
  ExitStatus status;
  bool start_failed = false;      // __spawn failed; status.code is its exit code
  bool first_start = false;       // ...on `run -d`/`start` itself: never restarted
  bool killed_unhealthy = false;  // the shim killed it for turning unhealthy
  int64_t ran_ms = 0;
  int64_t last_delay_ms = 0;
};

// __exited: records the exit (OOM flag from the cgroup), destroys the cgroup,
// applies the restart policy, and with --rm removes the container when it is
// not restarted. A container removed meanwhile is never restarted.
RestartDecision record_exit(const Paths& paths, const std::string& id, const ExitReport& report);

// __health: runs one probe of the container's health check inside it and
// records the result.
struct ProbeOutcome {
  bool kill = false;     // it just turned unhealthy and its policy says to kill it
  bool starting = true;  // its health status is still "starting"
};
ProbeOutcome probe_health(const Paths& paths, const std::string& id);

// __dns, before the DNS config is read from the records: a container whose
// supervisor was killed dies with it (its init has the parent-death signal),
// a moment later; waits, at most `bound`, until every such init is gone, so
// that a supervisor killed in the same instant as the DNS server does not
// leave its container's names served.
void await_inits_of_dead_supervisors(const Paths& paths, std::chrono::milliseconds bound);

}  // namespace lit::runtime
