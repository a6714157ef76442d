#pragma once
// The logs of several containers, read and followed in one loop (`lit logs -f`,
// an attached `lit up`): one inotify watch per container, one poll(2) for all of
// them, every batch merged in time order.
#include <cstddef>
#include <optional>
#include <string>
#include <vector>

#include "runtime/logs/log_merge.hpp"
#include "runtime/logs/log_reader.hpp"
#include "runtime/state/record_store.hpp"

namespace lit::runtime {

class MultiLogReader {
 public:
  // ids[i] is source i; q applies to each container (--tail N is per container).
  MultiLogReader(const RecordStore& store, std::vector<std::string> ids, shim::LogQuery q);

  // Everything logged so far that matches the query, in time order. With
  // follow, each container is then followed from exactly where this stopped.
  std::vector<SourcedEntry> read_existing(bool follow);

  // What the followed containers wrote since, in time order. A container that
  // is no longer active (container_active) and whose log is drained is done:
  // its index is appended to done_now and it is not read again.
  std::vector<SourcedEntry> poll(std::vector<std::size_t>& done_now);

  // A new source (a container that appeared while following): its index is
  // the next one. Returns what it logged so far (--since/--until apply, --tail
  // does not: all of a new container's lines are new); it is followed from there.
  std::vector<SourcedEntry> add(const std::string& id);

  bool done(std::size_t source) const { return !followers_.at(source); }
  bool all_done() const;

  // Blocks until a followed log changes, extra_fd (a signalfd, say) is
  // readable, or timeout_ms passes; true when extra_fd is readable.
  bool wait(int timeout_ms, int extra_fd = -1);

 private:
  const RecordStore& store_;
  std::vector<std::string> ids_;
  shim::LogQuery query_;
  std::vector<std::optional<shim::LogFollower>> followers_;
};

}  // namespace lit::runtime
