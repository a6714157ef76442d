// The healthcheck as exec probes, and the limits as resources.
#include "reconciler/kube/parts.hpp"

namespace lit::reconciler::kube {

namespace {

// docker's defaults for what a healthcheck leaves out.
constexpr std::int64_t kDefaultInterval = 30'000'000'000;
constexpr std::int64_t kDefaultTimeout = 30'000'000'000;
constexpr int kDefaultRetries = 3;

Json exec_command(const std::vector<std::string>& test) {
  Json command = Json::array();
  if (test.front() == "CMD-SHELL") {
    command = Json::array({"/bin/sh", "-c"});
    for (std::size_t i = 1; i < test.size(); ++i) command.push_back(test[i]);
  } else {
    for (std::size_t i = test.front() == "CMD" ? 1 : 0; i < test.size(); ++i)
      command.push_back(test[i]);
  }
  return command;
}

}  // namespace

void add_probes(Context& ctx, const Service& s, Json& container) {
  if (!s.healthcheck || s.healthcheck->disable) return;
  const Healthcheck& h = *s.healthcheck;
  if (h.test.empty()) {
    ctx.report(s.name, "healthcheck", "the image's own HEALTHCHECK (no test given)",
               "no probe: Kubernetes does not run an image's HEALTHCHECK");
    return;
  }
  std::int64_t interval = h.interval ? h.interval->nanoseconds : kDefaultInterval;
  std::int64_t timeout = h.timeout ? h.timeout->nanoseconds : kDefaultTimeout;
  int retries = h.retries.value_or(kDefaultRetries);
  Json probe = {{"exec", {{"command", exec_command(h.test)}}},
                {"periodSeconds", seconds(interval)},
                {"timeoutSeconds", seconds(timeout)},
                {"failureThreshold", std::max(retries, 1)}};
  container["readinessProbe"] = probe;
  container["livenessProbe"] = probe;
  if (h.start_period && h.start_period->nanoseconds > 0) {
    // Failures in the start period do not count: a startup probe that allows
    // them, then the others take over.
    std::int64_t every = h.start_interval ? h.start_interval->nanoseconds : interval;
    Json startup = probe;
    startup["periodSeconds"] = seconds(every);
    startup["failureThreshold"] =
        seconds(h.start_period->nanoseconds) / seconds(every) + std::max(retries, 1);
    container["startupProbe"] = startup;
  }
}

Json resources(Context& ctx, const Service& s) {
  const Resources& r = s.resources;
  Json limits = Json::object(), requests = Json::object();
  if (r.cpus) limits["cpu"] = cpu_quantity(*r.cpus);
  if (r.memory) limits["memory"] = memory_quantity(*r.memory);
  if (r.memory_reservation) requests["memory"] = memory_quantity(*r.memory_reservation);
  // A share of 1024 is one CPU's weight: the request gives the same proportion.
  if (r.cpu_shares) requests["cpu"] = cpu_quantity(static_cast<double>(*r.cpu_shares) / 1024);
  if (r.memswap && (!r.memory || *r.memswap != *r.memory))
    ctx.report(s.name, "memswap_limit", "swap for the container",
               "no swap: the memory limit alone");
  if (r.pids)
    ctx.report(s.name, "pids_limit", "a per-container process limit",
               "the node's pod pid limit (the kubelet's podPidsLimit)");
  Json out = Json::object();
  if (!limits.empty()) out["limits"] = limits;
  if (!requests.empty()) out["requests"] = requests;
  return out;
}

}  // namespace lit::reconciler::kube
