#include "runtime/image/build/source_lines.hpp"

#include <cctype>

#include "runtime/util/error.hpp"

namespace lit::image::build {

namespace {

bool space(char c) { return c == ' ' || c == '\t' || c == '\v' || c == '\f' || c == '\r'; }

std::string_view trim_newline(std::string_view s) {
  while (!s.empty() && (s.back() == '\n' || s.back() == '\r')) s.remove_suffix(1);
  return s;
}

std::string_view trim_left(std::string_view s) {
  while (!s.empty() && (space(s.front()) || s.front() == '\n')) s.remove_prefix(1);
  return s;
}

std::string_view trim_right(std::string_view s) {
  while (!s.empty() && (space(s.back()) || s.back() == '\n')) s.remove_suffix(1);
  return s;
}

bool is_comment(std::string_view raw) {
  std::string_view s = trim_left(trim_newline(raw));
  return !s.empty() && s.front() == '#';
}

std::string lower(std::string_view s) {
  std::string out(s);
  for (char& c : out) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return out;
}

}  // namespace

void fail_at(const std::string& file, int line, const std::string& msg, const std::string& hint) {
  throw Error(file + ":" + std::to_string(line) + ": " + msg, {}, 0, hint);
}

SourceLines::SourceLines(std::string_view text, std::string file)
    : text_(text), file_(std::move(file)) {
  if (text_.starts_with("\xEF\xBB\xBF")) text_.remove_prefix(3);
}

std::optional<std::string_view> SourceLines::physical() {
  if (pos_ >= text_.size()) return std::nullopt;
  std::size_t end = text_.find('\n', pos_);
  end = end == std::string_view::npos ? text_.size() : end + 1;
  std::string_view line = text_.substr(pos_, end - pos_);
  pos_ = end;
  ++line_;
  return line;
}

std::optional<std::string> SourceLines::next_raw_line() {
  auto l = physical();
  if (!l) return std::nullopt;
  return std::string(*l);
}

// `# name=value` lines at the very top; the first other line ends them.
void SourceLines::directive(std::string_view line) {
  if (directives_done_) return;
  std::string_view s = line;
  if (!s.starts_with('#')) {
    directives_done_ = true;
    return;
  }
  s = trim_left(s.substr(1));
  std::size_t n = 0;
  while (n < s.size() && (std::isalnum(static_cast<unsigned char>(s[n])))) ++n;
  std::size_t eq = n;
  while (eq < s.size() && space(s[eq])) ++eq;
  std::string_view value =
      eq < s.size() && s[eq] == '=' ? trim_right(trim_left(s.substr(eq + 1))) : std::string_view();
  std::string name = lower(s.substr(0, n));
  bool* seen = name == "escape"   ? &seen_escape_
               : name == "syntax" ? &seen_syntax_
               : name == "check"  ? &seen_check_
                                  : nullptr;
  if (n == 0 || !std::isalpha(static_cast<unsigned char>(s[0])) || value.empty() || !seen) {
    directives_done_ = true;
    return;
  }
  if (*seen) fail_at(file_, line_, "only one " + name + " parser directive can be used");
  *seen = true;
  if (name == "syntax") directives_.syntax = std::string(value);
  if (name != "escape") return;
  if (value != "\\" && value != "`")
    fail_at(file_, line_,
            "invalid escape token '" + std::string(value) + "' does not match ` or \\",
            "write `# escape=\\` or `# escape=``");
  directives_.escape = value[0];
}

// Strips a trailing escape character (and blanks after it) not itself escaped.
bool SourceLines::continues(std::string& line) const {
  std::size_t end = line.size();
  while (end > 0 && (line[end - 1] == ' ' || line[end - 1] == '\t')) --end;
  if (end == 0 || line[end - 1] != directives_.escape) return false;
  if (end >= 2 && line[end - 2] == directives_.escape) return false;
  line.resize(end - 1);
  return true;
}

std::optional<LogicalLine> SourceLines::next() {
  while (auto raw = physical()) {
    std::string_view first = trim_left(trim_newline(*raw));
    directive(first);
    LogicalLine out{line_, first.starts_with('#') ? std::string() : std::string(first)};
    bool more = continues(out.text);
    if (!more && out.text.empty()) continue;
    while (more) {
      auto next_raw = physical();
      if (!next_raw) break;
      std::string_view cont = trim_newline(*next_raw);
      directive(cont);
      if (is_comment(cont) || trim_left(cont).empty()) continue;
      std::string piece(cont);
      more = continues(piece);
      out.text += piece;
    }
    return out;
  }
  return std::nullopt;
}

}  // namespace lit::image::build
