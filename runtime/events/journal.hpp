#pragma once
// lit's event journal. lit has no daemon to keep events in memory, so
// whoever causes one (a lit command, or the helpers a container's supervisor
// runs: __spawn, __exited, __health) appends it to <run-root>/events.jsonl,
// one line per event written with a single write(2) on an O_APPEND file, so
// concurrent writers never interleave. Past a few MiB the file is rotated to
// events.jsonl.1 (one older generation is kept). Like docker's, the events
// live in the runtime root: a reboot forgets them.
#include <atomic>
#include <chrono>
#include <cstdint>
#include <filesystem>
#include <functional>
#include <map>
#include <optional>
#include <string>

#include "runtime/events/event.hpp"
#include "runtime/events/journal_counter.hpp"
#include "runtime/state/record.hpp"
#include "runtime/util/fs.hpp"
#include "runtime/util/paths.hpp"

namespace lit::runtime {

inline constexpr std::uint64_t kEventJournalMaxBytes = 4u << 20;

// <run-root>/events.jsonl
std::filesystem::path event_journal(const Paths& paths);

// Appends one event to the journal file (made when missing, with its
// directory), rotating it first when the line would take it past max_bytes.
// Throws lit::Error naming the file.
void append_event(const std::filesystem::path& journal, const Event& event,
                  std::uint64_t max_bytes = kEventJournalMaxBytes);

// Records the event (stamped now when it has no time). Never throws: an event
// that cannot be written is logged at debug level and what caused it goes on.
void record_event(const Paths& paths, Event event) noexcept;

// A container's event as docker makes it: its labels, image and name as the
// attributes, then `extra` (a die's exitCode, a kill's signal).
Event container_event(const ContainerRecord& record, std::string action,
                      const std::map<std::string, std::string>& extra = {});

// record_event(container_event(...)).
void record_container_event(const Paths& paths, const ContainerRecord& record, std::string action,
                            const std::map<std::string, std::string>& extra = {}) noexcept;

// What to read: the events recorded in [since, until] when either is set
// (docker's --since / --until), and those appended from now on unless until
// has passed. Without either, only the new ones.
struct EventWindow {
  std::optional<int64_t> since_ns, until_ns;
};

// Calls `each` for the events of the window in journal order. Following, it
// returns once `until` has passed or `cancel_fd` (e.g. a signalfd for SIGINT;
// -1 for none) becomes readable. Lines that are not events are skipped.
void read_events(const std::filesystem::path& journal, const EventWindow& window, int cancel_fd,
                 const std::function<void(const Event&)>& each);

// Wakes whoever waits for containers to change (up's dependency conditions,
// up --wait): what they wait for (a container created, started, exited, its
// health changed) is recorded in the journal as it happens, and each append
// bumps the journal's counter (journal_counter.hpp), so waiting replaces
// polling. A change the journal misses (a supervisor killed outright) is
// still seen at the caller's polling period: wait() returns after `at_most`
// in any case (and only then when the counter cannot be mapped).
class JournalWatch {
 public:
  explicit JournalWatch(const Paths& paths) noexcept;
  // Returns when the journal was appended to since the watch was made or
  // the last wait() returned, when interrupt() was called, or after at_most.
  void wait(std::chrono::milliseconds at_most);
  // Ends a wait() in another thread now, and the next one if none is running.
  void interrupt() noexcept;

 private:
  JournalCounter counter_;
  std::uint32_t seen_ = 0;
  std::atomic<bool> interrupted_{false};
};

}  // namespace lit::runtime
