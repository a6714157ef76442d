#pragma once
// The two drivers behind cgroups::Manager; detect() picks one from the mounts.
#include <filesystem>
#include <map>
#include <memory>
#include <string>

#include "runtime/cgroups/cgroup.hpp"

namespace lit::cgroups {

// cgroup v2: cgroups at <mount>/lit/<id>.
std::unique_ptr<Manager> make_v2_manager(const std::filesystem::path& mount);

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
