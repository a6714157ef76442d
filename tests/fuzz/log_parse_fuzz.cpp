// Fuzz target: a container's json-file log holds what the container wrote (the
// shim escapes it, but the file can be edited or cut short), and --since takes
// what the user typed. Parsing must not crash, overflow or throw anything but
// lit::Error; a timestamp it accepts formats and parses back to the same time.
#include <cstddef>
#include <cstdint>
#include <string_view>

#include "runtime/logs/log_reader.hpp"
#include "runtime/shim/log_time.hpp"
#include "runtime/util/error.hpp"
#include "tests/fuzz/scratch.hpp"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace lit::shim;
  const std::string_view text(reinterpret_cast<const char*>(data), size);
  // Line by line, as read_logs hands them over.
  for (std::string_view rest = text; !rest.empty();) {
    const size_t nl = rest.find('\n');
    LogEntry entry;
    (void)parse_log_line(rest.substr(0, nl), entry);
    rest = nl == std::string_view::npos ? std::string_view{} : rest.substr(nl + 1);
  }
  LogEntry entry;
  (void)parse_log_line(text, entry);

  constexpr int64_t kNow = 1764072000LL * 1000000000;  // 2025-11-25T12:00:00Z
  try {
    (void)parse_since(text, kNow);
  } catch (const lit::Error&) {
  }
  int64_t ns = 0;
  (void)parse_go_duration(text, ns);
  if (parse_rfc3339(text, ns)) {
    char out[40];
    format_rfc3339_nano(ns, out);
    int64_t again = 0;
    if (!parse_rfc3339(out, again) || again != ns)
      lit::fuzz::die("time " + std::to_string(ns) + " formats as " + out);
  }
  return 0;
}
