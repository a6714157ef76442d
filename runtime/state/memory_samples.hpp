#pragma once
// A container's memory samples, as its supervisor writes them with
// optimize.auto_memory_tune (runtime/shim/memory_sampler.hpp): one line per
// 10 s bucket in <container>/memory.samples (the older half in
// memory.samples.1), each
//   <unix ms> <run> <max use in the bucket> <peak> <limit> <limit hits> <oom kills> <stall us>
// run: when the run (the container's start) began, unix ms; sizes in bytes;
// peak is the kernel's (v2 memory.peak, v1 max_usage_in_bytes) or the
// highest use seen; limit 0 is none; the last three count since the run
// began (v2 memory.events max and oom_kill, memory.pressure's "some" total;
// v1 memory.failcnt plus memory.memsw.failcnt and memory.oom_control's
// oom_kill, no stall).
#include <cstdint>
#include <filesystem>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace lit::runtime {

class RecordStore;

struct MemorySample {
  std::int64_t at_ms = 0, run_ms = 0;
  std::int64_t use = 0, peak = 0, limit = 0;
  std::uint64_t limit_hits = 0, oom_kills = 0, stall_us = 0;
  bool operator==(const MemorySample&) const = default;
};

// One line of the file (without its newline).
std::string format_sample(const MemorySample& s);
// nullopt for a line that is not one (a torn last line).
std::optional<MemorySample> parse_sample(std::string_view line);

// <container dir>/memory.samples
std::filesystem::path memory_samples_path(const RecordStore& store, const std::string& id);

// Every sample of both files, oldest first (none when there are no files).
std::vector<MemorySample> read_memory_samples(const std::filesystem::path& samples);

// What the samples say, for `lit optimize report`.
struct MemorySummary {
  std::size_t samples = 0;
  std::int64_t first_ms = 0, last_ms = 0;       // the window
  std::int64_t peak = 0;                        // the highest peak or use of any sample
  std::int64_t p95 = 0;                         // the 95th percentile of the buckets' use
  std::int64_t limit = 0;                       // the last sample's (0: none)
  std::uint64_t limit_hits = 0, oom_kills = 0;  // summed over the runs
  std::uint64_t stall_us = 0;                   // summed over the runs
};
MemorySummary summarize(const std::vector<MemorySample>& samples);

}  // namespace lit::runtime
