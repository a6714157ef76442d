#pragma once
// optimize.auto_memory_tune: what the supervisor does with a container's
// memory. It samples the cgroup's use every second into the container's
// memory.samples (runtime/state/memory_samples.hpp reads them) and, with a
// ceiling, has `lit container __memory-raise` raise a limit the container
// keeps reaching, or was OOM-killed at, up to that ceiling.
#include <cstdint>
#include <optional>
#include <string>

namespace lit::runtime {

struct MemoryTune {
  bool sample = false;                  // write memory.samples
  std::optional<std::int64_t> ceiling;  // raise the limit up to this (nullopt: never)
  bool operator==(const MemoryTune&) const = default;
};

// One raise, as the record keeps it and inspect shows it.
struct MemoryRaise {
  std::string at;  // RFC 3339
  std::int64_t from = 0, to = 0;
  std::string reason;  // "oom-killed" or "at its limit"
  bool operator==(const MemoryRaise&) const = default;
};

// Limits are raised and suggested in whole 16 MiB steps.
inline constexpr std::int64_t kMemoryStep = 16LL << 20;

// `bytes` rounded up to a whole step.
std::int64_t round_up_to_step(std::int64_t bytes);

// The limit after a raise of `limit`: a quarter more, at least one step,
// rounded up to a step and never above the ceiling; nullopt when the limit
// is at the ceiling already.
std::optional<std::int64_t> raised_limit(std::int64_t limit, std::int64_t ceiling);

}  // namespace lit::runtime
