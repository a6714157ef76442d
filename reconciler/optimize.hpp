#pragma once
// optimize.auto_memory_tune, measured: what each service's containers used
// (their supervisors' memory samples), and the limit lit suggests from it.
// Pure values; `lit optimize report` prints them, `lit optimize apply` writes
// the suggestions into lit.optimize.yml (reconciler/load/optimize_file.hpp).
#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "reconciler/model.hpp"
#include "runtime/lifecycle/memory_tune.hpp"
#include "runtime/state/memory_samples.hpp"

namespace lit::reconciler {

// Where a service's memory limit comes from.
enum class LimitSource { None, ProjectFile, OptimizeFile };

// What one container of the service measured and went through.
struct ContainerMemory {
  std::string name;
  std::vector<runtime::MemorySample> samples;
  bool oom_killed = false;                    // its record's last exit
  std::vector<runtime::MemoryRaise> raises;   // optimize.memory_ceiling's
  std::optional<std::int64_t> running_limit;  // its spec's (raises included)
};

struct MemoryAdvice {
  std::string service;
  bool tuned = false;  // optimize.auto_memory_tune is on
  int containers = 0;
  runtime::MemorySummary summary;     // over every container's samples
  std::optional<std::int64_t> limit;  // the project's limit now (nullopt: none)
  LimitSource source = LimitSource::None;
  std::optional<std::int64_t> running_limit;  // the highest a container runs with, when different
  double headroom = 0.25;
  std::optional<std::int64_t> suggested;  // nullopt: no samples yet
  bool near_limit = false;                // a limit hit, or a peak within 10% of the limit
  bool oom_killed = false;
  std::vector<runtime::MemoryRaise> raises;
};

// The peak plus the headroom, rounded up to a 16 MiB step (at least 16 MiB:
// docker refuses limits under 6 MB, and a step is lit's unit).
std::int64_t suggest_limit(std::int64_t peak, double headroom);

MemoryAdvice advise(const Service& s, const std::vector<ContainerMemory>& containers);

// "35.2MiB", "1.5GiB": one decimal, binary units.
std::string human_bytes(std::int64_t bytes);
// A size as lit.optimize.yml writes it: "48m" (suggestions are whole MiB).
std::string compose_bytes(std::int64_t bytes);
// "2h10m", "45s": a window's length.
std::string human_span(std::int64_t ms);

// The note a report line ends with: "OOM-killed", "near its limit", raises...
std::string advice_note(const MemoryAdvice& a);

// lit.optimize.yml's text: every limit of `limits` (service -> bytes), each
// with the measurement it came from when `why` has one, under a header that
// says what wrote it and how to undo it.
std::string optimize_file_text(const std::map<std::string, std::int64_t>& limits,
                               const std::map<std::string, std::string>& why);

}  // namespace lit::reconciler
