#pragma once
// Splitting an instruction's line as BuildKit does: the instruction word, its
// leading `--flags`, and the argument forms (whitespace-separated, quoted
// words kept with their quotes, JSON arrays, heredoc words).
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace lit::image::build {

struct CommandSplit {
  std::string name;                // as written ("copy", "COPY")
  std::vector<std::string> flags;  // "--from=build" -> "from=build"; "--link" -> "link"
  std::string args;                // the rest, trimmed
};
CommandSplit split_command(std::string_view line);

// Words separated by blanks; quotes and escapes are kept (removed later by substitution).
std::vector<std::string> quoted_words(std::string_view s, char escape);

// Words separated by runs of blanks, nothing else.
std::vector<std::string> blank_words(std::string_view s);

// ASCII upper case (instruction and flag names).
std::string upper(std::string_view s);

// A JSON array of strings: nullopt when s is not a JSON array; throws
// lit::Error (just the problem) when it is an array of something else.
std::optional<std::vector<std::string>> json_array(std::string_view s);

// `<<EOF`, `<<-EOF`, `<<"EOF"`, `2<<EOF`: the heredoc a word opens, if any.
struct HeredocWord {
  std::string name;
  bool chomp = false;
  bool expand = true;
};
std::optional<HeredocWord> heredoc_word(std::string_view word);

// The heredocs opened on a line, in order.
std::vector<HeredocWord> heredocs_on_line(std::string_view line);

}  // namespace lit::image::build
