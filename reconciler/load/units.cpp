#include "reconciler/load/units.hpp"

#include <cctype>
#include <cmath>
#include <limits>

#include "runtime/util/error.hpp"

namespace lit::reconciler::load {

namespace {

bool is_digit(char c) { return c >= '0' && c <= '9'; }

// Reads "12" or "1.5" at s[i]; false when there is no number there.
bool read_number(std::string_view s, std::size_t& i, long double& out) {
  std::size_t start = i;
  while (i < s.size() && is_digit(s[i])) ++i;
  if (i < s.size() && s[i] == '.') {
    ++i;
    while (i < s.size() && is_digit(s[i])) ++i;
  }
  std::string_view num = s.substr(start, i - start);
  if (num.empty() || num == ".") return false;
  out = std::stold(std::string(num));
  return true;
}

}  // namespace

std::int64_t parse_duration(std::string_view s) {
  auto bad = [&] {
    return Error("invalid duration '" + std::string(s) + "' (expected e.g. 30s, 1m30s, 500ms)");
  };
  if (s == "0") return 0;
  if (s.empty()) throw bad();
  long double total = 0;
  std::size_t i = 0;
  while (i < s.size()) {
    long double n = 0;
    if (!read_number(s, i, n)) throw bad();
    std::size_t u = i;
    while (i < s.size() && !is_digit(s[i]) && s[i] != '.') ++i;
    std::string_view unit = s.substr(u, i - u);
    long double scale;
    if (unit == "ns")
      scale = 1;
    else if (unit == "us" || unit == "\u00b5s")
      scale = 1e3;
    else if (unit == "ms")
      scale = 1e6;
    else if (unit == "s")
      scale = 1e9;
    else if (unit == "m")
      scale = 60e9;
    else if (unit == "h")
      scale = 3600e9;
    else
      throw bad();
    total += n * scale;
  }
  if (total > static_cast<long double>(std::numeric_limits<std::int64_t>::max())) throw bad();
  return static_cast<std::int64_t>(std::llround(total));
}

std::string format_duration(std::int64_t ns) {
  if (ns == 0) return "0s";
  std::string sign = ns < 0 ? "-" : "";
  std::uint64_t u = ns < 0 ? static_cast<std::uint64_t>(-ns) : static_cast<std::uint64_t>(ns);
  // Fraction digits without trailing zeros: frac(1500, 3) -> ".5".
  auto frac = [](std::uint64_t v, int digits) {
    std::string f = std::to_string(v);
    f.insert(0, static_cast<std::size_t>(digits) - f.size(), '0');
    while (!f.empty() && f.back() == '0') f.pop_back();
    return f.empty() ? f : "." + f;
  };
  if (u < 1000000000ULL) {
    if (u < 1000) return sign + std::to_string(u) + "ns";
    if (u < 1000000) return sign + std::to_string(u / 1000) + frac(u % 1000, 3) + "\u00b5s";
    return sign + std::to_string(u / 1000000) + frac(u % 1000000, 6) + "ms";
  }
  std::uint64_t secs = u / 1000000000ULL, rem = u % 1000000000ULL;
  std::string out = sign;
  if (secs >= 3600) out += std::to_string(secs / 3600) + "h";
  if (secs >= 60) out += std::to_string((secs / 60) % 60) + "m";
  out += std::to_string(secs % 60) + frac(rem, 9) + "s";
  return out;
}

std::int64_t parse_bytes(std::string_view s) {
  auto bad = [&] {
    return Error("invalid size '" + std::string(s) + "' (expected e.g. 512m, 1g, 1048576)");
  };
  std::size_t i = 0;
  long double n = 0;
  if (!read_number(s, i, n)) throw bad();
  if (i < s.size() && s[i] == ' ') ++i;
  long double mult = 1;
  if (i < s.size()) {
    switch (std::tolower(static_cast<unsigned char>(s[i]))) {
      case 'b':
        mult = 1;
        break;
      case 'k':
        mult = 1024.0L;
        break;
      case 'm':
        mult = 1024.0L * 1024;
        break;
      case 'g':
        mult = 1024.0L * 1024 * 1024;
        break;
      case 't':
        mult = 1024.0L * 1024 * 1024 * 1024;
        break;
      case 'p':
        mult = 1024.0L * 1024 * 1024 * 1024 * 1024;
        break;
      default:
        throw bad();
    }
    bool unit_b = std::tolower(static_cast<unsigned char>(s[i])) == 'b';
    ++i;
    if (!unit_b && i < s.size() && std::tolower(static_cast<unsigned char>(s[i])) == 'i') ++i;
    if (!unit_b && i < s.size() && std::tolower(static_cast<unsigned char>(s[i])) == 'b') ++i;
  }
  if (i != s.size()) throw bad();
  long double v = n * mult;
  if (v > static_cast<long double>(std::numeric_limits<std::int64_t>::max())) throw bad();
  return static_cast<std::int64_t>(v);
}

std::vector<std::string> shell_words(std::string_view s) {
  std::vector<std::string> words;
  std::string cur;
  bool in_word = false;
  for (std::size_t i = 0; i < s.size(); ++i) {
    char c = s[i];
    if (c == ' ' || c == '\t' || c == '\n' || c == '\r') {
      if (in_word) words.push_back(std::move(cur));
      cur.clear();
      in_word = false;
    } else if (c == '\'') {
      std::size_t end = s.find('\'', i + 1);
      if (end == std::string_view::npos)
        throw Error("unterminated ' quote in '" + std::string(s) + "'");
      cur.append(s.substr(i + 1, end - i - 1));
      i = end;
      in_word = true;
    } else if (c == '"') {
      std::size_t j = i + 1;
      for (; j < s.size() && s[j] != '"'; ++j) {
        if (s[j] == '\\' && j + 1 < s.size() &&
            (s[j + 1] == '"' || s[j + 1] == '\\' || s[j + 1] == '$' || s[j + 1] == '`'))
          ++j;
        cur += s[j];
      }
      if (j >= s.size()) throw Error("unterminated \" quote in '" + std::string(s) + "'");
      i = j;
      in_word = true;
    } else if (c == '\\' && i + 1 < s.size()) {
      cur += s[++i];
      in_word = true;
    } else {
      cur += c;
      in_word = true;
    }
  }
  if (in_word) words.push_back(std::move(cur));
  return words;
}

}  // namespace lit::reconciler::load
