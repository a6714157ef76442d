#include "reconciler/apply/replica_request.hpp"

#include <sys/resource.h>

#include <algorithm>
#include <set>

#include "reconciler/apply/copy_image.hpp"
#include "reconciler/labels.hpp"
#include "runtime/cdi/registry.hpp"
#include "runtime/lifecycle/control.hpp"
#include "runtime/spec/devices.hpp"
#include "runtime/spec/options.hpp"
#include "runtime/util/error.hpp"

namespace lit::reconciler {

namespace {

using runtime::ContainerRequest;
using runtime::VolumeMount;

Error unsupported(const Service& s, const std::string& key, const std::string& why) {
  return Error("service " + s.name + ": " + key + ": " + why);
}

void add_command(const Service& s, ContainerRequest& r) {
  // docker: an entrypoint given in the file drops the image's Cmd as well.
  if (s.entrypoint) r.entrypoint = *s.entrypoint;
  if (s.command) r.command = *s.command;
}

VolumeMount volume_of(const Project& p, const Service& s, const Mount& m) {
  VolumeMount v{VolumeMount::Kind::Bind, "", runtime::container_path(m.target), m.read_only};
  if (m.type == MountType::bind) {
    v.source = runtime::container_path(m.source);
  } else if (m.source.empty()) {
    v.kind = VolumeMount::Kind::Anonymous;
    v.read_only = false;  // as docker: an anonymous volume is writable
  } else {
    auto it = p.volumes.find(m.source);
    v.kind = VolumeMount::Kind::Named;
    v.source = it == p.volumes.end() ? m.source : it->second.name;
    if (!runtime::is_valid_name(v.source))
      throw unsupported(s, "volumes",
                        "\"" + v.source + "\" is not a volume name ([a-zA-Z0-9][a-zA-Z0-9_.-]+)");
  }
  return v;
}

runtime::Mount tmpfs_of(const Service& s, const Mount& m) {
  runtime::Mount t{
      runtime::container_path(m.target), "tmpfs", "tmpfs", {"nosuid", "nodev", "noexec"}};
  if (m.tmpfs_size) {
    if (*m.tmpfs_size <= 0) throw unsupported(s, "tmpfs", "size must be positive");
    t.options.push_back("size=" + std::to_string(*m.tmpfs_size));
  }
  if (m.tmpfs_mode) {
    if (*m.tmpfs_mode > 07777) throw unsupported(s, "tmpfs", "mode must be at most 7777 (octal)");
    char mode[16];
    std::snprintf(mode, sizeof mode, "%o", *m.tmpfs_mode);
    t.options.push_back(std::string("mode=") + mode);
  }
  return t;
}

void add_mounts(const Project& p, const Service& s, ContainerRequest& r) {
  for (const auto& m : s.volumes) {
    if (m.type == MountType::tmpfs)
      r.tmpfs.push_back(tmpfs_of(s, m));
    else if (m.type == MountType::image)
      r.image_mounts.push_back({m.source, m.image_subpath, runtime::container_path(m.target)});
    else
      r.volumes.push_back(volume_of(p, s, m));
  }
  for (const auto* refs : {&s.secrets, &s.configs}) {
    const bool secret = refs == &s.secrets;
    for (const auto& f : *refs) {
      if (!f.file.empty()) {
        r.volumes.push_back({VolumeMount::Kind::Bind, runtime::container_path(f.file),
                             runtime::container_path(f.target), true});
        continue;
      }
      if (!f.content)
        throw unsupported(
            s, secret ? "secrets" : "configs",
            f.source + " is external; lit mounts file, environment and content sources only");
      // From the environment or inline: the runtime writes it into the container's directory.
      r.content_files.push_back(
          {f.target, *f.content, f.mode.value_or(secret ? 0400 : 0444), f.uid.value, f.gid.value});
    }
  }
}

// Replica `number` of a host port range published on one container port
// takes the range's number-th port.
runtime::PublishedPort port_of(const Service& s, const PortMapping& p, int number) {
  if (!p.proto)
    throw unsupported(s, "ports", "protocol " + p.protocol + " is not supported (tcp or udp)");
  if (!p.runtime_host_ip)
    throw unsupported(s, "ports", "host address " + p.host_ip + " is not an IPv4 address");
  std::uint16_t published = p.published;
  if (p.published_last) {
    int port = p.published + std::max(number, 1) - 1;
    if (port > p.published_last)
      throw unsupported(s, "ports",
                        "replica " + std::to_string(number) + " has no port left in " +
                            p.to_publish_spec() + " (one host port per replica)");
    published = static_cast<std::uint16_t>(port);
  }
  return {*p.runtime_host_ip, published, p.target, *p.proto};
}

using NetworkList = std::vector<std::pair<std::string, const ServiceNetwork*>>;

// Each network's interface in the container: the name the file gives, else
// the first ethN no other network takes (in the networks' order).
std::vector<std::string> interface_names(const NetworkList& nets) {
  std::set<std::string> taken;
  for (const auto& [_, sn] : nets)
    if (!sn->interface_name.empty()) taken.insert(sn->interface_name);
  std::vector<std::string> names;
  unsigned next = 0;
  for (const auto& [_, sn] : nets) {
    if (!sn->interface_name.empty()) {
      names.push_back(sn->interface_name);
      continue;
    }
    while (taken.contains("eth" + std::to_string(next))) ++next;
    names.push_back("eth" + std::to_string(next++));
  }
  return names;
}

// The MAC asked on a network: its own mac_address, else on the primary
// network the service's (docker compose's rule). A second replica cannot have
// it too (docker would make it, and the bridge would send each one's packets
// to either): said before it is created, for replicas and --scale alike.
std::string mac_of(const Service& s, const ServiceNetwork& sn, const std::string& network,
                   bool primary, int number) {
  std::string mac = !sn.mac_address.empty() ? sn.mac_address : primary ? s.mac_address : "";
  if (!mac.empty() && number > 1)
    throw unsupported(s, "mac_address",
                      "replica " + std::to_string(number) + " cannot have replica 1's MAC " + mac +
                          " on network " + network +
                          " (each container needs its own): scale the service to 1 or remove "
                          "mac_address");
  return mac.empty() ? mac : runtime::parse_mac_address(mac);
}

// The first network (highest priority, then name) is joined at create; the
// others are connected before the container starts. The service's name is an
// alias on each, so replicas answer to it.
void add_networks(const Project& p, const Service& s, int number, ReplicaRequest& out) {
  runtime::NetworkRequest& n = out.request.network;
  if (!s.network_mode.text.empty()) {
    if (!s.mac_address.empty())  // docker: "conflicting options: mac-address and the network mode"
      throw unsupported(s, "mac_address",
                        "conflicts with network_mode " + s.network_mode.text +
                            " (the container has no interface of its own to set it on)");
    const NetworkModeSetting& m = s.network_mode.value;
    if (!m.service.empty()) {
      out.network_service = m.service;  // none until the applier knows the replica
      return;
    }
    n.mode = m.mode;  // host, none, container:NAME
    n.name = m.container;
    return;
  }
  NetworkList nets;
  for (const auto& [key, sn] : s.networks) nets.emplace_back(key, &sn);
  std::stable_sort(nets.begin(), nets.end(), [](const auto& a, const auto& b) {
    return a.second->priority > b.second->priority;
  });
  std::vector<std::string> interfaces = interface_names(nets);
  for (size_t i = 0; i < nets.size(); ++i) {
    auto it = p.networks.find(nets[i].first);
    if (it == p.networks.end()) throw unsupported(s, "networks", nets[i].first + " is not defined");
    std::vector<std::string> aliases = nets[i].second->aliases;
    aliases.push_back(s.name);
    aliases.insert(aliases.end(), nets[i].second->link_aliases.begin(),
                   nets[i].second->link_aliases.end());
    std::string mac = mac_of(s, *nets[i].second, nets[i].first, i == 0, number);
    if (i == 0)
      n = {runtime::NetworkMode::Bridge,
           it->second.name,
           nets[i].second->ipv4_address,
           aliases,
           mac,
           interfaces[i]};
    else
      out.extra_networks.push_back(
          {it->second.name, nets[i].second->ipv4_address, aliases, mac, interfaces[i]});
  }
}

// pid, ipc, uts and volumes_from: container:NAME as the runtime takes it;
// service:NAME and volumes_from SERVICE once the applier knows the replica.
void add_sharing(const Service& s, ReplicaRequest& out) {
  runtime::ContainerRequest& r = out.request;
  r.pid = s.pid.value.share;
  r.ipc = s.ipc.value.share;
  r.uts = s.uts.value.share;
  r.userns = s.userns_mode.value;
  out.pid_service = s.pid.value.service;
  out.ipc_service = s.ipc.value.service;
  for (const auto& v : s.volumes_from) {
    if (!v.container.empty())
      r.volumes_from.push_back({v.container, v.read_only});
    else
      out.volumes_from_services.push_back({v.service, v.read_only});
  }
}

// As --health-*: durations of at least 1ms, retries at least 1.
std::int64_t health_duration(const std::string& flag, const Duration& d) {
  if (d.nanoseconds < 1'000'000)
    throw Error("invalid " + flag + " \"" + d.text + "\"", {}, 0,
                "use a duration of at least 1ms, like 30s, 1m30s or 500ms");
  return d.nanoseconds;
}

void add_health(const Service& s, ContainerRequest& r) {
  if (!s.healthcheck) return;
  const Healthcheck& h = *s.healthcheck;
  if (h.disable) {
    r.health.disable = true;
    return;
  }
  // As docker passes it: CMD runs its arguments directly (no shell needed in
  // the image), CMD-SHELL runs its one string with /bin/sh -c.
  if (!h.test.empty() && h.test[0] == "CMD-SHELL" && h.test.size() == 2) {
    if (h.test[1].empty())
      throw Error("invalid --health-cmd: empty", {}, 0, "give a shell command");
    r.health.test = h.test;
  } else if (!h.test.empty() && h.test[0] == "CMD") {
    if (h.test.size() < 2 || h.test[1].empty())
      throw Error("invalid healthcheck test: CMD with no command", {}, 0,
                  "give the command after CMD, as [\"CMD\", \"curl\", \"-f\", \"URL\"]");
    r.health.test = h.test;
  }
  if (h.interval) r.health.interval_ns = health_duration("--health-interval", *h.interval);
  if (h.timeout) r.health.timeout_ns = health_duration("--health-timeout", *h.timeout);
  if (h.start_period)
    r.health.start_period_ns = health_duration("--health-start-period", *h.start_period);
  if (h.start_interval)
    r.health.start_interval_ns = health_duration("--health-start-interval", *h.start_interval);
  if (h.retries) {
    if (*h.retries < 1)
      throw Error("invalid --health-retries \"" + std::to_string(*h.retries) + "\"", {}, 0,
                  "use a whole number of at least 1");
    r.health.retries = static_cast<unsigned>(*h.retries);
  }
}

std::uint64_t rlimit_value(const Service& s, const std::string& name, std::int64_t v) {
  if (v == -1) return RLIM_INFINITY;
  if (v < 0) throw unsupported(s, "ulimits", name + ": limits are numbers (or -1 for unlimited)");
  return static_cast<std::uint64_t>(v);
}

void add_resources(const Service& s, ContainerRequest& r) {
  const Resources& res = s.resources;
  r.limits.memory_bytes = res.memory;
  if (res.cpus && *res.cpus != 0) r.limits.cpus = res.cpus;  // 0: no limit
  if (res.pids && *res.pids > 0) r.limits.pids = res.pids;   // 0 or -1: unlimited
  for (const auto& [name, u] : s.ulimits) {
    if (!u.resource) throw unsupported(s, "ulimits", "unknown limit " + name);
    r.rlimits.push_back(
        {*u.resource, rlimit_value(s, name, u.soft), rlimit_value(s, name, u.hard)});
  }
  r.shm_bytes = s.shm_size;
  // optimize: sampling, and raising only a limit lit.optimize.yml set.
  r.memory_tune.sample = s.optimize.auto_memory_tune;
  if (s.optimize.auto_memory_tune && s.memory_from_optimize)
    r.memory_tune.ceiling = s.optimize.memory_ceiling;
}

void add_lifecycle(const Service& s, ContainerRequest& r) {
  r.restart = s.restart.value;
  if (s.stop_signal) r.stop_signal = s.stop_signal->value;
  if (s.stop_grace_period)
    r.stop_timeout =
        static_cast<int>((s.stop_grace_period->nanoseconds + 999'999'999) / 1'000'000'000);
  if (s.logging) {
    const std::string& driver = s.logging->driver;
    if (!driver.empty() && driver != "json-file" && driver != "local")
      throw unsupported(s, "logging.driver", driver + " is not supported (lit logs json-file)");
    r.log = s.logging->log;
  }
}

void add_labels(const Project& project, const Service& s, int number, const std::string& hash,
                ContainerRequest& r) {
  r.labels = s.labels;
  r.labels[kProjectLabel] = project.name;
  r.labels[kServiceLabel] = s.name;
  r.labels[kNumberLabel] = std::to_string(number);
  r.labels[kHashLabel] = hash;
  std::string files;
  for (const auto& file : project.files) files += (files.empty() ? "" : ",") + file;
  r.labels[kConfigFilesLabel] = files;
  r.labels[kWorkingDirLabel] = project.working_dir;
  std::string volumes;
  for (const auto& [_, v] : project.volumes)
    if (!v.external) volumes += (volumes.empty() ? "" : ",") + v.name;
  r.labels[kVolumesLabel] = volumes;
}

void add_security_and_dns(const Service& s, ContainerRequest& r) {
  r.security.cap_add = s.cap_add;
  r.security.cap_drop = s.cap_drop;
  r.security.privileged = s.privileged;
  std::vector<runtime::SecurityOpt> opts;
  for (const auto& o : s.security_opt) opts.push_back(o.value);
  runtime::apply_security_opts(opts, r.security);
  r.security.read_only_rootfs = s.read_only;
  r.extra_hosts = s.extra_hosts;
  r.dns = s.dns;
  r.dns_search = s.dns_search;
  r.dns_options = s.dns_opt;
  r.sysctls = s.sysctls;
}

// The host nodes and CDI spec files are looked up here, on the machine that
// runs the containers.
void add_devices(const Service& s, ContainerRequest& r) {
  for (const auto& d : s.devices) {
    try {
      runtime::resolve_devices(d.value);
    } catch (const Error& e) {
      throw Error(unsupported(s, "devices", e.what())).with_hint(e.hint());
    }
    r.devices.push_back(d.value);
  }
  std::vector<runtime::cdi::DeviceName> cdi;
  for (const auto& d : s.cdi_devices) cdi.push_back(d.value);
  try {
    runtime::cdi::resolve(cdi);
  } catch (const Error& e) {
    throw Error(unsupported(s, "devices", e.what())).with_hint(e.hint());
  }
  r.cdi_devices = std::move(cdi);
  for (const auto& rule : s.device_cgroup_rules) r.device_cgroup_rules.push_back(rule.value);
}

}  // namespace

std::string service_image(const Project& project, const Service& s) {
  if (!s.copy.empty()) return copy_image_reference(project, s);
  if (!s.image.empty()) return s.image;
  std::string name = project.name + "-" + s.name;
  std::ranges::transform(name, name.begin(), [](unsigned char c) { return std::tolower(c); });
  return name;
}

ReplicaRequest replica_request(const Project& project, const Service& s, const std::string& name,
                               int number, const std::string& hash) {
  if (s.image.empty() && !s.build && s.copy.empty())
    throw unsupported(s, "image", "a service needs image: or build:");
  ReplicaRequest out;
  ContainerRequest& r = out.request;
  // filesystem.copy: the derived image apply makes (ensure_copy_image) first;
  // build: the image `lit build` / `lit up` made.
  r.image = service_image(project, s);
  r.name = name;
  r.detach = true;
  add_command(s, r);
  r.env = s.environment;
  add_mounts(project, s, r);
  for (const auto& p : s.ports) r.ports.push_back(port_of(s, p, number));
  add_networks(project, s, number, out);
  add_sharing(s, out);
  add_health(s, r);
  add_resources(s, r);
  add_lifecycle(s, r);
  if (s.user) r.user = s.user->value;
  r.workdir = s.working_dir;
  r.hostname = s.hostname;
  r.init = s.init.value_or(false);
  add_security_and_dns(s, r);
  add_devices(s, r);
  r.tty = s.tty;
  r.interactive = s.stdin_open;
  add_labels(project, s, number, hash, r);
  return out;
}

}  // namespace lit::reconciler
