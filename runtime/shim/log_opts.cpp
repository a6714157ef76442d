// --log-opt parsing for the json-file writer.
#include <cctype>
#include <charconv>
#include <limits>

#include "runtime/shim/log_writer.hpp"
#include "runtime/util/error.hpp"

namespace lit::shim {

namespace {

std::string lower(std::string_view s) {
  std::string out(s);
  for (char& c : out) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return out;
}

}  // namespace

uint64_t parse_log_size(std::string_view value, std::string_view option) {
  const std::string v = lower(value);
  uint64_t n = 0;
  auto [end, ec] = std::from_chars(v.data(), v.data() + v.size(), n);
  std::string_view unit(end, static_cast<size_t>(v.data() + v.size() - end));
  if (unit.size() == 2 && unit[1] == 'b' && unit[0] != 'b') unit.remove_suffix(1);
  uint64_t mult = 0;
  if (unit.empty() || unit == "b")
    mult = 1;
  else if (unit == "k")
    mult = 1024;
  else if (unit == "m")
    mult = 1024 * 1024;
  else if (unit == "g")
    mult = 1024ull * 1024 * 1024;
  if (ec != std::errc() || end == v.data() || mult == 0 || n == 0 ||
      n > std::numeric_limits<uint64_t>::max() / mult)
    throw Error("invalid --log-opt " + std::string(option) + "=" + std::string(value), {}, 0,
                "use a positive size like 512k, 10m or 1g");
  return n * mult;
}

void apply_log_opt(LogOptions& opts, std::string_view kv) {
  const size_t eq = kv.find('=');
  if (eq == std::string_view::npos)
    throw Error("invalid --log-opt " + std::string(kv), {}, 0,
                "expected KEY=VALUE, e.g. max-size=10m");
  apply_log_opt(opts, kv.substr(0, eq), kv.substr(eq + 1));
}

void apply_log_opt(LogOptions& opts, std::string_view key, std::string_view value) {
  if (key == "max-size") {
    opts.max_size = parse_log_size(value, key);
  } else if (key == "max-file") {
    unsigned n = 0;
    auto [end, ec] = std::from_chars(value.data(), value.data() + value.size(), n);
    if (ec != std::errc() || end != value.data() + value.size() || n < 1 || n > 1000)
      throw Error("invalid --log-opt max-file=" + std::string(value), {}, 0,
                  "use a whole number of files from 1 to 1000");
    opts.max_file = n;
  } else {
    throw Error("unknown --log-opt " + std::string(key), {}, 0,
                "the json-file log supports max-size and max-file");
  }
}

}  // namespace lit::shim
