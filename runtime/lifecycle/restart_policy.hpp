#pragma once
// Restart policies (`--restart`) and the pure decision the shim makes when its
// container exits: restart or not, and after what back-off (docker's rules).
#include <cstdint>
#include <string>
#include <string_view>

namespace lit::runtime {

enum class RestartMode { No, Always, OnFailure, UnlessStopped };

struct RestartPolicy {
  RestartMode mode = RestartMode::No;
  unsigned max_retries = 0;           // on-failure:N; 0 = no limit
  bool restart_on_unhealthy = false;  // --restart-on-unhealthy (lit's own)
  bool operator==(const RestartPolicy&) const = default;
};

// "no", "always", "on-failure", "on-failure:N", "unless-stopped"; throws lit::Error
// naming --restart.
RestartPolicy parse_restart_policy(std::string_view value);
std::string to_string(const RestartPolicy& p);  // as parsed: "on-failure:3"

// Docker's back-off: 100 ms, doubling each restart, at most one minute, back to
// 100 ms after a run of at least 10 s.
inline constexpr int64_t kFirstBackoffMs = 100;
inline constexpr int64_t kMaxBackoffMs = 60 * 1000;
inline constexpr int64_t kBackoffResetAfterMs = 10 * 1000;

struct ExitFacts {
  int exit_code = 0;              // 128+signal when killed, as reported to the user
  bool stopped_by_user = false;   // lit stop / kill / rm: never restarted
  bool killed_unhealthy = false;  // the shim killed it because it turned unhealthy
  unsigned restart_count = 0;     // restarts so far (reset by a user's start)
  int64_t ran_ms = 0;             // how long this run lasted
  int64_t last_delay_ms = 0;      // the previous back-off, 0 before the first restart
};

struct RestartDecision {
  bool restart = false;
  int64_t delay_ms = 0;        // wait this long, then start again
  unsigned restart_count = 0;  // the count to record (incremented on restart)
};

RestartDecision decide_restart(const RestartPolicy& p, const ExitFacts& f);

// Whether the shim should kill a container that just turned unhealthy (and then
// let decide_restart bring it back).
inline bool kill_when_unhealthy(const RestartPolicy& p) { return p.restart_on_unhealthy; }

// After a reboot (no shim survived): bring the container back on the next `lit up`?
bool restart_after_reboot(const RestartPolicy& p, bool stopped_by_user);

}  // namespace lit::runtime
