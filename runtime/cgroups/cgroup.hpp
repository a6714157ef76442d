#pragma once
// One interface, two managers. cgroupfs: lit makes the directories itself,
// cgroup v2 (unified) or cgroup v1 (legacy or hybrid, as on hosts whose v2
// mount holds no controllers), detected from the mounts, never assumed, only
// under a `lit` subtree (e.g. /sys/fs/cgroup/lit/<id> or
// /sys/fs/cgroup/memory/lit/<id>), removed with the last container. systemd:
// each container is a transient scope lit-<id>.scope in lit.slice, made through
// systemd's D-Bus API, and then handled through its (delegated) v2 directory.
#include <sys/types.h>

#include <cstdint>
#include <filesystem>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "runtime/cgroups/device_rules.hpp"

namespace lit::cgroups {

struct Limits {
  std::optional<std::int64_t> memory_bytes = {};  // hard limit; swap limited to the same
  std::optional<double> cpus = {};                // 0.5 = half a CPU (quota/period)
  std::optional<std::int64_t> pids = {};          // max number of tasks
  // The devices the cgroup's processes may create, read or write; every
  // other device is denied. nullopt: left as it is.
  std::optional<std::vector<DeviceRule>> devices = {};
};

struct Stats {
  std::uint64_t memory_bytes = 0, memory_limit = 0;  // memory_limit 0: unlimited
  std::uint64_t cpu_usage_ns = 0;
  std::uint64_t pids = 0;
  // Inactive page cache in memory_bytes, which `stats` leaves out as docker does.
  std::uint64_t memory_inactive_file = 0;
};

// A container's cgroup (one directory in v2, one per controller in v1).
class Cgroup {
 public:
  virtual ~Cgroup() = default;
  // Sets the limits that are given (unset ones are left as they are). Errors name
  // the file written, e.g. a memory limit below what the cgroup uses now.
  virtual void apply(const Limits& limits) = 0;
  virtual void add_process(pid_t pid) = 0;
  // Moves the calling process, which must be single-threaded (a freshly cloned
  // container init or exec helper), into the cgroup. Cheaper than add_process
  // from the parent: in v1 a task moving itself skips the kernel's global
  // threadgroup lock, whose first writer waits a whole RCU grace period (~10 ms).
  virtual void join_self() = 0;
  // Called by the parent with the container's init cloned, before "go" (the
  // init runs nothing of the container yet). A cgroup that needs a process to
  // exist (a systemd scope, whose init cannot join it itself) is made here;
  // for the others the init has joined already.
  virtual void start_with(pid_t /*init*/) {}
  virtual std::vector<pid_t> processes() const = 0;
  virtual std::uint64_t oom_kills() const = 0;  // how many tasks the OOM killer killed
  virtual Stats stats() const = 0;
  // Kills every process in it (SIGKILL), waits until empty, removes the directories.
  // Safe to call when it does not exist (already removed).
  virtual void destroy() = 0;
  virtual std::vector<std::filesystem::path> paths() const = 0;
  // The directory with its memory controller's files (v2: the cgroup's
  // directory; v1: the memory hierarchy's), empty without one. The files
  // there tell which version: memory.current (v2) or memory.usage_in_bytes (v1).
  virtual std::filesystem::path memory_dir() const = 0;
  // Freezes (or thaws) every process in it: v2 cgroup.freeze, v1 the freezer
  // controller; returns once the kernel reports the new state (bounded). Throws
  // when neither is available, saying so.
  virtual void freeze(bool frozen) = 0;
};

// Who makes a container's cgroup: lit, in the cgroup file system, or systemd,
// as a transient scope. Chosen at create and kept in the container's spec, so
// every later command uses the same one.
enum class ManagerKind { Cgroupfs, Systemd };

class Manager {
 public:
  virtual ~Manager() = default;
  virtual std::string driver() const = 0;  // "v2", "v1" or "none" (rootless, not delegated)
  virtual ManagerKind kind() const { return ManagerKind::Cgroupfs; }
  // Why there are no cgroups ("none" only), for warnings.
  virtual std::string why_none() const { return {}; }
  // Creates (or opens) the cgroup for a container id under the lit subtree.
  virtual std::unique_ptr<Cgroup> create(const std::string& id) = 0;
  virtual std::unique_ptr<Cgroup> open(const std::string& id) = 0;
  // The ids of lit cgroups that exist (for leak checks and cleanup without state).
  virtual std::vector<std::string> list() const = 0;
};

// In a rootless session: the highest ancestor of our own cgroup (the "0::"
// line of /proc/self/cgroup) under a cgroup2 mount that this user owns and may
// write (a delegated subtree), or empty.
std::filesystem::path delegated_v2_dir(const std::filesystem::path& v2_mount,
                                       const std::string& proc_self_cgroup);

// Detects the layout from /proc/self/mountinfo (or a fake root for tests); in a
// rootless session, the delegated v2 subtree or no cgroups.
std::unique_ptr<Manager> detect(const std::filesystem::path& sysfs_cgroup = "/sys/fs/cgroup");
// The same, reading the mount table from a given file (tests use a fake one).
std::unique_ptr<Manager> detect(const std::filesystem::path& sysfs_cgroup,
                                const std::filesystem::path& mountinfo);

// "cgroupfs", "systemd" (the option's words, shown by `system info`).
std::string_view manager_kind_name(ManagerKind kind);
std::optional<ManagerKind> parse_manager_kind(std::string_view name);

// The manager of a kind: cgroupfs is detect()'s; systemd talks to systemd
// (over the system bus, DBUS_SYSTEM_BUS_ADDRESS honoured) only when a scope is
// started or stopped.
std::unique_ptr<Manager> manager_for(ManagerKind kind);

// What new containers get: LIT_CGROUP_MANAGER ("cgroupfs", "systemd"; the
// --cgroup-manager option sets it), else auto: systemd when PID 1 is systemd,
// cgroup v2 is the host's only hierarchy and systemd answers on the system bus;
// else cgroupfs. An explicit "systemd" that cannot work throws, saying why.
ManagerKind choose_manager_kind();

}  // namespace lit::cgroups
