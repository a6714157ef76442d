#pragma once
// Value syntaxes of compose files: durations ("1m30s"), byte sizes ("512M"),
// and shell-words splitting of string commands. Each throws lit::Error with
// just the problem; callers add file, line and key path.
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace lit::reconciler::load {

// Go duration syntax: "1h2m3.5s", "500ms", "10us", "0". Returns nanoseconds.
std::int64_t parse_duration(std::string_view s);
// Go's time.Duration String(): 90s -> "1m30s", 0.5s -> "500ms", 1h -> "1h0m0s".
std::string format_duration(std::int64_t ns);

// docker's RAMInBytes: "512", "32m", "1.5g", "1GiB", "64MB" (binary units).
std::int64_t parse_bytes(std::string_view s);

// Splits a command line like a POSIX shell does for words: whitespace,
// 'single' and "double" quotes, backslash escapes. No expansion.
std::vector<std::string> shell_words(std::string_view s);

}  // namespace lit::reconciler::load
