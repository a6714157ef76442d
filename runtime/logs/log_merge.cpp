// A k-way merge over the sources' heads: each log is already in its own order,
// so only the heads are compared (a sort by time would reorder a log whose
// clock stepped back).
#include "runtime/logs/log_merge.hpp"

#include <queue>
#include <tuple>

namespace lit::runtime {

std::vector<SourcedEntry> merge_in_time_order(std::vector<std::vector<shim::LogEntry>> sources) {
  struct Head {
    int64_t time_ns;
    std::size_t source, index;
    bool operator>(const Head& o) const {
      return std::tie(time_ns, source) > std::tie(o.time_ns, o.source);
    }
  };
  std::priority_queue<Head, std::vector<Head>, std::greater<>> heads;
  std::size_t total = 0;
  for (std::size_t s = 0; s < sources.size(); ++s) {
    total += sources[s].size();
    if (!sources[s].empty()) heads.push({sources[s][0].time_ns, s, 0});
  }
  std::vector<SourcedEntry> out;
  out.reserve(total);
  while (!heads.empty()) {
    Head h = heads.top();
    heads.pop();
    auto& log = sources[h.source];
    out.push_back({h.source, std::move(log[h.index])});
    if (++h.index < log.size()) heads.push({log[h.index].time_ns, h.source, h.index});
  }
  return out;
}

}  // namespace lit::runtime
