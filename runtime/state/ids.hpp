#pragma once
// A container's id and name, and the RFC 3339 times its record holds.
#include <chrono>
#include <optional>
#include <string>
#include <string_view>

namespace lit::runtime {

// 64 random hex characters (getrandom).
std::string generate_id();
// Whether `text` has generate_id's form exactly (64 lowercase hex digits): how
// what lit names after a container (a systemd scope, say) is told from
// anything else named alike.
bool is_generated_id(std::string_view text);
// docker-style "adjective_surname".
std::string generate_name();

// Now as RFC 3339 with nanoseconds, UTC ("2024-05-01T12:00:00.123456789Z").
std::string now_rfc3339();
std::optional<std::chrono::system_clock::time_point> parse_rfc3339(const std::string& text);

}  // namespace lit::runtime
