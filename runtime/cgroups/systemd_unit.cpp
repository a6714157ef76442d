#include "runtime/cgroups/systemd_unit.hpp"

#include "runtime/cgroups/drivers.hpp"
#include "runtime/cgroups/files.hpp"

namespace lit::cgroups {

namespace {
constexpr std::string_view kPrefix = "lit-", kSuffix = ".scope";
constexpr std::uint64_t kUsecPerSec = 1000000, kSystemdCpuStep = kUsecPerSec / 100;
}  // namespace

std::string scope_unit_name(const std::string& id) {
  validate_id(id);
  return std::string(kPrefix) + id + std::string(kSuffix);
}

std::optional<std::string> scope_unit_id(const std::string& unit) {
  if (unit.size() <= kPrefix.size() + kSuffix.size() || !unit.starts_with(kPrefix) ||
      !unit.ends_with(kSuffix))
    return std::nullopt;
  return unit.substr(kPrefix.size(), unit.size() - kPrefix.size() - kSuffix.size());
}

std::filesystem::path scope_dir(const std::filesystem::path& v2_root, const std::string& id) {
  return v2_root / kLitSlice / scope_unit_name(id);
}

std::vector<UnitProperty> limit_properties(const Limits& limits) {
  std::vector<UnitProperty> out;
  if (limits.memory_bytes) {
    out.push_back({"MemoryMax", static_cast<std::uint64_t>(*limits.memory_bytes)});
    out.push_back({"MemorySwapMax", std::uint64_t{0}});
  }
  if (limits.cpus) {
    // systemd keeps the quota in whole percents of a CPU: a finer one would
    // be cut below what was asked.
    auto per_sec =
        static_cast<std::uint64_t>(cpu_quota_us(*limits.cpus)) * kUsecPerSec / kCpuPeriodUs;
    per_sec = (per_sec + kSystemdCpuStep - 1) / kSystemdCpuStep * kSystemdCpuStep;
    out.push_back({"CPUQuotaPerSecUSec", per_sec});
    out.push_back({"CPUQuotaPeriodUSec", static_cast<std::uint64_t>(kCpuPeriodUs)});
  }
  if (limits.pids) out.push_back({"TasksMax", static_cast<std::uint64_t>(*limits.pids)});
  return out;
}

std::vector<UnitProperty> scope_properties(const std::string& id, const Limits& limits) {
  std::vector<UnitProperty> out = {
      {"Description", "lit container " + id},
      {"Slice", std::string(kLitSlice)},
      {"Delegate", true},
      {"DefaultDependencies", false},
      {"CollectMode", std::string("inactive-or-failed")},
      {"MemoryAccounting", true},
      {"CPUAccounting", true},
      {"TasksAccounting", true},
  };
  for (auto& p : limit_properties(limits)) out.push_back(std::move(p));
  return out;
}

}  // namespace lit::cgroups
