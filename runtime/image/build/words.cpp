#include "runtime/image/build/words.hpp"

#include <cctype>
#include <nlohmann/json.hpp>

#include "runtime/util/error.hpp"

namespace lit::image::build {

namespace {

bool blank(char c) {
  return c == ' ' || c == '\t' || c == '\v' || c == '\f' || c == '\r' || c == '\n';
}

std::string_view trim(std::string_view s) {
  while (!s.empty() && blank(s.front())) s.remove_prefix(1);
  while (!s.empty() && blank(s.back())) s.remove_suffix(1);
  return s;
}

// One leading `--flag[=value]` word (quotes removed, backslash escapes honoured).
std::string flag_word(std::string_view s, std::size_t& pos) {
  std::string word;
  char quote = 0;
  for (; pos < s.size(); ++pos) {
    char c = s[pos];
    if (!quote && blank(c)) break;
    if (quote && c == quote) {
      quote = 0;
    } else if (!quote && (c == '\'' || c == '"')) {
      quote = c;
    } else if (c == '\\' && quote != '\'' && pos + 1 < s.size()) {
      word += s[++pos];
    } else {
      word += c;
    }
  }
  return word;
}

}  // namespace

CommandSplit split_command(std::string_view line) {
  line = trim(line);
  std::size_t n = 0;
  while (n < line.size() && !blank(line[n])) ++n;
  CommandSplit out{std::string(line.substr(0, n)), {}, {}};
  std::size_t pos = n;
  for (;;) {
    while (pos < line.size() && blank(line[pos])) ++pos;
    if (line.substr(pos, 2) != "--") break;
    std::size_t start = pos;
    std::string word = flag_word(line, pos);
    if (word == "--") break;
    if (word.size() <= 2) {  // a lone "--" followed by text: arguments start here
      pos = start;
      break;
    }
    out.flags.push_back(word.substr(2));
  }
  out.args = std::string(trim(line.substr(pos)));
  return out;
}

std::vector<std::string> quoted_words(std::string_view s, char escape) {
  std::vector<std::string> words;
  std::string word;
  bool in_word = false, blank_ok = false;
  char quote = 0;
  for (std::size_t i = 0; i < s.size(); ++i) {
    char c = s[i];
    if (!quote && blank(c)) {
      if (in_word && (blank_ok || !word.empty())) words.push_back(word);
      word.clear();
      in_word = blank_ok = false;
      continue;
    }
    in_word = true;
    if (quote && c == quote) {
      quote = 0;
    } else if (!quote && (c == '\'' || c == '"')) {
      quote = c;
      blank_ok = true;
    }
    if (c == escape && quote != '\'') {
      if (i + 1 == s.size()) continue;  // an escape at the very end is dropped
      word += c;
      c = s[++i];
    }
    word += c;
  }
  if (in_word && (blank_ok || !word.empty())) words.push_back(word);
  return words;
}

std::vector<std::string> blank_words(std::string_view s) {
  std::vector<std::string> words;
  std::size_t i = 0;
  while (i < s.size()) {
    while (i < s.size() && blank(s[i])) ++i;
    std::size_t start = i;
    while (i < s.size() && !blank(s[i])) ++i;
    if (i > start) words.emplace_back(s.substr(start, i - start));
  }
  return words;
}

std::optional<std::vector<std::string>> json_array(std::string_view s) {
  s = trim(s);
  if (!s.starts_with('[')) return std::nullopt;
  nlohmann::json j = nlohmann::json::parse(s, nullptr, false);
  if (j.is_discarded() || !j.is_array()) return std::nullopt;
  std::vector<std::string> out;
  for (const auto& v : j) {
    if (!v.is_string())
      throw Error("when using JSON array syntax, arrays must be comprised of strings only");
    out.push_back(v.get<std::string>());
  }
  return out;
}

std::optional<HeredocWord> heredoc_word(std::string_view word) {
  std::size_t i = 0;
  while (i < word.size() && word[i] >= '0' && word[i] <= '9') ++i;
  if (word.substr(i, 2) != "<<") return std::nullopt;
  i += 2;
  HeredocWord out;
  if (i < word.size() && word[i] == '-') out.chomp = true, ++i;
  std::string_view rest = word.substr(i);
  if (rest.empty() || rest.find('<') != std::string_view::npos) return std::nullopt;
  char quote = 0;
  for (std::size_t k = 0; k < rest.size(); ++k) {
    char c = rest[k];
    if (quote ? c == quote : (c == '\'' || c == '"')) {
      quote = quote ? char(0) : c;
      out.expand = false;
    } else if (c == '\\' && quote != '\'' && k + 1 < rest.size()) {
      out.name += rest[++k];
    } else {
      out.name += c;
    }
  }
  if (quote || out.name.empty()) return std::nullopt;
  return out;
}

std::vector<HeredocWord> heredocs_on_line(std::string_view line) {
  std::vector<HeredocWord> out;
  for (const auto& w : quoted_words(line, '\\'))
    if (auto h = heredoc_word(w)) out.push_back(std::move(*h));
  return out;
}

std::string upper(std::string_view s) {
  std::string out(s);
  for (char& c : out) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
  return out;
}

}  // namespace lit::image::build
