#pragma once
// docker's human status strings for `lit container ls`: "Up 5 seconds (healthy)",
// "Exited (1) 3 seconds ago", and go-units' HumanDuration behind them.
#include <chrono>
#include <cstdint>
#include <string>

#include "runtime/state/record.hpp"
#include "runtime/state/status.hpp"

namespace lit::app {

// go-units HumanDuration: "Less than a second", "1 second", "About a minute",
// "About an hour", "2 hours", "3 days", "2 weeks", "3 months", "2 years".
std::string human_duration(int64_t ns);

struct StatusFacts {
  runtime::ContainerStatus state = runtime::ContainerStatus::Created;
  int64_t started_ns = 0;   // last start
  int64_t finished_ns = 0;  // last exit (0: never exited)
  int exit_code = 0;
  runtime::Health health = runtime::Health::None;
};

std::string status_text(const StatusFacts& f, int64_t now_ns);

// A record's state as docker presents it: "Up 5 seconds (healthy)",
// "Exited (1) 3 seconds ago", "Restarting (1) 2 seconds ago", "Created".
std::string status_text(const runtime::ContainerState& state,
                        std::chrono::system_clock::time_point now);

}  // namespace lit::app
