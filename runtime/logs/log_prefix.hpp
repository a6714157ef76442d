#pragma once
// The lines of several containers' logs as docker compose prints them:
//   web-1     | GET / 200
//   worker-1  | job 7 done
// each name padded to the longest, the prefix in the container's color on a
// terminal, optionally the entry's time after it.
#include <cstddef>
#include <string>
#include <string_view>
#include <vector>

#include "runtime/logs/log_merge.hpp"

namespace lit::runtime {

struct LogStyle {
  bool prefix = true;       // "web-1  | " before each line (off: --no-log-prefix)
  bool color = false;       // prefixes in color (on a terminal, unless --no-color)
  bool timestamps = false;  // RFC3339Nano time of the entry after the prefix (-t)
};

// compose's rotating palette, as SGR parameters: cyan, yellow, green, magenta,
// blue, then the same five bold; the index-th container gets the index-th.
std::string_view prefix_color(std::size_t index);

// text between the SGR sequence for `color` and a reset; text itself when color is empty.
std::string colored(std::string_view text, std::string_view color);

// "web-1  | ": the name left-aligned in `width` columns, then " | ".
std::string log_prefix(std::string_view name, std::size_t width);

// Turns sourced entries into output text. A partial entry (a line longer than
// the log's entry limit, or a last line without newline) waits for the rest of
// its line, so the prefix is printed once per line, as compose does.
class PrefixedLogFormatter {
 public:
  // names[i] is source i's name ("web-1"); every prefix is as wide as the
  // longest name plus one column, as compose's.
  PrefixedLogFormatter(std::vector<std::string> names, LogStyle style);

  // A new source, the next index: its prefix as wide as the widest so far
  // (the others' prefixes do not change under the reader's eyes).
  std::size_t add(std::string name);

  // The text to print for e ("" while its line is not complete yet).
  std::string format(const SourcedEntry& e);
  // The pending partial line of `source`, ended with "\n" ("" if none): its container is done.
  std::string finish(std::size_t source);
  // "web-1 exited with code 0\n", in the source's color.
  std::string status(std::size_t source, std::string_view message) const;

 private:
  struct Source {
    std::string name, prefix, color;
    std::string pending;  // the start of a line written in parts
    int64_t pending_time_ns = 0;
  };
  std::string line(const Source& s, int64_t time_ns, std::string_view text) const;

  std::vector<Source> sources_;
  LogStyle style_;
  std::size_t width_ = 0;  // of the prefixes: the longest name plus one
};

}  // namespace lit::runtime
