#include "runtime/spec/lifecycle_config.hpp"

#include "runtime/util/error.hpp"

namespace lit::runtime {
namespace {

int64_t image_ns(const nlohmann::json& hc, const char* key, int64_t fallback) {
  auto it = hc.find(key);
  return it != hc.end() && it->is_number_integer() && it->get<int64_t>() > 0 ? it->get<int64_t>()
                                                                             : fallback;
}

// The first timing set, named as its flag, for errors.
std::string first_timing(const HealthOverride& o) {
  return o.interval_ns         ? "--health-interval"
         : o.timeout_ns        ? "--health-timeout"
         : o.start_period_ns   ? "--health-start-period"
         : o.start_interval_ns ? "--health-start-interval"
         : o.retries           ? "--health-retries"
                               : "";
}

// docker's rules: a test replaces the image's test; each timing overrides the
// image's value, which overrides the default.
std::optional<HealthCheck> build_healthcheck(const HealthOverride& o, const nlohmann::json& image) {
  if (o.disable) return std::nullopt;
  const bool has_image = image.is_object() && image.contains("Test") && image["Test"].is_array();
  HealthCheck hc;
  if (o.test) {
    hc.test = *o.test;
  } else if (has_image) {
    hc.test = image["Test"].get<std::vector<std::string>>();
  }
  if (hc.test.empty() || hc.test[0] == "NONE") {
    if (std::string timing = first_timing(o); !timing.empty())
      throw Error(timing + " needs a health check: the image has none", {}, 0, "add --health-cmd");
    return std::nullopt;
  }
  const nlohmann::json none = nlohmann::json::object();
  const nlohmann::json& img = has_image ? image : none;
  HealthConfig defaults;
  hc.config.interval_ns = o.interval_ns.value_or(image_ns(img, "Interval", defaults.interval_ns));
  hc.config.timeout_ns = o.timeout_ns.value_or(image_ns(img, "Timeout", defaults.timeout_ns));
  hc.config.start_period_ns = o.start_period_ns.value_or(image_ns(img, "StartPeriod", 0));
  hc.config.start_interval_ns = o.start_interval_ns.value_or(image_ns(img, "StartInterval", 0));
  unsigned retries =
      img.contains("Retries") && img["Retries"].is_number_integer() && img["Retries"] > 0
          ? img["Retries"].get<unsigned>()
          : defaults.retries;
  hc.config.retries = o.retries.value_or(retries);
  return hc;
}

}  // namespace

LifecycleConfig build_lifecycle(const ContainerRequest& r, const image::ImageConfig& image) {
  LifecycleConfig c;
  c.restart = r.restart;
  if (r.auto_remove && r.restart.mode != RestartMode::No)
    throw Error("conflicting options: --restart and --rm", {}, 0,
                "a container removed when it exits cannot be restarted; drop one of them");
  c.log = r.log;
  c.healthcheck = build_healthcheck(r.health, image.healthcheck);
  if (c.restart.restart_on_unhealthy && !c.healthcheck)
    throw Error("--restart-on-unhealthy needs a health check", {}, 0,
                "add --health-cmd, or use an image with a HEALTHCHECK");
  if (r.stop_signal)
    c.stop_signal = *r.stop_signal;
  else if (!image.stop_signal.empty())
    c.stop_signal = parse_signal(image.stop_signal, "the image's StopSignal");
  c.stop_timeout = r.stop_timeout;
  c.memory_tune = r.memory_tune;
  return c;
}

}  // namespace lit::runtime
