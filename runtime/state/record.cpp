#include "runtime/state/record.hpp"

#include <nlohmann/json.hpp>

#include "runtime/spec/devices.hpp"
#include "runtime/spec/namespaces.hpp"
#include "runtime/spec/published_port.hpp"
#include "runtime/util/error.hpp"

namespace lit::runtime {

using nlohmann::json;

// ---- JSON ------------------------------------------------------------------

namespace {
json image_mounts_to_json(const std::vector<ImageMount>& mounts) {
  json out = json::array();
  for (const auto& m : mounts) {
    json layers = json::array();
    for (const auto& l : m.layers) layers.push_back(l.string());
    out.push_back({{"destination", m.destination},
                   {"image", m.image},
                   {"image_id", m.image_id},
                   {"layers", layers},
                   {"subpath", m.subpath}});
  }
  return out;
}

std::vector<ImageMount> image_mounts_from_json(const json& j) {
  std::vector<ImageMount> out;
  for (const auto& m : j) {
    ImageMount im{m.at("destination"), m.at("image"), m.at("image_id"), {}, m.at("subpath")};
    for (const auto& l : m.at("layers")) im.layers.emplace_back(l.get<std::string>());
    out.push_back(std::move(im));
  }
  return out;
}

json devices_to_json(const std::vector<DeviceNode>& devices) {
  json out = json::array();
  for (const auto& d : devices)
    out.push_back({{"path", d.path},
                   {"host_path", d.host_path},
                   {"type", d.type == cgroups::DeviceType::Block ? "b" : "c"},
                   {"major", d.major},
                   {"minor", d.minor},
                   {"mode", d.mode},
                   {"uid", d.uid},
                   {"gid", d.gid},
                   {"access", cgroups::device_access_text(d.access)}});
  return out;
}

std::vector<DeviceNode> devices_from_json(const json& j) {
  std::vector<DeviceNode> out;
  for (const auto& d : j) {
    DeviceNode n{d.at("path"),
                 d.at("host_path"),
                 d.at("type") == "b" ? cgroups::DeviceType::Block : cgroups::DeviceType::Char,
                 d.at("major"),
                 d.at("minor"),
                 d.at("mode"),
                 d.at("uid"),
                 d.at("gid")};
    n.access = cgroups::parse_device_access(d.at("access").get<std::string>())
                   .value_or(cgroups::kDeviceAllAccess);
    out.push_back(std::move(n));
  }
  return out;
}

// Each rule as docker writes it ("c 1:3 rwm"), read back by parse_device_cgroup_rule.
json device_cgroup_rules_to_json(const std::vector<cgroups::DeviceRule>& rules) {
  json out = json::array();
  for (const auto& r : rules) out.push_back(cgroups::v1_device_rule(r));
  return out;
}

json rlimits_to_json(const std::vector<ContainerSpec::Rlimit>& rlimits) {
  json out = json::array();
  for (const auto& r : rlimits)
    out.push_back({{"resource", r.resource}, {"soft", r.soft}, {"hard", r.hard}});
  return out;
}
}  // namespace

namespace {

// A container's own user namespace: its range's first host uid and gid and
// its size (null: the host's user namespace).
json userns_to_json(const UserNamespace& ns) {
  if (!ns.enabled()) return nullptr;
  return {{"uid", ns.uid.host}, {"gid", ns.gid.host}, {"size", ns.uid.size}};
}

UserNamespace userns_from_json(const json& j) {
  std::uint32_t size = j.at("size");
  return {{0, j.at("uid").get<std::uint32_t>(), size}, {0, j.at("gid").get<std::uint32_t>(), size}};
}

}  // namespace

json to_json(const ContainerSpec& s) {
  json mounts = json::array();
  for (const auto& m : s.mounts)
    mounts.push_back({{"destination", m.destination},
                      {"type", m.type},
                      {"source", m.source},
                      {"options", m.options}});
  json layers = json::array();
  for (const auto& l : s.layers) layers.push_back(l.string());
  json limits = json::object();
  if (s.limits.memory_bytes) limits["memory_bytes"] = *s.limits.memory_bytes;
  if (s.limits.cpus) limits["cpus"] = *s.limits.cpus;
  if (s.limits.pids) limits["pids"] = *s.limits.pids;
  const auto& p = s.process;
  json j = {
      {"id", s.id},
      {"name", s.name},
      {"layers", layers},
      {"bundle", s.bundle.string()},
      {"hostname", s.hostname},
      {"process",
       {{"args", p.args},
        {"env", p.env},
        {"cwd", p.cwd},
        {"uid", p.uid},
        {"gid", p.gid},
        {"additional_gids", p.additional_gids},
        {"terminal", p.terminal},
        {"stdin_open", p.stdin_open},
        {"stdin_once", p.stdin_once}}},
      {"mounts", mounts},
      {"image_mounts", image_mounts_to_json(s.image_mounts)},
      {"limits", limits},
      {"network", s.network == NetworkMode::Container ? "container:" + s.network_container
                                                      : std::string(network_mode_name(s.network))},
      {"address", s.address},
      {"dns_servers", s.dns_servers},
      {"dns_search", s.dns_search},
      {"dns_options", s.dns_options},
      {"extra_hosts", s.extra_hosts},
      {"rlimits", rlimits_to_json(s.rlimits)},
      {"shm_size", s.shm_size},
      {"devices", devices_to_json(s.devices)},
      {"device_cgroup_rules", device_cgroup_rules_to_json(s.device_cgroup_rules)},
      {"security",
       {{"privileged", s.security.privileged},
        {"cap_add", s.security.cap_add},
        {"cap_drop", s.security.cap_drop},
        {"no_new_privileges", s.security.no_new_privileges},
        {"seccomp", s.security.seccomp},
        {"apparmor", s.security.apparmor},
        {"read_only_rootfs", s.security.read_only_rootfs}}},
      {"sysctls", s.sysctls},
      {"volatile_rootfs", s.volatile_rootfs},
      {"init", s.init},
      {"pid", namespace_share_text(s.pid)},
      {"ipc", namespace_share_text(s.ipc)},
      {"uts", namespace_share_text(s.uts)},
      {"userns", userns_to_json(s.userns)}};
  if (s.security.seccomp_profile)
    j["security"]["seccomp_profile"] = runtime::to_json(*s.security.seccomp_profile);
  // Absent: cgroupfs (as in records of an older lit).
  if (s.cgroup_manager != cgroups::ManagerKind::Cgroupfs)
    j["cgroup_manager"] = cgroups::manager_kind_name(s.cgroup_manager);
  return j;
}

ContainerSpec spec_from_json(const json& j) {
  ContainerSpec s;
  s.id = j.at("id");
  s.name = j.at("name");
  for (const auto& l : j.at("layers")) s.layers.emplace_back(l.get<std::string>());
  s.bundle = j.at("bundle").get<std::string>();
  s.hostname = j.at("hostname");
  const auto& p = j.at("process");
  s.process.args = p.at("args");
  s.process.env = p.at("env");
  s.process.cwd = p.at("cwd");
  s.process.uid = p.at("uid");
  s.process.gid = p.at("gid");
  s.process.additional_gids = p.at("additional_gids").get<std::vector<gid_t>>();
  s.process.terminal = p.at("terminal");
  s.process.stdin_open = p.at("stdin_open");
  s.process.stdin_once = p.value("stdin_once", false);
  for (const auto& m : j.at("mounts"))
    s.mounts.push_back({m.at("destination"), m.at("type"), m.at("source"), m.at("options")});
  if (auto im = j.find("image_mounts"); im != j.end())  // absent in older records
    s.image_mounts = image_mounts_from_json(*im);
  const auto& lim = j.at("limits");
  if (lim.contains("memory_bytes")) s.limits.memory_bytes = lim["memory_bytes"].get<std::int64_t>();
  if (lim.contains("cpus")) s.limits.cpus = lim["cpus"].get<double>();
  if (lim.contains("pids")) s.limits.pids = lim["pids"].get<std::int64_t>();
  if (auto m = j.find("cgroup_manager"); m != j.end()) {
    auto kind = cgroups::parse_manager_kind(m->get<std::string>());
    if (!kind) throw Error("read container record: unknown cgroup manager " + m->dump());
    s.cgroup_manager = *kind;
  }
  std::string network = j.at("network").get<std::string>();
  s.network = network_mode_from_name(network.starts_with("container:") ? "container" : network);
  if (s.network == NetworkMode::Container) s.network_container = network.substr(10);
  s.address = j.value("address", "");
  s.dns_servers = j.value("dns_servers", std::vector<std::string>{});
  s.dns_search = j.value("dns_search", std::vector<std::string>{});
  s.dns_options = j.value("dns_options", std::vector<std::string>{});
  s.extra_hosts = j.value("extra_hosts", std::vector<std::pair<std::string, std::string>>{});
  if (auto r = j.find("rlimits"); r != j.end())
    for (const auto& l : *r) s.rlimits.push_back({l.at("resource"), l.at("soft"), l.at("hard")});
  s.shm_size = j.value("shm_size", std::int64_t{64} << 20);
  if (auto d = j.find("devices"); d != j.end()) s.devices = devices_from_json(*d);  // older: none
  if (auto d = j.find("device_cgroup_rules"); d != j.end())                         // older: none
    for (const auto& rule : *d)
      s.device_cgroup_rules.push_back(parse_device_cgroup_rule(rule.get<std::string>()));
  const auto& sec = j.at("security");
  s.security.privileged = sec.at("privileged");
  s.security.cap_add = sec.at("cap_add");
  s.security.cap_drop = sec.at("cap_drop");
  // Absent in a record no lit wrote; off, as lit had it before it became the default.
  s.security.no_new_privileges = sec.value("no_new_privileges", false);
  s.security.seccomp = sec.at("seccomp");
  s.security.read_only_rootfs = sec.at("read_only_rootfs");
  s.security.apparmor = sec.value("apparmor", "");  // absent in older records: the default
  // seccomp=FILE: the profile itself, so a restart needs no file.
  if (auto prof = sec.find("seccomp_profile"); prof != sec.end())
    s.security.seccomp_profile = seccomp_profile_from_json(*prof, "of container " + s.name);
  s.sysctls = j.at("sysctls");
  s.volatile_rootfs = j.value("volatile_rootfs", false);  // absent in older records
  s.init = j.value("init", false);
  // Absent in older records: private namespaces.
  s.pid = parse_namespace_share(NamespaceKind::Pid, j.value("pid", ""));
  s.ipc = parse_namespace_share(NamespaceKind::Ipc, j.value("ipc", ""));
  s.uts = parse_namespace_share(NamespaceKind::Uts, j.value("uts", ""));
  if (auto u = j.find("userns"); u != j.end() && !u->is_null()) s.userns = userns_from_json(*u);
  return s;
}

namespace {

json health_to_json(const HealthState& h) {
  json log = json::array();
  for (const auto& p : h.log)
    log.push_back({{"start_ns", p.start_ns},
                   {"end_ns", p.end_ns},
                   {"exit_code", p.exit_code},
                   {"output", p.output}});
  // A checked container's health is never None; were it, it is still starting.
  const Health status = h.status == Health::None ? Health::Starting : h.status;
  return {{"status", std::string(to_string(status))},
          {"failing_streak", h.failing_streak},
          {"log", log}};
}

HealthState health_from_json(const json& j) {
  HealthState h;
  // Any other word (lit never wrote one) reads as starting, which the next probe settles.
  const auto status = parse_health(j.at("status").get<std::string>());
  h.status = status && *status != Health::None ? *status : Health::Starting;
  h.failing_streak = j.at("failing_streak");
  for (const auto& p : j.at("log"))
    h.log.push_back({p.at("start_ns"), p.at("end_ns"), p.at("exit_code"), p.at("output")});
  return h;
}

json lifecycle_to_json(const LifecycleConfig& c) {
  json j = {
      {"restart", to_string(c.restart)}, {"restart_on_unhealthy", c.restart.restart_on_unhealthy},
      {"log_max_size", c.log.max_size},  {"log_max_file", c.log.max_file},
      {"stop_signal", c.stop_signal},    {"stop_timeout", c.stop_timeout}};
  if (c.healthcheck) {
    const auto& h = *c.healthcheck;
    j["healthcheck"] = {{"test", h.test},
                        {"interval_ns", h.config.interval_ns},
                        {"timeout_ns", h.config.timeout_ns},
                        {"start_period_ns", h.config.start_period_ns},
                        {"start_interval_ns", h.config.start_interval_ns},
                        {"retries", h.config.retries}};
  }
  if (c.memory_tune.sample) {  // only when on: records of other containers stay as they were
    j["memory_tune"] = {{"sample", true}};
    if (c.memory_tune.ceiling) j["memory_tune"]["ceiling"] = *c.memory_tune.ceiling;
  }
  return j;
}

LifecycleConfig lifecycle_from_json(const json& j) {
  LifecycleConfig c;
  c.restart = parse_restart_policy(j.at("restart").get<std::string>());
  c.restart.restart_on_unhealthy = j.at("restart_on_unhealthy");
  c.log.max_size = j.at("log_max_size");
  c.log.max_file = j.at("log_max_file");
  c.stop_signal = j.at("stop_signal");
  c.stop_timeout = j.at("stop_timeout");
  if (auto h = j.find("healthcheck"); h != j.end()) {
    HealthCheck hc;
    hc.test = h->at("test");
    hc.config.interval_ns = h->at("interval_ns");
    hc.config.timeout_ns = h->at("timeout_ns");
    hc.config.start_period_ns = h->at("start_period_ns");
    hc.config.start_interval_ns = h->value("start_interval_ns", int64_t{0});  // older records
    hc.config.retries = h->at("retries");
    c.healthcheck = hc;
  }
  if (auto m = j.find("memory_tune"); m != j.end()) {
    c.memory_tune.sample = m->value("sample", false);
    if (auto ceiling = m->find("ceiling"); ceiling != m->end())
      c.memory_tune.ceiling = ceiling->get<std::int64_t>();
  }
  return c;
}

}  // namespace

namespace {

json ports_to_json(const std::vector<PublishedPort>& ports) {
  json out = json::array();
  for (const auto& p : ports)
    out.push_back({{"host_ip", p.host_ip},
                   {"host_port", p.host_port},
                   {"container_port", p.container_port},
                   {"proto", proto_name(p.proto)}});
  return out;
}

Proto proto_from_json(const json& j) {
  auto p = proto_from_name(j.get<std::string>());
  if (!p) throw Error("bad protocol in container record: " + j.get<std::string>());
  return *p;
}

// A lit before 2026-12 kept "publish" as the -p strings given: read either.
std::vector<PublishedPort> ports_from_json(const json& j) {
  std::vector<PublishedPort> out;
  for (const auto& p : j) {
    if (p.is_string()) {
      for (auto& port : parse_port_spec(p.get<std::string>())) out.push_back(std::move(port));
      continue;
    }
    out.push_back({p.at("host_ip"), p.at("host_port"), p.at("container_port"),
                   proto_from_json(p.at("proto"))});
  }
  return out;
}

json networks_to_json(const std::vector<NetworkAttachment>& networks) {
  json out = json::array();
  for (const auto& n : networks) {
    json a = {{"network", n.network},       {"network_id", n.network_id}, {"ip", n.ip},
              {"static_ip", n.static_ip},   {"aliases", n.aliases},       {"gateway", n.gateway},
              {"prefix_len", n.prefix_len}, {"interface", n.interface}};
    if (!n.mac.empty()) a["mac"] = n.mac;
    if (n.slot) a["slot"] = *n.slot;
    out.push_back(std::move(a));
  }
  return out;
}

// "mac" and "slot" are absent in older records: derived MAC, slot from ethN.
std::vector<NetworkAttachment> networks_from_json(const json& j) {
  std::vector<NetworkAttachment> out;
  for (const auto& n : j) {
    out.push_back({n.at("network"), n.value("network_id", ""), n.value("ip", ""),
                   n.value("static_ip", false), n.value("aliases", std::vector<std::string>{}),
                   n.value("gateway", ""), n.value("prefix_len", 0u), n.value("interface", ""),
                   n.value("mac", ""), std::nullopt});
    if (n.contains("slot")) out.back().slot = n.at("slot").get<unsigned>();
  }
  return out;
}

}  // namespace

std::string_view network_mode_name(NetworkMode mode) {
  switch (mode) {
    case NetworkMode::Host:
      return "host";
    case NetworkMode::Bridge:
      return "bridge";
    case NetworkMode::Container:
      return "container";
    case NetworkMode::None:
      break;
  }
  return "none";
}

NetworkMode network_mode_from_name(std::string_view name) {
  if (name == "host") return NetworkMode::Host;
  if (name == "bridge") return NetworkMode::Bridge;
  if (name == "container") return NetworkMode::Container;
  return NetworkMode::None;
}

namespace {

json record_json(const ContainerRecord& r) {
  const auto& st = r.state;
  return {{"id", r.id},
          {"name", r.name},
          {"image", r.image},
          {"image_id", r.image_id},
          {"created", r.created},
          {"args", r.args},
          {"labels", r.labels},
          {"auto_remove", r.auto_remove},
          {"anonymous_volumes", r.anonymous_volumes},
          {"state",
           {{"status", std::string(to_string(st.status))},
            {"pid", st.pid},
            {"pid_start_time", st.pid_start_time},
            {"exit_code", st.exit_code},
            {"oom_killed", st.oom_killed},
            {"started_at", st.started_at},
            {"finished_at", st.finished_at},
            {"error", st.error},
            {"shim_pid", st.shim_pid},
            {"shim_start_time", st.shim_start_time},
            {"boot_id", st.boot_id},
            {"restart_count", st.restart_count},
            {"manually_stopped", st.manually_stopped},
            {"health", st.health ? health_to_json(*st.health) : json(nullptr)},
            {"ports", ports_to_json(st.ports)}}},
          {"lifecycle", lifecycle_to_json(r.lifecycle)},
          {"networks", networks_to_json(r.networks)},
          {"publish", ports_to_json(r.publish)},
          {"spec", to_json(r.spec)}};
}

}  // namespace

json to_json(const ContainerRecord& r) {
  json j = record_json(r);
  if (r.state.paused) j["state"]["paused"] = true;  // absent when not, as records had it
  if (!r.state.memory_raises.empty()) {             // absent when none, as paused
    json raises = json::array();
    for (const auto& m : r.state.memory_raises)
      raises.push_back({{"at", m.at}, {"from", m.from}, {"to", m.to}, {"reason", m.reason}});
    j["state"]["memory_raises"] = raises;
  }
  return j;
}

ContainerRecord record_from_json(const json& j) {
  ContainerRecord r;
  r.id = j.at("id");
  r.name = j.at("name");
  r.image = j.at("image");
  r.image_id = j.at("image_id");
  r.created = j.at("created");
  r.args = j.at("args");
  r.labels = j.at("labels");
  r.auto_remove = j.at("auto_remove");
  r.anonymous_volumes = j.at("anonymous_volumes");
  const auto& st = j.at("state");
  // A word this lit does not know (a newer lit's) reads as Exited: nothing is
  // signalled, waited for or joined on the strength of it, and `start` may still run it.
  r.state.status =
      parse_container_status(st.at("status").get<std::string>()).value_or(ContainerStatus::Exited);
  r.state.pid = st.at("pid");
  r.state.pid_start_time = st.at("pid_start_time");
  r.state.exit_code = st.at("exit_code");
  r.state.oom_killed = st.at("oom_killed");
  r.state.started_at = st.at("started_at");
  r.state.finished_at = st.at("finished_at");
  r.state.error = st.at("error");
  r.state.shim_pid = st.value("shim_pid", 0);
  r.state.shim_start_time = st.value("shim_start_time", std::uint64_t{0});
  r.state.boot_id = st.value("boot_id", "");
  r.state.restart_count = st.value("restart_count", 0u);
  r.state.manually_stopped = st.value("manually_stopped", false);
  r.state.paused = st.value("paused", false);
  if (auto h = st.find("health"); h != st.end() && h->is_object())
    r.state.health = health_from_json(*h);
  if (auto p = st.find("ports"); p != st.end()) r.state.ports = ports_from_json(*p);
  if (auto m = st.find("memory_raises"); m != st.end())
    for (const auto& e : *m)
      r.state.memory_raises.push_back({e.at("at"), e.at("from"), e.at("to"), e.at("reason")});
  if (auto l = j.find("lifecycle"); l != j.end()) r.lifecycle = lifecycle_from_json(*l);
  if (auto n = j.find("networks"); n != j.end()) r.networks = networks_from_json(*n);
  if (auto p = j.find("publish"); p != j.end()) r.publish = ports_from_json(*p);
  r.spec = spec_from_json(j.at("spec"));
  return r;
}

}  // namespace lit::runtime
