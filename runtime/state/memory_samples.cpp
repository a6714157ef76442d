#include "runtime/state/memory_samples.hpp"

#include <algorithm>
#include <charconv>
#include <fstream>

#include "runtime/state/record_store.hpp"

namespace lit::runtime {

namespace fs = std::filesystem;

std::string format_sample(const MemorySample& s) {
  return std::to_string(s.at_ms) + " " + std::to_string(s.run_ms) + " " + std::to_string(s.use) +
         " " + std::to_string(s.peak) + " " + std::to_string(s.limit) + " " +
         std::to_string(s.limit_hits) + " " + std::to_string(s.oom_kills) + " " +
         std::to_string(s.stall_us);
}

namespace {

template <class T>
bool next_number(std::string_view& line, T& out) {
  while (!line.empty() && line.front() == ' ') line.remove_prefix(1);
  auto [p, ec] = std::from_chars(line.data(), line.data() + line.size(), out);
  if (ec != std::errc() || p == line.data()) return false;
  line.remove_prefix(static_cast<std::size_t>(p - line.data()));
  return line.empty() || line.front() == ' ';
}

}  // namespace

std::optional<MemorySample> parse_sample(std::string_view line) {
  MemorySample s;
  if (!next_number(line, s.at_ms) || !next_number(line, s.run_ms) || !next_number(line, s.use) ||
      !next_number(line, s.peak) || !next_number(line, s.limit) ||
      !next_number(line, s.limit_hits) || !next_number(line, s.oom_kills) ||
      !next_number(line, s.stall_us) || !line.empty())
    return std::nullopt;
  if (s.use < 0 || s.peak < 0 || s.limit < 0) return std::nullopt;
  return s;
}

fs::path memory_samples_path(const RecordStore& store, const std::string& id) {
  return store.dir(id) / "memory.samples";
}

std::vector<MemorySample> read_memory_samples(const fs::path& samples) {
  std::vector<MemorySample> out;
  for (const fs::path& f : {fs::path(samples.string() + ".1"), samples}) {
    std::ifstream in(f);
    std::string line;
    while (std::getline(in, line))
      if (auto s = parse_sample(line)) out.push_back(*s);
  }
  return out;
}

MemorySummary summarize(const std::vector<MemorySample>& samples) {
  MemorySummary m;
  m.samples = samples.size();
  if (samples.empty()) return m;
  m.first_ms = samples.front().at_ms;
  m.last_ms = samples.back().at_ms;
  m.limit = samples.back().limit;
  std::vector<std::int64_t> uses;
  uses.reserve(samples.size());
  for (std::size_t i = 0; i < samples.size(); ++i) {
    const MemorySample& s = samples[i];
    m.peak = std::max({m.peak, s.peak, s.use});
    uses.push_back(s.use);
    // The counters restart with each run: a run's total is its last sample's.
    const bool run_ends = i + 1 == samples.size() || samples[i + 1].run_ms != s.run_ms;
    if (run_ends) {
      m.limit_hits += s.limit_hits;
      m.oom_kills += s.oom_kills;
      m.stall_us += s.stall_us;
    }
  }
  std::sort(uses.begin(), uses.end());
  // Nearest rank: the smallest use that at least 95% of the buckets do not exceed.
  std::size_t rank = (uses.size() * 95 + 99) / 100;
  m.p95 = uses[std::max<std::size_t>(rank, 1) - 1];
  return m;
}

}  // namespace lit::runtime
