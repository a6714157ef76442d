#pragma once
// Several containers' logs as one: `lit logs` and an attached `lit up` show the
// entries of every container of a project in the order they were written.
#include <cstddef>
#include <vector>

#include "runtime/logs/log_reader.hpp"

namespace lit::runtime {

// One entry and the index of the log (container) it came from.
struct SourcedEntry {
  std::size_t source = 0;
  shim::LogEntry entry;
};

// Merges logs, each oldest first, into one sequence in time order: the oldest
// next entry goes first and a tie goes to the lower source. Each source keeps its
// own order, even where its clock went backwards (a log is never reordered).
std::vector<SourcedEntry> merge_in_time_order(std::vector<std::vector<shim::LogEntry>> sources);

}  // namespace lit::runtime
