#include "runtime/shim/log_time.hpp"

#include <time.h>

namespace lit::shim {

namespace {

// Days since 1970-01-01 for a proleptic Gregorian date (Howard Hinnant's algorithm):
// avoids timegm's locale and TZ machinery.
int64_t days_from_civil(int64_t y, unsigned m, unsigned d) {
  y -= m <= 2;
  const int64_t era = (y >= 0 ? y : y - 399) / 400;
  const unsigned yoe = static_cast<unsigned>(y - era * 400);
  const unsigned doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
  const unsigned doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
  return era * 146097 + static_cast<int64_t>(doe) - 719468;
}

void civil_from_days(int64_t z, int64_t& y, unsigned& m, unsigned& d) {
  z += 719468;
  const int64_t era = (z >= 0 ? z : z - 146096) / 146097;
  const unsigned doe = static_cast<unsigned>(z - era * 146097);
  const unsigned yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
  const unsigned doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
  const unsigned mp = (5 * doy + 2) / 153;
  d = doy - (153 * mp + 2) / 5 + 1;
  m = mp < 10 ? mp + 3 : mp - 9;
  y = static_cast<int64_t>(yoe) + era * 400 + (m <= 2);
}

void put_digits(char* p, uint64_t v, int width) {
  for (int i = width - 1; i >= 0; --i) {
    p[i] = static_cast<char>('0' + v % 10);
    v /= 10;
  }
}

bool take_digits(std::string_view& s, size_t n, int64_t& v) {
  if (s.size() < n) return false;
  v = 0;
  for (size_t i = 0; i < n; ++i) {
    if (s[i] < '0' || s[i] > '9') return false;
    v = v * 10 + (s[i] - '0');
  }
  s.remove_prefix(n);
  return true;
}

bool take_char(std::string_view& s, char c) {
  if (s.empty() || (s[0] != c && !(c == 'T' && s[0] == 't'))) return false;
  s.remove_prefix(1);
  return true;
}

}  // namespace

int64_t now_ns() {
  timespec ts{};
  clock_gettime(CLOCK_REALTIME, &ts);
  return static_cast<int64_t>(ts.tv_sec) * 1000000000 + ts.tv_nsec;
}

size_t format_rfc3339_nano(int64_t time_ns, char (&out)[40]) {
  int64_t secs = time_ns / 1000000000;
  int64_t frac = time_ns % 1000000000;
  if (frac < 0) {
    frac += 1000000000;
    --secs;
  }
  int64_t days = secs / 86400, rem = secs % 86400;
  if (rem < 0) {
    rem += 86400;
    --days;
  }
  int64_t y = 0;
  unsigned m = 0, d = 0;
  civil_from_days(days, y, m, d);
  char* p = out;
  put_digits(p, static_cast<uint64_t>(y < 0 ? 0 : y % 10000), 4);
  p[4] = '-';
  put_digits(p + 5, m, 2);
  p[7] = '-';
  put_digits(p + 8, d, 2);
  p[10] = 'T';
  put_digits(p + 11, static_cast<uint64_t>(rem / 3600), 2);
  p[13] = ':';
  put_digits(p + 14, static_cast<uint64_t>(rem / 60 % 60), 2);
  p[16] = ':';
  put_digits(p + 17, static_cast<uint64_t>(rem % 60), 2);
  p[19] = '.';
  put_digits(p + 20, static_cast<uint64_t>(frac), 9);
  p[29] = 'Z';
  p[30] = '\0';
  return 30;
}

bool parse_rfc3339(std::string_view s, int64_t& time_ns) {
  int64_t y, mo, d, h, mi, sec;
  if (!take_digits(s, 4, y) || !take_char(s, '-') || !take_digits(s, 2, mo) || !take_char(s, '-') ||
      !take_digits(s, 2, d) || !take_char(s, 'T') || !take_digits(s, 2, h) || !take_char(s, ':') ||
      !take_digits(s, 2, mi) || !take_char(s, ':') || !take_digits(s, 2, sec))
    return false;
  if (mo < 1 || mo > 12 || d < 1 || d > 31 || h > 23 || mi > 59 || sec > 60) return false;
  int64_t frac = 0;
  if (!s.empty() && s[0] == '.') {
    s.remove_prefix(1);
    int digits = 0;
    while (!s.empty() && s[0] >= '0' && s[0] <= '9') {
      if (digits < 9) frac = frac * 10 + (s[0] - '0');
      ++digits;
      s.remove_prefix(1);
    }
    if (digits == 0) return false;
    for (int i = digits; i < 9; ++i) frac *= 10;
  }
  int64_t offset = 0;
  if (s == "Z" || s == "z") {
    s = {};
  } else if (!s.empty() && (s[0] == '+' || s[0] == '-')) {
    const int64_t sign = s[0] == '-' ? -1 : 1;
    s.remove_prefix(1);
    int64_t oh, om;
    if (!take_digits(s, 2, oh) || !take_char(s, ':') || !take_digits(s, 2, om) || !s.empty())
      return false;
    offset = sign * (oh * 3600 + om * 60);
  } else {
    return false;
  }
  const int64_t secs =
      days_from_civil(y, static_cast<unsigned>(mo), static_cast<unsigned>(d)) * 86400 + h * 3600 +
      mi * 60 + sec - offset;
  // Nanoseconds in an int64_t reach from 1677 to 2262: other years do not fit.
  constexpr int64_t kMaxSecs = INT64_MAX / 1000000000 - 1;
  if (secs < -kMaxSecs || secs > kMaxSecs) return false;
  time_ns = secs * 1000000000 + frac;
  return true;
}

}  // namespace lit::shim
