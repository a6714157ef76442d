// Parsing log entries and --since values by hand: `lit logs` may read gigabytes.
#include <charconv>

#include "runtime/logs/log_reader.hpp"
#include "runtime/shim/log_time.hpp"
#include "runtime/util/error.hpp"

namespace lit::shim {

namespace {

void append_utf8(std::string& out, uint32_t cp) {
  if (cp < 0x80) {
    out += static_cast<char>(cp);
  } else if (cp < 0x800) {
    out += static_cast<char>(0xC0 | (cp >> 6));
    out += static_cast<char>(0x80 | (cp & 0x3F));
  } else if (cp < 0x10000) {
    out += static_cast<char>(0xE0 | (cp >> 12));
    out += static_cast<char>(0x80 | ((cp >> 6) & 0x3F));
    out += static_cast<char>(0x80 | (cp & 0x3F));
  } else {
    out += static_cast<char>(0xF0 | (cp >> 18));
    out += static_cast<char>(0x80 | ((cp >> 12) & 0x3F));
    out += static_cast<char>(0x80 | ((cp >> 6) & 0x3F));
    out += static_cast<char>(0x80 | (cp & 0x3F));
  }
}

bool hex4(std::string_view s, size_t i, uint32_t& v) {
  if (i + 4 > s.size()) return false;
  auto [end, ec] = std::from_chars(s.data() + i, s.data() + i + 4, v, 16);
  return ec == std::errc() && end == s.data() + i + 4;
}

// Parses the JSON string starting at s[i] == '"'; leaves i after the closing quote.
bool parse_string(std::string_view s, size_t& i, std::string& out) {
  if (i >= s.size() || s[i] != '"') return false;
  out.clear();
  for (++i; i < s.size(); ++i) {
    const char c = s[i];
    if (c == '"') {
      ++i;
      return true;
    }
    if (c != '\\') {
      out += c;
      continue;
    }
    if (++i >= s.size()) return false;
    switch (s[i]) {
      case '"':
        out += '"';
        break;
      case '\\':
        out += '\\';
        break;
      case '/':
        out += '/';
        break;
      case 'n':
        out += '\n';
        break;
      case 'r':
        out += '\r';
        break;
      case 't':
        out += '\t';
        break;
      case 'b':
        out += '\b';
        break;
      case 'f':
        out += '\f';
        break;
      case 'u': {
        uint32_t cp = 0, lo = 0;
        if (!hex4(s, i + 1, cp)) return false;
        i += 4;
        if (cp >= 0xD800 && cp < 0xDC00 && i + 2 < s.size() && s[i + 1] == '\\' &&
            s[i + 2] == 'u' && hex4(s, i + 3, lo) && lo >= 0xDC00 && lo < 0xE000) {
          cp = 0x10000 + ((cp - 0xD800) << 10) + (lo - 0xDC00);
          i += 6;
        } else if (cp >= 0xD800 && cp < 0xE000) {
          cp = 0xFFFD;  // a lone surrogate
        }
        append_utf8(out, cp);
        break;
      }
      default:
        return false;
    }
  }
  return false;
}

void skip_space(std::string_view s, size_t& i) {
  while (i < s.size() && (s[i] == ' ' || s[i] == '\t' || s[i] == '\r')) ++i;
}

// "1764072000" or "1764072000.123456789": integer math keeps nanoseconds exact.
bool parse_unix_time(std::string_view s, int64_t& ns) {
  const size_t dot = s.find('.');
  const std::string_view whole = s.substr(0, dot);
  int64_t secs = 0;
  auto [end, ec] = std::from_chars(whole.data(), whole.data() + whole.size(), secs);
  if (whole.empty() || ec != std::errc() || end != whole.data() + whole.size() || secs < 0 ||
      secs > 9000000000)
    return false;
  int64_t frac = 0;
  if (dot != std::string_view::npos) {
    const std::string_view f = s.substr(dot + 1);
    if (f.empty() || f.size() > 9) return false;
    for (char c : f) {
      if (c < '0' || c > '9') return false;
      frac = frac * 10 + (c - '0');
    }
    for (size_t i = f.size(); i < 9; ++i) frac *= 10;
  }
  ns = secs * 1000000000 + frac;
  return true;
}

}  // namespace

bool parse_log_line(std::string_view s, LogEntry& out) {
  size_t i = 0;
  skip_space(s, i);
  if (i >= s.size() || s[i++] != '{') return false;
  std::string key, value;
  bool have_log = false, have_time = false;
  out.stream = Stream::Stdout;
  for (;;) {
    skip_space(s, i);
    if (!parse_string(s, i, key)) return false;
    skip_space(s, i);
    if (i >= s.size() || s[i++] != ':') return false;
    skip_space(s, i);
    if (!parse_string(s, i, value)) return false;  // json-file holds strings only
    if (key == "log") {
      out.text = std::move(value);
      value = {};
      have_log = true;
    } else if (key == "stream") {
      if (value != "stdout" && value != "stderr") return false;
      out.stream = value == "stderr" ? Stream::Stderr : Stream::Stdout;
    } else if (key == "time") {
      if (!parse_rfc3339(value, out.time_ns)) return false;
      have_time = true;
    }
    skip_space(s, i);
    if (i >= s.size()) return false;
    if (s[i] == '}') break;
    if (s[i++] != ',') return false;
  }
  return have_log && have_time;
}

int64_t parse_since(std::string_view value, int64_t now, std::string_view flag) {
  int64_t t = 0, d = 0;
  if (parse_rfc3339(value, t)) return t;
  if (value.size() == 10 && parse_rfc3339(std::string(value) + "T00:00:00Z", t)) return t;
  if (value.size() == 19 && parse_rfc3339(std::string(value) + "Z", t)) return t;  // as UTC
  if (parse_unix_time(value, t)) return t;
  if (parse_go_duration(value, d)) return now - d;
  throw Error("invalid " + std::string(flag) + " " + std::string(value), {}, 0,
              "use a time like 2026-11-25T12:00:00Z, a Unix timestamp, or a duration like 10m");
}

bool parse_go_duration(std::string_view s, int64_t& ns) {
  if (s.empty()) return false;
  double total = 0;
  while (!s.empty()) {
    size_t n = 0;
    while (n < s.size() && ((s[n] >= '0' && s[n] <= '9') || s[n] == '.')) ++n;
    double v = 0;
    auto [end, ec] = std::from_chars(s.data(), s.data() + n, v);
    if (n == 0 || ec != std::errc() || end != s.data() + n) return false;
    s.remove_prefix(n);
    size_t u = 0;
    while (u < s.size() && !((s[u] >= '0' && s[u] <= '9') || s[u] == '.')) ++u;
    const std::string_view unit = s.substr(0, u);
    s.remove_prefix(u);
    double mult = 0;
    if (unit == "ns")
      mult = 1;
    else if (unit == "us" || unit == "\xC2\xB5s")
      mult = 1e3;
    else if (unit == "ms")
      mult = 1e6;
    else if (unit == "s")
      mult = 1e9;
    else if (unit == "m")
      mult = 60e9;
    else if (unit == "h")
      mult = 3600e9;
    if (mult == 0) return false;
    total += v * mult;
  }
  if (total > 9.2e18) return false;
  ns = static_cast<int64_t>(total);
  return true;
}

}  // namespace lit::shim
