#include "runtime/lifecycle/health_state.hpp"

namespace lit::runtime {

int64_t next_probe_delay_ns(const HealthConfig& c, Health status, int64_t since_start_ns) {
  if (c.start_interval_ns > 0 && status == Health::Starting && since_start_ns < c.start_period_ns)
    return c.start_interval_ns;
  return c.interval_ns;
}

bool record_probe(HealthState& s, const HealthConfig& c, int64_t started_ns, ProbeResult r) {
  const Health before = s.status;
  if (r.exit_code == 0) {
    s.failing_streak = 0;
    s.status = Health::Healthy;
  } else {
    const bool in_start_period =
        s.status == Health::Starting && r.start_ns - started_ns < c.start_period_ns;
    if (!in_start_period && ++s.failing_streak >= c.retries) s.status = Health::Unhealthy;
  }
  if (r.output.size() > kMaxProbeOutput) r.output.resize(kMaxProbeOutput);
  s.log.push_back(std::move(r));
  if (s.log.size() > kMaxProbeLog) s.log.pop_front();
  return s.status != before;
}

}  // namespace lit::runtime
