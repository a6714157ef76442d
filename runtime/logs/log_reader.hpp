#pragma once
// Reads a container's json-file log (see log_writer.hpp) across its rotated files:
// whole history, --tail N read backwards in chunks, --since, stream selection, and
// a follower for `lit logs -f` that survives rotation.
#include <sys/types.h>

#include <cstdint>
#include <filesystem>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "runtime/shim/log_writer.hpp"
#include "runtime/util/fs.hpp"

namespace lit::shim {

struct LogEntry {
  int64_t time_ns = 0;
  Stream stream = Stream::Stdout;
  std::string text;  // as the container wrote it, with its "\n" unless partial
  bool partial() const { return text.empty() || text.back() != '\n'; }
};

// Parses one line of the log file; false if it is not a well-formed entry.
bool parse_log_line(std::string_view line, LogEntry& out);

// `--since` as docker takes it: RFC3339 ("2026-11-25T12:00:00Z"), a Unix timestamp
// ("1764072000" or "1764072000.5"), or a duration before now ("10m", "1h30m", "90s").
// Also `--until`. Throws lit::Error naming the flag.
int64_t parse_since(std::string_view value, int64_t now_ns, std::string_view flag = "--since");

struct LogQuery {
  std::optional<size_t> tail;  // last N entries (after the filters below)
  int64_t since_ns = 0;        // entries at or after this time
  int64_t until_ns = 0;        // entries before this time (0: no bound), --until
  bool want_stdout = true;
  bool want_stderr = true;
};

// Where a reader stopped in the live file, to hand over to a LogFollower with no gap.
struct LogCursor {
  dev_t dev = 0;
  ino_t ino = 0;
  uint64_t offset = 0;
};

// The existing files of one log, oldest first (container.log.2, .1, container.log).
std::vector<std::filesystem::path> log_files(const std::filesystem::path& path);

// Reads the entries that match q, oldest first. With cursor, reports the end of
// the live file as read, for LogFollower. A missing log reads as empty.
std::vector<LogEntry> read_logs(const std::filesystem::path& path, const LogQuery& q,
                                LogCursor* cursor = nullptr);

// Follows the live file as it grows, continuing into the new file after a rotation.
// Poll-driven: call wait() (or poll fd() in an event loop) and then poll().
class LogFollower {
 public:
  // Starts at cursor (from read_logs), or at the current end when cursor is empty.
  explicit LogFollower(std::filesystem::path path, std::optional<LogCursor> cursor = {});

  // Entries written since the last call that match q's stream and since filters.
  std::vector<LogEntry> poll(const LogQuery& q = {});

  // Blocks until the log directory changes or timeout_ms passes; true on a change.
  bool wait(int timeout_ms);
  int fd() const { return inotify_.get(); }

 private:
  void open_live(bool at_end);
  void read_available(const LogQuery& q, std::vector<LogEntry>& out);

  std::filesystem::path path_;
  UniqueFd file_, inotify_;
  dev_t dev_ = 0;
  ino_t ino_ = 0;
  uint64_t offset_ = 0;
  std::string carry_;  // bytes after the last newline (a write seen half done)
};

}  // namespace lit::shim
