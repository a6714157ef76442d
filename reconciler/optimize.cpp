#include "reconciler/optimize.hpp"

#include <algorithm>
#include <cmath>
#include <cstdio>

namespace lit::reconciler {

std::int64_t suggest_limit(std::int64_t peak, double headroom) {
  const double want = std::ceil(static_cast<double>(peak) * (1.0 + headroom));
  return runtime::round_up_to_step(static_cast<std::int64_t>(want));
}

MemoryAdvice advise(const Service& s, const std::vector<ContainerMemory>& containers) {
  MemoryAdvice a;
  a.service = s.name;
  a.tuned = s.optimize.auto_memory_tune;
  a.headroom = s.optimize.memory_headroom;
  a.limit = s.resources.memory;
  a.source = !a.limit                 ? LimitSource::None
             : s.memory_from_optimize ? LimitSource::OptimizeFile
                                      : LimitSource::ProjectFile;
  std::vector<runtime::MemorySample> all;
  std::uint64_t limit_hits = 0, oom_kills = 0, stall_us = 0;
  for (const auto& c : containers) {
    ++a.containers;
    // Each container's counters are its own: sum each one's totals.
    runtime::MemorySummary one = runtime::summarize(c.samples);
    limit_hits += one.limit_hits;
    oom_kills += one.oom_kills;
    stall_us += one.stall_us;
    all.insert(all.end(), c.samples.begin(), c.samples.end());
    a.oom_killed |= c.oom_killed;
    a.raises.insert(a.raises.end(), c.raises.begin(), c.raises.end());
    if (c.running_limit && c.running_limit != a.limit)
      a.running_limit = std::max(a.running_limit.value_or(0), *c.running_limit);
  }
  std::sort(all.begin(), all.end(), [](const auto& x, const auto& y) { return x.at_ms < y.at_ms; });
  a.summary = runtime::summarize(all);
  a.summary.limit_hits = limit_hits;
  a.summary.oom_kills = oom_kills;
  a.summary.stall_us = stall_us;
  a.oom_killed |= oom_kills > 0;
  std::sort(a.raises.begin(), a.raises.end(),
            [](const auto& x, const auto& y) { return x.at < y.at; });
  if (a.summary.samples > 0) a.suggested = suggest_limit(a.summary.peak, a.headroom);
  const std::int64_t limit = a.running_limit.value_or(a.limit.value_or(0));
  a.near_limit = limit > 0 && (limit_hits > 0 || a.summary.peak * 10 >= limit * 9);
  return a;
}

std::string human_bytes(std::int64_t bytes) {
  const char* units[] = {"B", "KiB", "MiB", "GiB", "TiB"};
  double v = static_cast<double>(bytes);
  int u = 0;
  while (v >= 1024 && u < 4) {
    v /= 1024;
    ++u;
  }
  char buf[32];
  if (u == 0)
    std::snprintf(buf, sizeof buf, "%lldB", static_cast<long long>(bytes));
  else
    std::snprintf(buf, sizeof buf, "%.1f%s", v, units[u]);
  return buf;
}

std::string compose_bytes(std::int64_t bytes) {
  constexpr std::int64_t kMiB = 1 << 20;
  if (bytes % (1024 * kMiB) == 0) return std::to_string(bytes / (1024 * kMiB)) + "g";
  if (bytes % kMiB == 0) return std::to_string(bytes / kMiB) + "m";
  return std::to_string(bytes);
}

std::string human_span(std::int64_t ms) {
  std::int64_t s = std::max<std::int64_t>(ms, 0) / 1000;
  const std::int64_t d = s / 86400, h = s % 86400 / 3600, m = s % 3600 / 60;
  s %= 60;
  if (d > 0) return std::to_string(d) + "d" + std::to_string(h) + "h";
  if (h > 0) return std::to_string(h) + "h" + std::to_string(m) + "m";
  if (m > 0) return std::to_string(m) + "m" + std::to_string(s) + "s";
  return std::to_string(s) + "s";
}

std::string advice_note(const MemoryAdvice& a) {
  std::vector<std::string> notes;
  if (!a.tuned) notes.emplace_back("auto_memory_tune is off");
  if (a.tuned && a.summary.samples == 0) notes.emplace_back("no samples yet: run it (lit up)");
  if (a.oom_killed) notes.emplace_back("OOM-killed");
  if (a.near_limit) notes.emplace_back("near its limit");
  if (!a.raises.empty())
    notes.push_back("limit raised " + std::to_string(a.raises.size()) + "x to " +
                    human_bytes(a.raises.back().to));
  if (a.source == LimitSource::OptimizeFile) notes.emplace_back("limit from lit.optimize.yml");
  std::string out;
  for (const auto& n : notes) out += (out.empty() ? "" : "; ") + n;
  return out;
}

std::string optimize_file_text(const std::map<std::string, std::int64_t>& limits,
                               const std::map<std::string, std::string>& why) {
  std::string out =
      "# Written by `lit optimize apply`: memory limits from the memory each service\n"
      "# was measured to use (optimize.auto_memory_tune). Every lit command that loads\n"
      "# the project merges it over the project's files; `lit up` applies it. Delete\n"
      "# this file to go back to the files' own limits.\n"
      "services:\n";
  for (const auto& [service, bytes] : limits) {
    out += "  " + service + ":\n    mem_limit: " + compose_bytes(bytes);
    if (auto w = why.find(service); w != why.end() && !w->second.empty()) out += "  # " + w->second;
    out += "\n";
  }
  return out;
}

}  // namespace lit::reconciler
