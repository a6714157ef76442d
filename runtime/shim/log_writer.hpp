#pragma once
// The container log file, in docker's json-file format: one JSON object per line,
//   {"log":"text\n","stream":"stdout","time":"2026-11-25T12:00:00.123456789Z"}
// with size-based rotation (container.log, .1, .2, ...) on by default. Plain POSIX
// I/O and no JSON library: the per-container shim runs this for every line.
#include <cstdint>
#include <filesystem>
#include <string>
#include <string_view>

#include "runtime/util/fs.hpp"

namespace lit::shim {

enum class Stream : uint8_t { Stdout = 0, Stderr = 1 };
const char* stream_name(Stream s);

struct LogOptions {
  uint64_t max_size = 10ull * 1024 * 1024;  // bytes per file
  unsigned max_file = 3;                    // files kept, the live one included
};

// Docker's limit for one log entry: longer lines are split into partial entries.
inline constexpr size_t kMaxLineBytes = 16 * 1024;

// Applies one `--log-opt KEY=VALUE` (max-size=10m, max-file=3); throws lit::Error
// naming the option on a bad value or an unknown key.
void apply_log_opt(LogOptions& opts, std::string_view key_value);
// The same for an option given as a key and a value (a service's logging.options).
void apply_log_opt(LogOptions& opts, std::string_view key, std::string_view value);

// "512", "64k", "10m", "1g" (also "10mb", case-insensitive; binary units as docker).
uint64_t parse_log_size(std::string_view value, std::string_view option);

// Appends text as the inside of a JSON string: escapes quotes, backslash and control
// characters, keeps valid UTF-8 as is and replaces invalid bytes with U+FFFD.
void append_json_escaped(std::string& out, std::string_view text);

// Writes one container's stdout and stderr into path (".../container.log").
class LogWriter {
 public:
  LogWriter(std::filesystem::path path, LogOptions opts);
  LogWriter(const LogWriter&) = delete;
  LogWriter& operator=(const LogWriter&) = delete;
  ~LogWriter();  // flushes partial lines, best effort

  // Records bytes read from one of the container's streams at time_ns. Complete
  // lines become entries; a trailing fragment waits for its newline (up to 16 KiB).
  void write(Stream s, std::string_view data, int64_t time_ns);

  // Flushes both streams' pending fragments as partial entries (container exited).
  void close(int64_t time_ns);

  const std::filesystem::path& path() const { return path_; }

 private:
  void add_entry(Stream s, std::string_view text, int64_t time_ns);
  void flush_batch();
  void rotate();

  std::filesystem::path path_;
  LogOptions opts_;
  UniqueFd fd_;
  uint64_t size_ = 0;       // bytes in the live file
  std::string pending_[2];  // unterminated fragment per stream
  std::string batch_;       // encoded entries not yet written
  std::string entry_;       // scratch for one encoded entry
};

}  // namespace lit::shim
