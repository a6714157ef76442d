#include "app/views/status_text.hpp"

#include "reconciler/optimize.hpp"
#include "runtime/state/ids.hpp"

namespace lit::app {

using runtime::ContainerStatus;
using runtime::Health;

namespace {

std::string count(int64_t n, const char* unit) { return std::to_string(n) + " " + unit; }

const char* health_suffix(Health h) {
  switch (h) {
    case Health::Starting:
      return " (health: starting)";
    case Health::Healthy:
      return " (healthy)";
    case Health::Unhealthy:
      return " (unhealthy)";
    case Health::None:
      break;
  }
  return "";
}

}  // namespace

std::string human_duration(int64_t ns) {
  const int64_t seconds = ns / 1000000000;
  if (seconds < 1) return "Less than a second";
  if (seconds == 1) return "1 second";
  if (seconds < 60) return count(seconds, "seconds");
  const int64_t minutes = seconds / 60;
  if (minutes == 1) return "About a minute";
  if (minutes < 60) return count(minutes, "minutes");
  // go-units rounds hours to the nearest (int(d.Hours() + 0.5)).
  const int64_t hours = (ns + 1800 * int64_t{1000000000}) / (3600 * int64_t{1000000000});
  if (hours == 1) return "About an hour";
  if (hours < 48) return count(hours, "hours");
  if (hours < 24 * 7 * 2) return count(hours / 24, "days");
  if (hours < 24 * 30 * 2) return count(hours / 24 / 7, "weeks");
  if (hours < 24 * 365 * 2) return count(hours / 24 / 30, "months");
  return count(ns / (3600 * int64_t{1000000000}) / 24 / 365, "years");
}

std::string status_text(const StatusFacts& f, int64_t now) {
  switch (f.state) {
    case ContainerStatus::Running:
      return "Up " + human_duration(now - f.started_ns) + health_suffix(f.health);
    case ContainerStatus::Paused:
      return "Up " + human_duration(now - f.started_ns) + " (Paused)";
    case ContainerStatus::Restarting:
      return "Restarting (" + std::to_string(f.exit_code) + ") " +
             human_duration(now - f.finished_ns) + " ago";
    case ContainerStatus::Removing:
      return "Removal In Progress";
    case ContainerStatus::Dead:
      return "Dead";
    case ContainerStatus::Exited:
      // An exit nobody recorded the time of (its supervisor died) is still an exit.
      if (f.finished_ns == 0) return "Exited (" + std::to_string(f.exit_code) + ")";
      return "Exited (" + std::to_string(f.exit_code) + ") " + human_duration(now - f.finished_ns) +
             " ago";
    case ContainerStatus::Created:
      break;
  }
  return "Created";
}

std::string status_text(const runtime::ContainerState& state,
                        std::chrono::system_clock::time_point now) {
  auto ns = [](const std::string& when) -> int64_t {
    auto tp = runtime::parse_rfc3339(when);
    return tp ? std::chrono::duration_cast<std::chrono::nanoseconds>(tp->time_since_epoch()).count()
              : 0;
  };
  StatusFacts f;
  f.state = runtime::shown_status(state);
  f.started_ns = ns(state.started_at);
  f.finished_ns = ns(state.finished_at);
  f.exit_code = state.exit_code;
  if (state.health) f.health = state.health->status;
  std::string text = status_text(
      f, std::chrono::duration_cast<std::chrono::nanoseconds>(now.time_since_epoch()).count());
  // optimize.memory_ceiling raised its limit: said where the user looks first.
  if (!state.memory_raises.empty())
    text += " (memory raised to " + reconciler::human_bytes(state.memory_raises.back().to) + ")";
  return text;
}

}  // namespace lit::app
