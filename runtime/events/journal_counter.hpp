#pragma once
// How a wait for the next event learns of it: a 32-bit counter in the first
// word of <journal>.seq (<run-root>/events.jsonl.seq), which every append to
// the journal increments, waking every waiter (a futex on the file's shared
// page, so across processes; no daemon, no thread).
//
// It replaces an inotify watch on the run root. Closing an inotify instance
// makes the kernel wait for an SRCU grace period (fsnotify_destroy_group ->
// synchronize_srcu): 5-20 ms here, paid at the end of every `up` and `down`
// (whose dependency conditions wait on the journal) and of `up --wait`.
// A futex word costs nothing to let go of.
#include <chrono>
#include <cstdint>
#include <filesystem>

namespace lit::runtime {

class JournalCounter {
 public:
  // Maps <journal>.seq, made (one zero page) when missing, with its directory.
  // Invalid when it cannot be: callers then wait for their period.
  explicit JournalCounter(const std::filesystem::path& journal) noexcept;
  ~JournalCounter();
  JournalCounter(const JournalCounter&) = delete;
  JournalCounter& operator=(const JournalCounter&) = delete;

  bool valid() const { return word_ != nullptr; }
  std::uint32_t load() const;
  // One more, and every waiter woken.
  void bump() const;
  // Returns once the counter is not `seen`, when woken, or after at_most.
  void wait_while(std::uint32_t seen, std::chrono::milliseconds at_most) const;

 private:
  std::uint32_t* word_ = nullptr;  // in a MAP_SHARED page of the file
};

// <journal>.seq
std::filesystem::path journal_counter_file(const std::filesystem::path& journal);

}  // namespace lit::runtime
