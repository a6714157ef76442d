#pragma once
// A container's status and its health, as docker names them. The words
// ("running", "healthy", ...) live only here: records and `inspect` write them
// with to_string, records are read back with parse_*, and the rest of lit
// compares the enums.
#include <optional>
#include <string_view>

namespace lit::runtime {

// docker's set. lit itself records Created, Running, Restarting (waiting out a
// restart back-off) and Exited; the others are known so that they read and
// print as docker's.
enum class ContainerStatus { Created, Running, Paused, Restarting, Removing, Exited, Dead };

// A container's health check result; None: the container has no health check.
enum class Health { None, Starting, Healthy, Unhealthy };

// "created", "running", "paused", "restarting", "removing", "exited", "dead".
std::string_view to_string(ContainerStatus status);
// "none", "starting", "healthy", "unhealthy".
std::string_view to_string(Health health);

// The inverse of to_string; nullopt for any other word.
std::optional<ContainerStatus> parse_container_status(std::string_view word);
std::optional<Health> parse_health(std::string_view word);

}  // namespace lit::runtime
