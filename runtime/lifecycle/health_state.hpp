#pragma once
// The health-check state machine (docker's rules): starting -> healthy on a
// success, -> unhealthy after `retries` failures in a row; failures inside the
// start period do not count while the container is still starting.
#include <cstdint>
#include <deque>
#include <string>

#include "runtime/state/status.hpp"

namespace lit::runtime {

struct HealthConfig {
  int64_t interval_ns = 30'000'000'000;
  int64_t timeout_ns = 30'000'000'000;
  int64_t start_period_ns = 0;
  int64_t start_interval_ns = 0;  // 0: interval_ns during the start period too
  unsigned retries = 3;
};

// The wait before the next probe, docker's rule: start_interval while the
// container is still starting and inside its start period, else interval.
int64_t next_probe_delay_ns(const HealthConfig& c, Health status, int64_t since_start_ns);

// One probe as `inspect` shows it; exit_code -1 for a probe that timed out.
struct ProbeResult {
  int64_t start_ns = 0, end_ns = 0;
  int exit_code = 0;
  std::string output;  // kept to 4 KiB, as docker
};

inline constexpr size_t kMaxProbeOutput = 4096;
inline constexpr size_t kMaxProbeLog = 5;

struct HealthState {
  Health status = Health::Starting;
  unsigned failing_streak = 0;
  std::deque<ProbeResult> log;  // the last 5 probes, oldest first
};

// Records one probe; returns true when the status changed (the shim then writes
// the record and, for unhealthy with --restart-on-unhealthy, kills the container).
bool record_probe(HealthState& s, const HealthConfig& c, int64_t container_started_ns,
                  ProbeResult r);

}  // namespace lit::runtime
