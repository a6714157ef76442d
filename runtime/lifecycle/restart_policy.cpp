#include "runtime/lifecycle/restart_policy.hpp"

#include <charconv>

#include "runtime/util/error.hpp"

namespace lit::runtime {

RestartPolicy parse_restart_policy(std::string_view v) {
  RestartPolicy p;
  if (v == "no" || v.empty()) return p;
  if (v == "always") {
    p.mode = RestartMode::Always;
  } else if (v == "unless-stopped") {
    p.mode = RestartMode::UnlessStopped;
  } else if (v == "on-failure") {
    p.mode = RestartMode::OnFailure;
  } else if (v.starts_with("on-failure:")) {
    const std::string_view n = v.substr(11);
    unsigned count = 0;
    auto [end, ec] = std::from_chars(n.data(), n.data() + n.size(), count);
    if (n.empty() || ec != std::errc() || end != n.data() + n.size())
      throw Error("invalid --restart " + std::string(v), {}, 0,
                  "the retry count of on-failure must be a whole number, e.g. on-failure:3");
    p.mode = RestartMode::OnFailure;
    p.max_retries = count;
  } else if (v.starts_with("always:") || v.starts_with("unless-stopped:") || v.starts_with("no:")) {
    throw Error("invalid --restart " + std::string(v), {}, 0,
                "only on-failure takes a retry count");
  } else {
    throw Error("invalid --restart " + std::string(v), {}, 0,
                "use no, always, on-failure[:N] or unless-stopped");
  }
  return p;
}

std::string to_string(const RestartPolicy& p) {
  switch (p.mode) {
    case RestartMode::No:
      return "no";
    case RestartMode::Always:
      return "always";
    case RestartMode::UnlessStopped:
      return "unless-stopped";
    case RestartMode::OnFailure:
      return p.max_retries ? "on-failure:" + std::to_string(p.max_retries) : "on-failure";
  }
  return "no";
}

namespace {

int64_t next_delay(const ExitFacts& f) {
  if (f.ran_ms >= kBackoffResetAfterMs || f.last_delay_ms <= 0) return kFirstBackoffMs;
  return f.last_delay_ms >= kMaxBackoffMs / 2 ? kMaxBackoffMs : f.last_delay_ms * 2;
}

bool retries_left(const RestartPolicy& p, unsigned count) {
  return p.mode != RestartMode::OnFailure || p.max_retries == 0 || count < p.max_retries;
}

}  // namespace

RestartDecision decide_restart(const RestartPolicy& p, const ExitFacts& f) {
  RestartDecision d{false, 0, f.restart_count};
  if (f.stopped_by_user) return d;
  bool restart = false;
  if (f.killed_unhealthy) {
    // An unhealthy kill is a failure whatever the exit code the signal produced.
    restart = p.restart_on_unhealthy && retries_left(p, f.restart_count);
  } else {
    switch (p.mode) {
      case RestartMode::No:
        break;
      case RestartMode::Always:
      case RestartMode::UnlessStopped:
        restart = true;
        break;
      case RestartMode::OnFailure:
        restart = f.exit_code != 0 && retries_left(p, f.restart_count);
        break;
    }
  }
  if (!restart) return d;
  return {true, next_delay(f), f.restart_count + 1};
}

bool restart_after_reboot(const RestartPolicy& p, bool stopped_by_user) {
  if (p.mode == RestartMode::Always) return true;
  return p.mode == RestartMode::UnlessStopped && !stopped_by_user;
}

}  // namespace lit::runtime
