#include "app/run_flags.hpp"

#include <unistd.h>

#include <charconv>

#include "runtime/cdi/registry.hpp"
#include "runtime/lifecycle/control.hpp"
#include "runtime/shim/log_time.hpp"
#include "runtime/spec/devices.hpp"
#include "runtime/spec/namespaces.hpp"
#include "runtime/spec/sysctl.hpp"
#include "runtime/util/error.hpp"

namespace lit::app {

using runtime::ContainerRequest;

namespace {

int64_t duration_flag(const std::string& flag, const std::string& value) {
  int64_t ns = 0;
  if (!shim::parse_go_duration(value, ns) || ns < 1'000'000)
    throw Error("invalid " + flag + " \"" + value + "\"", {}, 0,
                "use a duration of at least 1ms, like 30s, 1m30s or 500ms");
  return ns;
}

std::optional<int64_t> optional_duration(const std::string& flag, const std::string& value) {
  if (value.empty()) return std::nullopt;
  return duration_flag(flag, value);
}

int int_flag(const std::string& flag, const std::string& value, int min) {
  int n = 0;
  auto [end, ec] = std::from_chars(value.data(), value.data() + value.size(), n);
  if (ec != std::errc() || end != value.data() + value.size() || n < min)
    throw Error("invalid " + flag + " \"" + value + "\"", {}, 0,
                "use a whole number of at least " + std::to_string(min));
  return n;
}

runtime::NetworkRequest network_of(const CreateFlags& f) {
  runtime::NetworkRequest n;
  n.mode = runtime::parse_network(f.network);
  if (n.mode == runtime::NetworkMode::Bridge) n.name = f.network;
  if (n.mode == runtime::NetworkMode::Container) n.name = f.network.substr(10);
  n.ip = f.ip;
  n.aliases = f.network_aliases;
  if (!f.mac_address.empty()) n.mac = runtime::parse_mac_address(f.mac_address);
  return n;
}

void add_limits(const CreateFlags& f, ContainerRequest& r) {
  if (!f.memory.empty()) r.limits.memory_bytes = runtime::parse_memory(f.memory);
  if (!f.cpus.empty()) {
    long n = ::sysconf(_SC_NPROCESSORS_ONLN);
    r.limits.cpus = runtime::parse_cpus(f.cpus, n > 0 ? static_cast<unsigned>(n) : 1);
  }
  if (!f.pids_limit.empty()) r.limits.pids = runtime::parse_pids_limit(f.pids_limit);
}

void add_security(const CreateFlags& f, runtime::SecuritySpec& s) {
  s.privileged = f.privileged;
  s.cap_add = f.cap_add;
  s.cap_drop = f.cap_drop;
  s.read_only_rootfs = f.read_only;
  std::vector<runtime::SecurityOpt> opts;
  for (const auto& o : f.security_opts) opts.push_back(runtime::parse_security_opt(o));
  runtime::apply_security_opts(opts, s);
}

// Each --device, its host nodes (or a CDI device's spec files) looked up now
// so a typo names the flag; each --device-cgroup-rule.
void add_devices(const CreateFlags& f, ContainerRequest& r) {
  for (const auto& value : f.devices) {
    if (runtime::cdi::is_device_name(value)) {
      runtime::cdi::DeviceName name = runtime::cdi::parse_device_name(value);
      try {
        runtime::cdi::resolve({name});
      } catch (Error& e) {
        throw e.context("invalid value \"" + value + "\" for flag --device");
      }
      r.cdi_devices.push_back(std::move(name));
      continue;
    }
    runtime::DeviceRequest d = runtime::parse_device(value);
    try {
      runtime::resolve_devices(d);
    } catch (Error& e) {
      throw e.context("invalid value \"" + value + "\" for flag --device");
    }
    r.devices.push_back(std::move(d));
  }
  for (const auto& value : f.device_cgroup_rules)
    r.device_cgroup_rules.push_back(runtime::parse_device_cgroup_rule(value));
}

// --add-host, --dns*, --sysctl, --ulimit, --shm-size, --device*.
void add_extras(const CreateFlags& f, ContainerRequest& r) {
  add_devices(f, r);
  for (const auto& h : f.add_hosts) r.extra_hosts.push_back(runtime::parse_add_host(h));
  for (const auto& d : f.dns) r.dns.push_back(runtime::parse_dns(d));
  r.dns_search = f.dns_search;
  r.dns_options = f.dns_options;
  for (const auto& s : f.sysctls) {
    auto [key, value] = runtime::parse_sysctl(s);
    r.sysctls.insert_or_assign(key, value);
  }
  for (const auto& u : f.ulimits) r.rlimits.push_back(runtime::parse_ulimit(u));
  if (!f.shm_size.empty()) {
    auto bytes = runtime::parse_size(f.shm_size);
    if (!bytes || *bytes <= 0)
      throw Error("invalid value \"" + f.shm_size +
                  "\" for flag --shm-size: use a size such as 64m");
    r.shm_bytes = *bytes;
  }
  runtime::validate_sysctls(r.sysctls, r.network.mode);
}

// Env files in order, then -e in order: a later value replaces an earlier one in place.
void add_env(const CreateFlags& f, const runtime::EnvLookup& lookup, ContainerRequest& r) {
  for (const auto& e : f.env)  // syntax first, before any file is read
    runtime::parse_env_arg(e, [](const std::string&) { return std::nullopt; });
  for (const auto& file : f.env_files)
    for (const auto& e : runtime::read_env_file(file, lookup)) runtime::set_env(r.env, e);
  for (const auto& e : f.env)
    if (auto v = runtime::parse_env_arg(e, lookup)) runtime::set_env(r.env, *v);
}

runtime::HealthOverride health_of(const CreateFlags& f) {
  const std::string timing = !f.health_interval.empty()         ? "--health-interval"
                             : !f.health_timeout.empty()        ? "--health-timeout"
                             : !f.health_start_period.empty()   ? "--health-start-period"
                             : !f.health_start_interval.empty() ? "--health-start-interval"
                             : !f.health_retries.empty()        ? "--health-retries"
                                                                : "";
  if (f.no_healthcheck && (f.health_cmd || !timing.empty()))
    throw Error(
        "--no-healthcheck conflicts with " + (f.health_cmd ? std::string("--health-cmd") : timing),
        {}, 0, "use one or the other");
  runtime::HealthOverride h;
  h.disable = f.no_healthcheck;
  if (f.health_cmd) {
    if (f.health_cmd->empty())
      throw Error("invalid --health-cmd: empty", {}, 0, "give a shell command");
    h.test = std::vector<std::string>{"CMD-SHELL", *f.health_cmd};
  }
  h.interval_ns = optional_duration("--health-interval", f.health_interval);
  h.timeout_ns = optional_duration("--health-timeout", f.health_timeout);
  h.start_period_ns = optional_duration("--health-start-period", f.health_start_period);
  h.start_interval_ns = optional_duration("--health-start-interval", f.health_start_interval);
  if (!f.health_retries.empty())
    h.retries = static_cast<unsigned>(int_flag("--health-retries", f.health_retries, 1));
  return h;
}

// --pid, --ipc, --uts, --volumes-from.
void add_sharing(const CreateFlags& f, ContainerRequest& r) {
  r.pid = runtime::parse_namespace_share(runtime::NamespaceKind::Pid, f.pid);
  r.ipc = runtime::parse_namespace_share(runtime::NamespaceKind::Ipc, f.ipc);
  r.uts = runtime::parse_namespace_share(runtime::NamespaceKind::Uts, f.uts);
  r.userns = runtime::parse_userns(f.userns, "--userns");
  for (const auto& v : f.volumes_from) {
    runtime::VolumesFrom from{v, std::nullopt};
    if (std::size_t colon = v.find(':'); colon != std::string::npos) {
      std::string mode = v.substr(colon + 1);
      if (mode != "ro" && mode != "rw")
        throw Error("invalid value \"" + v + "\" for flag --volumes-from: mode " + mode +
                    " is not ro or rw");
      from = {v.substr(0, colon), mode == "ro"};
    }
    if (from.container.empty())
      throw Error("invalid value \"" + v + "\" for flag --volumes-from: use CONTAINER[:ro|rw]");
    r.volumes_from.push_back(std::move(from));
  }
}

// --restart, --log-opt, --health-*, --stop-signal, --stop-timeout.
void add_lifecycle(const CreateFlags& f, ContainerRequest& r) {
  r.restart = runtime::parse_restart_policy(f.restart);
  r.restart.restart_on_unhealthy = f.restart_on_unhealthy;
  for (const auto& opt : f.log_opts) shim::apply_log_opt(r.log, opt);
  r.health = health_of(f);
  if (!f.stop_signal.empty()) r.stop_signal = runtime::parse_signal(f.stop_signal, "--stop-signal");
  if (!f.stop_timeout.empty()) r.stop_timeout = int_flag("--stop-timeout", f.stop_timeout, 0);
}

}  // namespace

ContainerRequest request_from_flags(const CreateFlags& f, const runtime::EnvLookup& lookup) {
  ContainerRequest r;
  // In docker's order of checks: names and the network first.
  r.name = f.name;
  runtime::check_name(r.name);
  r.hostname = f.hostname;
  if (!r.hostname.empty()) runtime::check_hostname(r.hostname);
  r.network = network_of(f);
  runtime::check_network_use(r.network, !f.publish.empty(), !f.dns.empty(), !f.add_hosts.empty());
  add_limits(f, r);
  add_security(f, r.security);
  for (const auto& l : f.labels) {
    auto [key, value] = runtime::parse_label(l);
    r.labels.insert_or_assign(key, value);
  }
  add_extras(f, r);
  for (const auto& v : f.volumes) r.volumes.push_back(runtime::parse_volume(v));
  for (const auto& t : f.tmpfs) r.tmpfs.push_back(runtime::parse_tmpfs(t));
  add_sharing(f, r);
  add_env(f, lookup, r);
  if (!f.user.empty()) r.user = runtime::parse_user(f.user);
  r.workdir = f.workdir;
  add_lifecycle(f, r);
  for (const auto& p : f.publish)
    for (auto& port : runtime::parse_port_spec(p)) r.ports.push_back(std::move(port));
  r.image = f.image;
  if (f.entrypoint)
    r.entrypoint = f.entrypoint->empty() ? std::vector<std::string>{}
                                         : std::vector<std::string>{*f.entrypoint};
  r.command = f.command;
  r.tty = f.tty;
  r.interactive = f.interactive;
  r.auto_remove = f.auto_remove;
  r.detach = f.detach;
  r.foreground_run = f.foreground_run;
  r.init = f.init;
  runtime::check_request(r);
  return r;
}

}  // namespace lit::app
