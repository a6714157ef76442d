#include "runtime/image/build/ignore.hpp"

#include <fstream>
#include <sstream>

#include "runtime/image/build/source_lines.hpp"
#include "runtime/util/error.hpp"

namespace lit::image::build {

namespace {

using Kind = IgnorePattern::Kind;

// UTF-8 to code points; a byte that starts no valid sequence stands for itself.
std::u32string runes(std::string_view s) {
  std::u32string out;
  for (std::size_t i = 0; i < s.size();) {
    auto b = static_cast<unsigned char>(s[i]);
    std::size_t n = (b & 0xE0) == 0xC0 ? 1 : (b & 0xF0) == 0xE0 ? 2 : (b & 0xF8) == 0xF0 ? 3 : 0;
    if (i + n >= s.size()) n = 0;
    char32_t c = n == 0 ? b : b & (0x3F >> n);
    for (std::size_t k = 1; k <= n; ++k) {
      auto cont = static_cast<unsigned char>(s[i + k]);
      if ((cont & 0xC0) != 0x80) {
        n = 0, c = b;
        break;
      }
      c = (c << 6) | (cont & 0x3F);
    }
    out += c;
    i += n + 1;
  }
  return out;
}

std::string_view trim(std::string_view s) {
  while (!s.empty() && std::string_view(" \t\r\n\v\f").find(s.front()) != std::string_view::npos)
    s.remove_prefix(1);
  while (!s.empty() && std::string_view(" \t\r\n\v\f").find(s.back()) != std::string_view::npos)
    s.remove_suffix(1);
  return s;
}

[[noreturn]] void bad_pattern() { throw Error("syntax error in pattern"); }

// One side of a class range: a character or \character, never a bare - or ].
char32_t class_char(const std::u32string& p, std::size_t& i) {
  if (i >= p.size() || p[i] == U'-' || p[i] == U']') bad_pattern();
  if (p[i] == U'\\' && ++i >= p.size()) bad_pattern();
  return p[i++];
}

// `[...]` at p[i] (just after the '['), as Go's filepath.Match reads it.
IgnorePattern::Token parse_class(const std::u32string& p, std::size_t& i) {
  IgnorePattern::Token t{Kind::cls, 0, {}, false};
  if (i < p.size() && p[i] == U'^') t.negated = true, ++i;
  for (;;) {
    if (i < p.size() && p[i] == U']' && !t.ranges.empty()) {
      ++i;
      return t;
    }
    char32_t lo = class_char(p, i), hi = lo;
    if (i < p.size() && p[i] == U'-') hi = class_char(p, ++i);
    t.ranges.emplace_back(lo, hi);
    if (i >= p.size()) bad_pattern();
  }
}

bool token_accepts(const IgnorePattern::Token& t, char32_t c) {
  switch (t.kind) {
    case Kind::literal:
      return c == t.ch;
    case Kind::any:
      return c != U'/';
    case Kind::cls: {
      bool in = false;
      for (const auto& [lo, hi] : t.ranges) in = in || (lo <= c && c <= hi);
      return in != t.negated;
    }
    default:
      return false;
  }
}

// States a token lets through without consuming anything (the stars match "").
void close_over(const std::vector<IgnorePattern::Token>& toks, std::vector<char>& set) {
  for (std::size_t i = 0; i < toks.size(); ++i)
    if (set[i] && toks[i].kind != Kind::literal && toks[i].kind != Kind::any &&
        toks[i].kind != Kind::cls)
      set[i + 1] = 1;
}

std::vector<std::string> split(std::string_view s) {
  std::vector<std::string> out;
  std::size_t start = 0;
  for (std::size_t i = 0; i <= s.size(); ++i)
    if (i == s.size() || s[i] == '/') out.emplace_back(s.substr(start, i - start)), start = i + 1;
  return out;
}

// Whether an exception could match something at or below dir, segment by
// segment (true when unsure: `**`, classes, which may match a '/').
bool could_match_below(const IgnorePattern& p, const std::vector<std::string>& dir) {
  if (p.suffix_only || p.text.find("**") != std::string::npos ||
      p.text.find('[') != std::string::npos)
    return true;
  std::vector<std::string> segs = split(p.text);
  for (std::size_t k = 0; k < segs.size() && k < dir.size(); ++k) {
    try {
      if (!IgnorePattern::compile(segs[k], true).matches(dir[k])) return false;
    } catch (const Error&) {
      return true;
    }
  }
  return true;
}

}  // namespace

std::string clean_path(std::string_view p) {
  bool rooted = p.starts_with('/');
  std::vector<std::string_view> parts;
  std::size_t start = 0;
  for (std::size_t i = 0; i <= p.size(); ++i) {
    if (i < p.size() && p[i] != '/') continue;
    std::string_view part = p.substr(start, i - start);
    start = i + 1;
    if (part.empty() || part == ".") continue;
    if (part == ".." && !parts.empty() && parts.back() != "..")
      parts.pop_back();
    else if (part != ".." || !rooted)
      parts.push_back(part);
  }
  std::string out = rooted ? "/" : "";
  for (std::size_t i = 0; i < parts.size(); ++i) out += (i ? "/" : "") + std::string(parts[i]);
  return out.empty() ? "." : out;
}

IgnorePattern IgnorePattern::compile(std::string cleaned, bool exception) {
  IgnorePattern pat{std::move(cleaned), exception, {}, false};
  std::u32string p = runes(pat.text);
  for (std::size_t i = 0; i < p.size();) {
    char32_t c = p[i++];
    if (c == U'*' && i < p.size() && p[i] == U'*') {
      ++i;
      if (i < p.size() && p[i] == U'/') ++i;
      pat.tokens.push_back({i == p.size() ? Kind::star_star_end : Kind::star_star, 0, {}, false});
    } else if (c == U'*') {
      pat.tokens.push_back({Kind::star, 0, {}, false});
    } else if (c == U'?') {
      pat.tokens.push_back({Kind::any, 0, {}, false});
    } else if (c == U'[') {
      pat.tokens.push_back(parse_class(p, i));
    } else if (c == U'\\') {
      if (i == p.size()) bad_pattern();
      pat.tokens.push_back({Kind::literal, p[i++], {}, false});
    } else {
      pat.tokens.push_back({Kind::literal, c, {}, false});
    }
  }
  pat.suffix_only =
      pat.text.starts_with("**") && pat.text.find_first_of("*?[]\\", 2) == std::string::npos;
  return pat;
}

bool IgnorePattern::matches(std::string_view path) const {
  if (suffix_only) {
    std::string_view suffix = std::string_view(text).substr(2);
    return path.ends_with(suffix) || (suffix.starts_with('/') && path == suffix.substr(1));
  }
  std::vector<char> now(tokens.size() + 1, 0), next(tokens.size() + 1, 0);
  now[0] = 1;
  close_over(tokens, now);
  for (char32_t c : runes(path)) {
    std::fill(next.begin(), next.end(), 0);
    for (std::size_t i = 0; i < tokens.size(); ++i) {
      if (!now[i]) continue;
      Kind k = tokens[i].kind;
      if (k == Kind::star_star_end || (k == Kind::star && c != U'/')) next[i] = 1;
      if (k == Kind::star_star && c == U'/') next[i + 1] = 1;
      if (k == Kind::star_star) next[i] = 1;
      if (token_accepts(tokens[i], c)) next[i + 1] = 1;
    }
    close_over(tokens, next);
    now.swap(next);
  }
  return now[tokens.size()] != 0;
}

IgnoreMatcher::IgnoreMatcher(const std::vector<std::string>& patterns) {
  for (const auto& p : patterns) {
    try {
      add(p);
    } catch (const Error& e) {
      throw Error(std::string(e.what()) + ": \"" + p + "\"", {}, 0, e.hint());
    }
  }
}

void IgnoreMatcher::add(std::string pattern) {
  std::string p(trim(pattern));
  if (p.empty()) return;
  p = clean_path(p);
  bool exception = p[0] == '!';
  if (exception && p.size() == 1) throw Error("illegal exclusion pattern", {}, 0, "write !PATTERN");
  if (exception) p.erase(0, 1), exceptions_ = true;
  patterns_.push_back(IgnorePattern::compile(std::move(p), exception));
}

IgnoreMatcher IgnoreMatcher::parse(std::string_view text, const std::string& file) {
  if (text.starts_with("\xEF\xBB\xBF")) text.remove_prefix(3);
  IgnoreMatcher m;
  int line = 0;
  for (std::size_t pos = 0; pos < text.size();) {
    std::size_t end = text.find('\n', pos);
    if (end == std::string_view::npos) end = text.size();
    std::string_view raw = text.substr(pos, end - pos);
    pos = end + 1;
    ++line;
    if (raw.starts_with('#')) continue;
    std::string_view p = trim(raw);
    if (p.empty()) continue;
    bool invert = p[0] == '!';
    if (invert) p = trim(p.substr(1));
    std::string cleaned = p.empty() ? std::string() : clean_path(p);
    if (cleaned.size() > 1 && cleaned[0] == '/') cleaned.erase(0, 1);
    try {
      m.add(invert ? "!" + cleaned : cleaned);
    } catch (const Error& e) {
      fail_at(file, line, std::string(e.what()) + ": \"" + std::string(trim(raw)) + "\"",
              e.hint().empty() ? "patterns use Go's filepath.Match syntax: * ? [a-z] \\x and **"
                               : e.hint());
    }
  }
  return m;
}

bool IgnoreMatcher::excluded(std::string_view relative_path) const {
  std::string path = clean_path(relative_path);
  if (path == "." || patterns_.empty()) return false;
  std::vector<std::string> dirs = split(path);
  dirs.pop_back();
  bool matched = false;
  for (const auto& p : patterns_) {
    if (p.exception != matched) continue;
    bool m = p.matches(path);
    std::string parent;
    for (std::size_t i = 0; !m && i < dirs.size(); ++i) {
      parent += (i ? "/" : "") + dirs[i];
      m = p.matches(parent);
    }
    if (m) matched = !p.exception;
  }
  return matched;
}

bool IgnoreMatcher::skip_directory(std::string_view relative_dir) const {
  if (!excluded(relative_dir)) return false;
  if (!exceptions_) return true;
  std::vector<std::string> dir = split(clean_path(relative_dir));
  for (const auto& p : patterns_)
    if (p.exception && could_match_below(p, dir)) return false;
  return true;
}

std::optional<std::filesystem::path> find_ignore_file(const std::filesystem::path& context,
                                                      const std::filesystem::path& containerfile) {
  std::error_code ec;
  std::filesystem::path beside = containerfile;
  beside += ".dockerignore";
  for (const auto& p : {beside, context / ".containerignore", context / ".dockerignore"})
    if (std::filesystem::is_regular_file(p, ec)) return p;
  return std::nullopt;
}

IgnoreMatcher load_ignore(const std::filesystem::path& context,
                          const std::filesystem::path& containerfile) {
  auto file = find_ignore_file(context, containerfile);
  if (!file) return {};
  std::ifstream in(*file, std::ios::binary);
  if (!in) throw Error::sys("read", file->string(), errno);
  std::ostringstream text;
  text << in.rdbuf();
  return IgnoreMatcher::parse(text.str(), file->filename().string());
}

}  // namespace lit::image::build
