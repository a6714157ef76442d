// One service as `docker compose config` prints it: keys in compose-go's
// ServiceConfig order, every short form in its long form, compose's types.
#include <algorithm>

#include "reconciler/compose_out.hpp"
#include "reconciler/compose_out_parts.hpp"

namespace lit::reconciler {

namespace {

using ojson = nlohmann::ordered_json;
using namespace compose_out;

ojson build_of(const Build& b, const ComposeOutOptions& o, const Project& p) {
  ojson j = ojson::object();
  put_str(j, "context", host_path(b.context, p, o));
  // The loader fills compose's default; --no-normalize leaves it out.
  std::string dockerfile = b.dockerfile;
  if (dockerfile.empty() && b.dockerfile_inline.empty() && o.normalize) dockerfile = "Dockerfile";
  if (!o.normalize && dockerfile == "Dockerfile") dockerfile.clear();
  put_str(j, "dockerfile", dockerfile);
  put_str(j, "dockerfile_inline", b.dockerfile_inline);
  if (!b.args.empty()) {
    ojson args = ojson::object();
    for (const auto& [k, v] : b.args) args[k] = v ? ojson(*v) : ojson(nullptr);
    j["args"] = args;
  }
  put_map(j, "labels", b.labels);
  put_list(j, "cache_from", b.cache_from);
  put_list(j, "cache_to", b.cache_to);
  if (b.no_cache) j["no_cache"] = true;
  if (b.pull) j["pull"] = true;
  put_list(j, "extra_hosts", b.extra_hosts);
  put_str(j, "network", b.network);
  put_str(j, "target", b.target);
  if (b.shm_size) j["shm_size"] = std::to_string(*b.shm_size);
  put_list(j, "tags", b.tags);
  put_list(j, "platforms", b.platforms);
  return j;
}

ojson file_ref(const FileRef& r, bool secret) {
  ojson j = {{"source", r.source}};
  // compose fills a secret's default target and leaves a config's unset.
  if (secret || r.target != "/" + r.source) j["target"] = r.target;
  put_str(j, "uid", r.uid.text);
  put_str(j, "gid", r.gid.text);
  if (r.mode) j["mode"] = octal_mode(*r.mode);
  return j;
}

ojson depends_of(const std::map<std::string, Dependency>& deps) {
  ojson j = ojson::object();
  for (const auto& [name, d] : deps) {
    ojson e = {{"condition", to_string(d.condition)}};
    if (d.restart) e["restart"] = true;
    e["required"] = d.required;
    j[name] = e;
  }
  return j;
}

// mem_limit, cpus, pids_limit, scale and deploy read into one Resources and
// replicas: each printed where the user wrote it, else under deploy (the spec's form).
ojson deploy_of(const Service& s, const ComposeOutOptions& o) {
  auto here = [&](const char* key) { return wrote(o, "services", s.name, key); };
  ojson j = ojson::object();
  if (s.replicas != 1 && !here("scale")) j["replicas"] = s.replicas;
  const Resources& r = s.resources;
  ojson limits = ojson::object(), reservations = ojson::object();
  if (r.cpus && !here("cpus")) limits["cpus"] = *r.cpus;
  if (r.memory && !here("mem_limit")) limits["memory"] = std::to_string(*r.memory);
  if (r.pids && !here("pids_limit")) limits["pids"] = *r.pids;
  if (r.memory_reservation && !here("mem_reservation"))
    reservations["memory"] = std::to_string(*r.memory_reservation);
  ojson resources = ojson::object();
  if (!limits.empty()) resources["limits"] = limits;
  if (!reservations.empty()) resources["reservations"] = reservations;
  if (!resources.empty()) j["resources"] = resources;
  if (s.update_config) {
    const UpdateConfig& u = *s.update_config;
    ojson up = ojson::object();
    if (u.parallelism) up["parallelism"] = *u.parallelism;
    if (u.delay) up["delay"] = go_duration(u.delay->nanoseconds);
    if (u.failure_action) up["failure_action"] = to_string(*u.failure_action);
    if (u.monitor) up["monitor"] = go_duration(u.monitor->nanoseconds);
    if (u.max_failure_ratio) up["max_failure_ratio"] = *u.max_failure_ratio;
    if (u.order) up["order"] = to_string(*u.order);
    j["update_config"] = up;
  }
  return j;
}

// develop.watch as compose-go's Trigger: path, action, target, exec, include, ignore, initial_sync.
ojson develop_of(const std::vector<WatchRule>& rules, const Project& p,
                 const ComposeOutOptions& o) {
  ojson watch = ojson::array();
  for (const auto& r : rules) {
    ojson j = {{"path", host_path(r.path, p, o)}, {"action", r.action}};
    put_str(j, "target", r.target);
    if (r.exec) {
      ojson x = {{"command", r.exec->command}};
      put_str(x, "user", r.exec->user);
      if (r.exec->privileged) x["privileged"] = true;
      put_str(x, "working_dir", r.exec->working_dir);
      if (!r.exec->environment.empty()) x["environment"] = environment_map(r.exec->environment);
      j["exec"] = x;
    }
    put_list(j, "include", r.include);
    put_list(j, "ignore", r.ignore);
    if (r.initial_sync) j["initial_sync"] = true;
    watch.push_back(j);
  }
  return ojson{{"watch", watch}};
}

ojson healthcheck_of(const Healthcheck& h) {
  ojson j = ojson::object();
  put_list(j, "test", h.test);
  auto dur = [&](const char* key, const std::optional<Duration>& d) {
    if (d) j[key] = go_duration(d->nanoseconds);
  };
  dur("timeout", h.timeout);
  dur("interval", h.interval);
  if (h.retries) j["retries"] = *h.retries;
  dur("start_period", h.start_period);
  dur("start_interval", h.start_interval);
  if (h.disable && h.test != std::vector<std::string>{"NONE"}) j["disable"] = true;
  return j;
}

// The attachment as the file can write it: other services' links add aliases here.
ServiceNetwork written(const ServiceNetwork& n) {
  ServiceNetwork w = n;
  w.link_aliases.clear();
  return w;
}

ojson networks_of(const Service& s) {
  ojson j = ojson::object();
  for (const auto& [name, n] : s.networks) {
    if (written(n) == ServiceNetwork{}) {
      j[name] = nullptr;
      continue;
    }
    ojson e = ojson::object();
    put_list(e, "aliases", n.aliases);
    put_str(e, "interface_name", n.interface_name);
    put_str(e, "ipv4_address", n.ipv4_address);
    put_str(e, "ipv6_address", n.ipv6_address);
    put_str(e, "mac_address", n.mac_address);
    if (n.priority != 0) e["priority"] = n.priority;
    j[name] = e;
  }
  return j;
}

ojson port_of(const PortMapping& p) {
  ojson j = {{"mode", "ingress"}};
  put_str(j, "host_ip", p.host_ip);
  j["target"] = p.target;
  // A host range for one container port (spread over the replicas): "8000-8001".
  if (p.published != 0)
    j["published"] = std::to_string(p.published) +
                     (p.published_last > p.published ? "-" + std::to_string(p.published_last) : "");
  j["protocol"] = p.protocol;
  return j;
}

ojson mount_of(const Mount& m, const Project& p, const ComposeOutOptions& o) {
  ojson j = {{"type", to_string(m.type)}};
  if (m.type == MountType::bind)
    j["source"] = host_path(m.source, p, o);
  else
    put_str(j, "source", m.source);
  j["target"] = m.target;
  if (m.read_only) j["read_only"] = true;
  if (m.type == MountType::bind) j["bind"] = {{"create_host_path", m.create_host_path}};
  if (m.type == MountType::volume)
    j["volume"] = m.volume_nocopy ? ojson{{"nocopy", true}} : ojson::object();
  if (m.type == MountType::tmpfs) {
    ojson t = ojson::object();
    if (m.tmpfs_size) t["size"] = std::to_string(*m.tmpfs_size);
    // compose-go keeps a number; lit reads a mode as octal, so "01777" reads back.
    if (m.tmpfs_mode) t["mode"] = octal_mode(*m.tmpfs_mode);
    if (!t.empty()) j["tmpfs"] = t;
  }
  if (m.type == MountType::image && !m.image_subpath.empty())
    j["image"] = {{"subpath", m.image_subpath}};
  return j;
}

ojson ulimits_of(const std::map<std::string, Ulimit>& ulimits) {
  ojson j = ojson::object();
  for (const auto& [name, u] : ulimits)
    j[name] = u.soft == u.hard ? ojson(u.soft) : ojson{{"soft", u.soft}, {"hard", u.hard}};
  return j;
}

// optimize: lit's own key, each service's with the top level's merged in.
ojson optimize_of(const Optimize& opt) {
  ojson j = ojson::object();
  if (opt.auto_memory_tune) j["auto_memory_tune"] = true;
  if (opt.memory_ceiling) j["memory_ceiling"] = std::to_string(*opt.memory_ceiling);
  if (opt.memory_headroom != Optimize{}.memory_headroom) j["memory_headroom"] = opt.memory_headroom;
  if (opt.shrink_image) j["shrink_image"] = true;
  put_list(j, "keep", opt.keep);
  put_list(j, "verify", opt.verify);
  return j;
}

ojson hooks_of(const std::vector<ServiceHook>& hooks) {
  ojson j = ojson::array();
  for (const auto& h : hooks) {
    ojson e = {{"command", h.command}};
    put_str(e, "user", h.user);
    if (h.privileged) e["privileged"] = true;
    put_str(e, "working_dir", h.working_dir);
    if (!h.environment.empty()) e["environment"] = environment_map(h.environment);
    j.push_back(e);
  }
  return j;
}

// The keys from build to healthcheck, in compose's order.
void put_first_half(ojson& j, const Project& p, const Service& s, const ComposeOutOptions& o) {
  put_list(j, "profiles", s.profiles);
  if (s.build) j["build"] = build_of(*s.build, o, p);
  put_list(j, "cap_add", s.cap_add);
  put_list(j, "cap_drop", s.cap_drop);
  if (s.resources.cpus && wrote(o, "services", s.name, "cpus")) j["cpus"] = *s.resources.cpus;
  if (s.resources.cpu_shares) j["cpu_shares"] = *s.resources.cpu_shares;
  if (s.command) j["command"] = *s.command;
  if (!s.configs.empty()) {
    j["configs"] = ojson::array();
    for (const auto& c : s.configs) j["configs"].push_back(file_ref(c, false));
  }
  put_str(j, "container_name", s.container_name);
  if (!s.depends_on.empty()) j["depends_on"] = depends_of(s.depends_on);
  if (ojson d = deploy_of(s, o); !d.empty()) j["deploy"] = d;
  if (!s.watch.empty()) j["develop"] = develop_of(s.watch, p, o);
  for (const auto& r : s.device_cgroup_rules) j["device_cgroup_rules"].push_back(r.text);
  for (const auto& d : s.devices)  // compose's long syntax
    j["devices"].push_back({{"source", d.value.host_path},
                            {"target", d.value.container_path},
                            {"permissions", cgroups::device_access_text(d.value.access)}});
  for (const auto& d : s.cdi_devices)  // as compose writes a CDI name
    j["devices"].push_back({{"source", d.text}, {"target", d.text}, {"permissions", "rwm"}});
  put_list(j, "dns", s.dns);
  put_list(j, "dns_opt", s.dns_opt);
  put_list(j, "dns_search", s.dns_search);
  put_str(j, "domainname", s.domainname);
  if (s.entrypoint) j["entrypoint"] = *s.entrypoint;
  if (!s.environment.empty()) j["environment"] = environment_map(s.environment);
  put_list(j, "expose", s.expose);
  if (!s.extra_hosts.empty()) {
    j["extra_hosts"] = ojson::array();
    for (const auto& [name, ip] : s.extra_hosts) j["extra_hosts"].push_back(name + "=" + ip);
  }
  put_str(j, "hostname", s.hostname);
  if (s.healthcheck) j["healthcheck"] = healthcheck_of(*s.healthcheck);
}

// The keys from image to pre_stop, in compose's order.
void put_second_half(ojson& j, const Project& p, const Service& s, const ComposeOutOptions& o) {
  put_str(j, "image", s.image);
  if (s.init) j["init"] = *s.init;
  put_str(j, "ipc", s.ipc.text);
  put_map(j, "labels", s.labels);
  if (!s.links.empty()) {
    j["links"] = ojson::array();
    for (const auto& l : s.links)
      j["links"].push_back(l.alias == l.service ? l.service : l.service + ":" + l.alias);
  }
  if (s.logging) {
    ojson l = ojson::object();
    put_str(l, "driver", s.logging->driver);
    put_map(l, "options", s.logging->options);
    j["logging"] = l;
  }
  auto bytes = [&](const char* key, const std::optional<std::int64_t>& v, bool always) {
    if (v && (always || wrote(o, "services", s.name, key))) j[key] = std::to_string(*v);
  };
  bytes("mem_limit", s.resources.memory, false);
  bytes("mem_reservation", s.resources.memory_reservation, false);
  bytes("memswap_limit", s.resources.memswap, true);
  put_str(j, "mac_address", s.mac_address);
  put_str(j, "network_mode", s.network_mode.text);
  bool implicit = s.networks.size() == 1 && s.networks.count("default") &&
                  written(s.networks.at("default")) == ServiceNetwork{};
  if (!s.networks.empty() && (o.normalize || !implicit)) j["networks"] = networks_of(s);
  if (s.optimize != Optimize{}) j["optimize"] = optimize_of(s.optimize);
  put_str(j, "pid", s.pid.text);
  if (s.resources.pids && wrote(o, "services", s.name, "pids_limit"))
    j["pids_limit"] = *s.resources.pids;
  put_str(j, "platform", s.platform);
  if (!s.ports.empty()) {
    j["ports"] = ojson::array();
    for (const auto& port : s.ports) j["ports"].push_back(port_of(port));
  }
  if (s.privileged) j["privileged"] = true;
  put_str(j, "pull_policy", s.pull_policy == "if_not_present" ? "missing" : s.pull_policy);
  if (s.read_only) j["read_only"] = true;
  if ((s.restart.text != "no" && !s.restart.text.empty()) ||
      wrote(o, "services", s.name, "restart"))
    j["restart"] = s.restart.text;
  if (s.replicas != 1 && wrote(o, "services", s.name, "scale")) j["scale"] = s.replicas;
  if (!s.secrets.empty()) {
    j["secrets"] = ojson::array();
    for (const auto& r : s.secrets) j["secrets"].push_back(file_ref(r, true));
  }
  if (!s.security_opt.empty()) {
    j["security_opt"] = ojson::array();
    for (const auto& opt : s.security_opt) j["security_opt"].push_back(opt.text);
  }
  if (s.shm_size) j["shm_size"] = std::to_string(*s.shm_size);
  if (s.stdin_open) j["stdin_open"] = true;
  if (s.stop_grace_period) j["stop_grace_period"] = go_duration(s.stop_grace_period->nanoseconds);
  if (s.stop_signal) j["stop_signal"] = s.stop_signal->text;
  put_map(j, "sysctls", s.sysctls);
  if (s.tty) j["tty"] = true;
  if (!s.ulimits.empty()) j["ulimits"] = ulimits_of(s.ulimits);
  if (s.user) j["user"] = s.user->text;
  put_str(j, "userns_mode", s.userns_mode.text);
  put_str(j, "uts", s.uts.text);
  if (!s.volumes.empty()) {
    j["volumes"] = ojson::array();
    for (const auto& m : s.volumes) j["volumes"].push_back(mount_of(m, p, o));
  }
  if (!s.volumes_from.empty()) {
    j["volumes_from"] = ojson::array();
    for (const auto& v : s.volumes_from) j["volumes_from"].push_back(v.text);
  }
  put_str(j, "working_dir", s.working_dir);
  if (!s.post_start.empty()) j["post_start"] = hooks_of(s.post_start);
  if (!s.pre_stop.empty()) j["pre_stop"] = hooks_of(s.pre_stop);
}

}  // namespace

ojson compose_service(const Project& project, const Service& s, const ComposeOutOptions& o) {
  ojson j = ojson::object();
  put_first_half(j, project, s, o);
  put_second_half(j, project, s, o);
  if (o.extensions.contains("services") && o.extensions["services"].contains(s.name))
    for (const auto& [k, v] : o.extensions["services"][s.name].items()) j[k] = v;
  return j;
}

}  // namespace lit::reconciler
