#pragma once
// The drivers behind cgroups::Manager: detect() picks v2 or v1 from the mounts
// (cgroupfs); the systemd one is chosen by choose_manager_kind().
#include <filesystem>
#include <map>
#include <memory>
#include <string>

#include "runtime/cgroups/cgroup.hpp"
#include "runtime/cgroups/systemd_bus.hpp"

namespace lit::cgroups {

// cgroup v2: cgroups at <mount>/lit/<id>.
std::unique_ptr<Manager> make_v2_manager(const std::filesystem::path& mount);

// One v2 cgroup directory as a Cgroup (the systemd driver's scope).
std::unique_ptr<Cgroup> make_v2_cgroup(const std::filesystem::path& dir);

// systemd: a scope lit-<id>.scope in lit.slice per container, its directory
// under `v2_root` (the cgroup2 mount systemd manages); `bus` is opened when a
// scope is started or stopped.
std::unique_ptr<Manager> make_systemd_manager(const std::filesystem::path& v2_root,
                                              SystemdBusFactory bus);

// The cgroup2 mount systemd manages: LIT_SYSTEMD_CGROUP_ROOT when set (tests
// point it at a hybrid host's .../unified), else /sys/fs/cgroup, which must be
// cgroup2 (a unified host). Throws saying why not.
std::filesystem::path systemd_v2_root();

// cgroup v1: controller name ("memory", "cpu", "cpuacct", "pids", "devices") -> its mount
// point; co-mounted controllers share one. Cgroups at <mount>/lit/<id>.
std::unique_ptr<Manager> make_v1_manager(
    const std::map<std::string, std::filesystem::path>& controller_mounts);

// No cgroups (a rootless session without delegation); `why` says so in warnings.
std::unique_ptr<Manager> make_none_manager(const std::string& why);

// cpus (0.5 = half a CPU) -> CFS quota in microseconds for a 100ms period.
std::int64_t cpu_quota_us(double cpus);
inline constexpr std::int64_t kCpuPeriodUs = 100000;

}  // namespace lit::cgroups
