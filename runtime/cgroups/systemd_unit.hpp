#pragma once
// What lit asks systemd for a container's scope, as data: the unit's name, its
// slice, and the properties of StartTransientUnit (Delegate, the limits as
// MemoryMax, CPUQuotaPerSecUSec, TasksMax, ...). Pure, so unit tests check it.
#include <cstdint>
#include <filesystem>
#include <optional>
#include <string>
#include <variant>
#include <vector>

#include "runtime/cgroups/cgroup.hpp"

namespace lit::cgroups {

inline constexpr const char* kLitSlice = "lit.slice";

// One property of a transient unit; the D-Bus type follows the value: a
// string is "s", a bool "b", an unsigned 64-bit number "t".
struct UnitProperty {
  using Value = std::variant<std::string, bool, std::uint64_t>;
  std::string name;
  Value value;
  bool operator==(const UnitProperty&) const = default;
};

// "lit-<id>.scope"; the id is checked as a cgroup id (one path component).
std::string scope_unit_name(const std::string& id);
// The container id of a "lit-<id>.scope" name, nullopt for any other name.
std::optional<std::string> scope_unit_id(const std::string& unit);
// The scope's cgroup directory under the cgroup2 mount systemd manages:
// <root>/lit.slice/lit-<id>.scope.
std::filesystem::path scope_dir(const std::filesystem::path& v2_root, const std::string& id);

// The properties for the limits that are set (none for unset ones; devices
// are not among them: lit attaches its own device filter to the delegated
// directory). Memory also sets MemorySwapMax=0, as the v2 driver writes
// memory.swap.max; cpus become CPUQuotaPerSecUSec, rounded up to systemd's 1%
// steps, over a CPUQuotaPeriodUSec of 100ms.
std::vector<UnitProperty> limit_properties(const Limits& limits);

// Everything StartTransientUnit gets besides the PIDs: Description, Slice,
// Delegate, DefaultDependencies=false (stopped by lit, not ordered before
// shutdown.target), CollectMode (unloaded once it ends, even failed), the
// accounting switches, then limit_properties.
std::vector<UnitProperty> scope_properties(const std::string& id, const Limits& limits);

}  // namespace lit::cgroups
