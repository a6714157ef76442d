#pragma once
// The first pass over a Containerfile: parser directives, comments and line
// continuations, giving one logical line per instruction (BuildKit's rules:
// a continuation is the escape character last on a line, comment lines and
// empty lines inside a continuation are dropped). Heredoc bodies are read by
// the caller through next_raw_line, right after the instruction's line.
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace lit::image::build {

struct Directives {
  char escape = '\\';
  std::string syntax;
};

struct LogicalLine {
  int line = 0;      // first physical line, 1-based
  std::string text;  // continuations joined, escape characters removed
};

class SourceLines {
 public:
  // file: as shown in messages.
  SourceLines(std::string_view text, std::string file);

  // The next instruction's line, or nullopt at the end.
  std::optional<LogicalLine> next();
  // The next physical line as written (with its "\n" when it had one), for heredocs.
  std::optional<std::string> next_raw_line();
  int current_line() const { return line_; }
  const Directives& directives() const { return directives_; }
  const std::string& file() const { return file_; }

 private:
  std::optional<std::string_view> physical();
  void directive(std::string_view line);
  bool continues(std::string& line) const;

  std::string_view text_;
  std::string file_;
  std::size_t pos_ = 0;
  int line_ = 0;
  bool directives_done_ = false;
  bool seen_escape_ = false, seen_syntax_ = false, seen_check_ = false;
  Directives directives_;
};

// "FILE:LINE: msg" as a lit::Error, with an optional hint.
[[noreturn]] void fail_at(const std::string& file, int line, const std::string& msg,
                          const std::string& hint = {});

}  // namespace lit::image::build
