// deploy.update_config: parallelism, delay, failure_action, monitor,
// max_failure_ratio, order (the compose spec's keys).
#include "reconciler/load/normalize.hpp"
#include "reconciler/load/units.hpp"
#include "reconciler/load/values.hpp"

namespace lit::reconciler::load {

namespace {

Duration duration(const Node& n, const std::string& path) {
  std::int64_t ns = as_duration_ns(n, path);
  if (ns < 0) fail(n, path, "must not be negative");
  return {format_duration(ns), ns};
}

UpdateOrder order_of(const Node& n, const std::string& path) {
  std::string v = as_string(n, path);
  if (v == "stop-first") return UpdateOrder::StopFirst;
  if (v == "start-first") return UpdateOrder::StartFirst;
  fail(n, path, "expected stop-first or start-first, got '" + v + "'");
}

UpdateFailureAction failure_action_of(const Node& n, const std::string& path) {
  std::string v = as_string(n, path);
  if (v == "pause") return UpdateFailureAction::Pause;
  if (v == "continue") return UpdateFailureAction::Continue;
  if (v == "rollback") return UpdateFailureAction::Rollback;
  fail(n, path, "expected pause, continue or rollback, got '" + v + "'");
}

}  // namespace

UpdateConfig normalize_update_config(const Node& n, const std::string& path) {
  UpdateConfig u;
  if (n.is_null()) return u;
  expect_map(n, path);
  for (const auto& e : n.entries) {
    std::string p = sub(path, e.key);
    if (e.key == "parallelism") {
      std::int64_t v = as_int(e.value, p);
      if (v < 0 || v > 1000000) fail(e.value, p, "expected 0 (all at once) or more replicas");
      u.parallelism = static_cast<int>(v);
    } else if (e.key == "delay") {
      u.delay = duration(e.value, p);
    } else if (e.key == "monitor") {
      u.monitor = duration(e.value, p);
    } else if (e.key == "failure_action") {
      u.failure_action = failure_action_of(e.value, p);
    } else if (e.key == "max_failure_ratio") {
      double v = as_number(e.value, p);
      if (!(v >= 0 && v <= 1)) fail(e.value, p, "expected a ratio from 0 to 1");
      u.max_failure_ratio = v;
    } else if (e.key == "order") {
      u.order = order_of(e.value, p);
    } else if (!e.key.starts_with("x-")) {
      fail(e.key_loc, p,
           "unknown key (expected parallelism, delay, failure_action, monitor, "
           "max_failure_ratio or order)");
    }
  }
  return u;
}

}  // namespace lit::reconciler::load
