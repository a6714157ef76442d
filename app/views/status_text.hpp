#pragma once
// docker's human status strings for `lit container ls`: "Up 5 seconds (healthy)",
// "Exited (1) 3 seconds ago", and go-units' HumanDuration behind them.
#include <cstdint>
#include <string>

namespace lit::shim {

// go-units HumanDuration: "Less than a second", "1 second", "About a minute",
// "About an hour", "2 hours", "3 days", "2 weeks", "3 months", "2 years".
std::string human_duration(int64_t ns);

enum class RunState { Created, Running, Paused, Restarting, Exited, Dead, Removing };
enum class Health { None, Starting, Healthy, Unhealthy };

struct StatusFacts {
  RunState state = RunState::Created;
  int64_t started_ns = 0;   // last start
  int64_t finished_ns = 0;  // last exit (0: never exited)
  int exit_code = 0;
  Health health = Health::None;
};

std::string status_text(const StatusFacts& f, int64_t now_ns);

}  // namespace lit::shim
