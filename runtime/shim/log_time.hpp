#pragma once
// Timestamps for container logs: nanoseconds since the Unix epoch (UTC), written
// as RFC3339 with nine fraction digits so that text order is time order.
#include <cstdint>
#include <string_view>

namespace lit::shim {

// CLOCK_REALTIME in nanoseconds.
int64_t now_ns();

// Writes "2026-11-25T12:00:00.123456789Z" (30 chars) into out; returns the length.
// Plain snprintf-free formatting: the shim calls this for every log line.
size_t format_rfc3339_nano(int64_t time_ns, char (&out)[40]);

// Parses RFC3339 with optional fraction (1-9 digits) and "Z" or "+hh:mm"/"-hh:mm".
// Returns false on malformed input, and on times that do not fit in int64_t
// nanoseconds (before 1677 or after 2262); the caller names the flag or file in its error.
bool parse_rfc3339(std::string_view text, int64_t& time_ns);

// Go's time.ParseDuration subset, as docker's flags take durations: "10m",
// "1h30m", "1.5h", "300ms", "90s". False on malformed input.
bool parse_go_duration(std::string_view s, int64_t& ns);

}  // namespace lit::shim
