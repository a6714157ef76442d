#include "runtime/lifecycle/memory_tune.hpp"

#include <algorithm>

namespace lit::runtime {

std::int64_t round_up_to_step(std::int64_t bytes) {
  if (bytes <= 0) return kMemoryStep;
  return (bytes + kMemoryStep - 1) / kMemoryStep * kMemoryStep;
}

std::optional<std::int64_t> raised_limit(std::int64_t limit, std::int64_t ceiling) {
  if (limit >= ceiling) return std::nullopt;
  std::int64_t want = round_up_to_step(std::max(limit + limit / 4, limit + kMemoryStep));
  return std::min(want, ceiling);
}

}  // namespace lit::runtime
