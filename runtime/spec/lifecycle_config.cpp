#include "runtime/spec/lifecycle_config.hpp"

#include <charconv>

#include "runtime/lifecycle/control.hpp"
#include "runtime/shim/log_time.hpp"
#include "runtime/lifecycle/restart_policy.hpp"
#include "runtime/util/error.hpp"

namespace lit::runtime {
namespace {

int64_t duration_flag(const std::string& flag, const std::string& value, int64_t fallback) {
  if (value.empty()) return fallback;
  int64_t ns = 0;
  if (!shim::parse_go_duration(value, ns) || ns < 1'000'000)
    throw Error("invalid " + flag + " \"" + value + "\"", {}, 0,
                "use a duration of at least 1ms, like 30s, 1m30s or 500ms");
  return ns;
}

int int_flag(const std::string& flag, const std::string& value, int fallback, int min) {
  if (value.empty()) return fallback;
  int n = 0;
  auto [end, ec] = std::from_chars(value.data(), value.data() + value.size(), n);
  if (ec != std::errc() || end != value.data() + value.size() || n < min)
    throw Error("invalid " + flag + " \"" + value + "\"", {}, 0,
                "use a whole number of at least " + std::to_string(min));
  return n;
}

int64_t image_ns(const nlohmann::json& hc, const char* key, int64_t fallback) {
  auto it = hc.find(key);
  return it != hc.end() && it->is_number_integer() && it->get<int64_t>() > 0 ? it->get<int64_t>() : fallback;
}

// docker's rules: --health-cmd replaces the image's test; each timing flag
// overrides the image's value, which overrides the default.
std::optional<HealthCheck> build_healthcheck(const CreateFlags& f, const nlohmann::json& image) {
  // The first timing flag given, to name it in errors.
  const std::string timing = !f.health_interval.empty()       ? "--health-interval"
                             : !f.health_timeout.empty()      ? "--health-timeout"
                             : !f.health_start_period.empty() ? "--health-start-period"
                             : !f.health_retries.empty()      ? "--health-retries"
                                                              : "";
  const bool timing_flags = !timing.empty();
  if (f.no_healthcheck && (f.health_cmd || timing_flags))
    throw Error("--no-healthcheck conflicts with " + (f.health_cmd ? std::string("--health-cmd") : timing), {}, 0,
                "use one or the other");
  if (f.no_healthcheck) return std::nullopt;
  const bool has_image = image.is_object() && image.contains("Test") && image["Test"].is_array();
  HealthCheck hc;
  if (f.health_cmd) {
    if (f.health_cmd->empty()) throw Error("invalid --health-cmd: empty", {}, 0, "give a shell command");
    hc.test = {"CMD-SHELL", *f.health_cmd};
  } else if (has_image) {
    hc.test = image["Test"].get<std::vector<std::string>>();
  }
  if (hc.test.empty() || hc.test[0] == "NONE") {
    if (timing_flags)
      throw Error(timing + " needs a health check: the image has none", {}, 0, "add --health-cmd");
    return std::nullopt;
  }
  const nlohmann::json none = nlohmann::json::object();
  const nlohmann::json& img = has_image ? image : none;
  HealthConfig defaults;
  hc.config.interval_ns = duration_flag("--health-interval", f.health_interval,
                                        image_ns(img, "Interval", defaults.interval_ns));
  hc.config.timeout_ns = duration_flag("--health-timeout", f.health_timeout,
                                       image_ns(img, "Timeout", defaults.timeout_ns));
  hc.config.start_period_ns = f.health_start_period.empty()
                                  ? image_ns(img, "StartPeriod", 0)
                                  : duration_flag("--health-start-period", f.health_start_period, 0);
  int retries = img.contains("Retries") && img["Retries"].is_number_integer() && img["Retries"] > 0
                    ? img["Retries"].get<int>()
                    : static_cast<int>(defaults.retries);
  hc.config.retries = static_cast<unsigned>(int_flag("--health-retries", f.health_retries, retries, 1));
  return hc;
}

}  // namespace

LifecycleConfig build_lifecycle(const CreateFlags& f, const image::ImageConfig& image) {
  LifecycleConfig c;
  RestartPolicy policy = parse_restart_policy(f.restart);
  c.restart = to_string(policy);
  c.restart_on_unhealthy = f.restart_on_unhealthy;
  if (f.auto_remove && policy.mode != RestartMode::No)
    throw Error("conflicting options: --restart and --rm", {}, 0,
                "a container removed when it exits cannot be restarted; drop one of them");
  for (const auto& opt : f.log_opts) shim::apply_log_opt(c.log, opt);
  c.healthcheck = build_healthcheck(f, image.healthcheck);
  if (f.restart_on_unhealthy && !c.healthcheck)
    throw Error("--restart-on-unhealthy needs a health check", {}, 0,
                "add --health-cmd, or use an image with a HEALTHCHECK");
  if (!f.stop_signal.empty())
    c.stop_signal = parse_signal(f.stop_signal, "--stop-signal");
  else if (!image.stop_signal.empty())
    c.stop_signal = parse_signal(image.stop_signal, "the image's StopSignal");
  c.stop_timeout = int_flag("--stop-timeout", f.stop_timeout, 10, 0);
  return c;
}

}  // namespace lit::runtime
