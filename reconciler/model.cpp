#include "reconciler/model.hpp"

#include <algorithm>
#include <functional>
#include <nlohmann/json.hpp>
#include <set>

#include "runtime/util/error.hpp"

namespace lit::reconciler {

using nlohmann::json;

std::string PortMapping::to_publish_spec() const {
  std::string s;
  if (!host_ip.empty())
    s += (host_ip.find(':') != std::string::npos ? "[" + host_ip + "]" : host_ip) + ":";
  if (published != 0)
    s += std::to_string(published) +
         (published_last ? "-" + std::to_string(published_last) : std::string()) + ":";
  else if (!host_ip.empty())
    s += ":";
  s += std::to_string(target);
  if (protocol != "tcp") s += "/" + protocol;
  return s;
}

std::string to_string(MountType t) {
  switch (t) {
    case MountType::volume:
      return "volume";
    case MountType::bind:
      return "bind";
    case MountType::tmpfs:
      return "tmpfs";
    case MountType::image:
      return "image";
  }
  return "?";
}

std::vector<std::string> mounted_images(const Service& s) {
  std::vector<std::string> out;
  for (const auto& m : s.volumes)
    if (m.type == MountType::image && std::find(out.begin(), out.end(), m.source) == out.end())
      out.push_back(m.source);
  return out;
}

std::string to_string(DependCondition c) {
  switch (c) {
    case DependCondition::service_started:
      return "service_started";
    case DependCondition::service_healthy:
      return "service_healthy";
    case DependCondition::service_completed_successfully:
      return "service_completed_successfully";
  }
  return "?";
}

namespace {

template <class T>
void put_opt(json& j, const char* key, const std::optional<T>& v) {
  if (v) j[key] = *v;
}
void put_dur(json& j, const char* key, const std::optional<Duration>& d) {
  if (d) j[key] = json{{"text", d->text}, {"nanoseconds", d->nanoseconds}};
}
template <class M>
json map_json(const M& m) {
  json j = json::object();
  for (const auto& [k, v] : m) j[k] = v;
  return j;
}

json port_json(const PortMapping& p) {
  json j = {{"host_ip", p.host_ip},
            {"published", p.published},
            {"target", p.target},
            {"protocol", p.protocol},
            {"spec", p.to_publish_spec()}};
  if (p.published_last) j["published_last"] = p.published_last;
  return j;
}

json mount_json(const Mount& m) {
  json j = {{"type", to_string(m.type)},
            {"source", m.source},
            {"target", m.target},
            {"read_only", m.read_only}};
  if (m.type == MountType::bind) j["create_host_path"] = m.create_host_path;
  if (m.type == MountType::volume) j["nocopy"] = m.volume_nocopy;
  if (m.type == MountType::image) j["subpath"] = m.image_subpath;  // only here: other hashes stay
  put_opt(j, "tmpfs_size", m.tmpfs_size);
  put_opt(j, "tmpfs_mode", m.tmpfs_mode);
  return j;
}

json watch_json(const WatchRule& r) {
  json j = {{"path", r.path},       {"action", r.action}, {"target", r.target},
            {"include", r.include}, {"ignore", r.ignore}, {"initial_sync", r.initial_sync}};
  if (r.exec)
    j["exec"] = {{"command", r.exec->command},
                 {"user", r.exec->user},
                 {"working_dir", r.exec->working_dir},
                 {"privileged", r.exec->privileged},
                 {"environment", r.exec->environment}};
  return j;
}

json health_json(const Healthcheck& h) {
  json j = {{"test", h.test}, {"disable", h.disable}};
  put_dur(j, "interval", h.interval);
  put_dur(j, "timeout", h.timeout);
  put_dur(j, "start_period", h.start_period);
  put_dur(j, "start_interval", h.start_interval);
  put_opt(j, "retries", h.retries);
  return j;
}

json update_json(const UpdateConfig& u) {
  json j = json::object();
  put_opt(j, "parallelism", u.parallelism);
  put_dur(j, "delay", u.delay);
  put_dur(j, "monitor", u.monitor);
  if (u.failure_action) j["failure_action"] = to_string(*u.failure_action);
  put_opt(j, "max_failure_ratio", u.max_failure_ratio);
  if (u.order) j["order"] = to_string(*u.order);
  return j;
}

json resources_json(const Resources& r) {
  json j = json::object();
  put_opt(j, "memory", r.memory);
  put_opt(j, "memory_reservation", r.memory_reservation);
  put_opt(j, "memswap", r.memswap);
  put_opt(j, "cpus", r.cpus);
  put_opt(j, "cpu_shares", r.cpu_shares);
  put_opt(j, "pids", r.pids);
  return j;
}

json build_json(const Build& b) {
  json args = json::object();
  for (const auto& [k, v] : b.args) args[k] = v ? json(*v) : json(nullptr);
  json j = {{"context", b.context},
            {"dockerfile", b.dockerfile},
            {"dockerfile_inline", b.dockerfile_inline},
            {"args", args},
            {"target", b.target},
            {"labels", map_json(b.labels)},
            {"cache_from", b.cache_from},
            {"cache_to", b.cache_to},
            {"tags", b.tags},
            {"platforms", b.platforms},
            {"extra_hosts", b.extra_hosts},
            {"network", b.network},
            {"no_cache", b.no_cache},
            {"pull", b.pull}};
  put_opt(j, "shm_size", b.shm_size);
  return j;
}

// Environment-sourced values are secrets: never printed (config hashes add them).
json fileref_json(const FileRef& f) {
  json j = {{"source", f.source}, {"target", f.target}, {"uid", f.uid.text},
            {"gid", f.gid.text},  {"file", f.file},     {"environment", f.environment}};
  put_opt(j, "mode", f.mode);
  if (f.content && f.environment.empty()) j["content"] = *f.content;
  return j;
}

json filesource_json(const FileSource& f) {
  json j = {
      {"name", f.name}, {"file", f.file}, {"environment", f.environment}, {"external", f.external}};
  if (f.content && f.environment.empty()) j["content"] = *f.content;
  return j;
}

json networks_json(const std::map<std::string, ServiceNetwork>& nets) {
  json j = json::object();
  for (const auto& [k, n] : nets) {
    j[k] = {{"aliases", n.aliases},
            {"ipv4_address", n.ipv4_address},
            {"ipv6_address", n.ipv6_address},
            {"priority", n.priority}};
    // Only when set, so the hashes of services nobody links to stay as they were.
    if (!n.link_aliases.empty()) j[k]["link_aliases"] = n.link_aliases;
    if (!n.mac_address.empty()) j[k]["mac_address"] = n.mac_address;
    if (!n.interface_name.empty()) j[k]["interface_name"] = n.interface_name;
  }
  return j;
}

json depends_json(const std::map<std::string, Dependency>& deps) {
  json j = json::object();
  for (const auto& [k, d] : deps)
    j[k] = {
        {"condition", to_string(d.condition)}, {"restart", d.restart}, {"required", d.required}};
  return j;
}

json hook_json(const ServiceHook& h) {
  return {{"command", h.command},
          {"user", h.user},
          {"privileged", h.privileged},
          {"working_dir", h.working_dir},
          {"environment", h.environment}};
}

template <class T, class F>
json list_json(const std::vector<T>& v, F f) {
  json j = json::array();
  for (const auto& x : v) j.push_back(f(x));
  return j;
}

// Host devices' texts, then CDI devices' names. Set only when there are some,
// so the hashes of services without stay. A CDI device counts by its name: a
// changed spec file does not recreate (as with compose).
json devices_json(const Service& s) {
  json j = list_json(s.devices, [](const auto& d) { return d.text; });
  for (const auto& d : s.cdi_devices) j.push_back(d.text);
  return j;
}

// Keys of newer lit versions, each only when set: the hashes of services
// without them stay as they were.
void put_when_set(json& j, const Service& s) {
  using Setting = std::pair<const char*, const Parsed<NamespaceSetting>*>;
  for (const auto& [key, v] :
       {Setting{"pid", &s.pid}, Setting{"ipc", &s.ipc}, Setting{"uts", &s.uts}})
    if (!v->text.empty()) j[key] = v->text;
  if (!s.userns_mode.text.empty()) j["userns_mode"] = s.userns_mode.text;
  if (s.optimize != Optimize{}) j["optimize"] = optimize_json(s.optimize);
  if (!s.volumes_from.empty())
    j["volumes_from"] = list_json(s.volumes_from, [](const VolumesFromRef& v) { return v.text; });
  if (!s.links.empty()) {
    json links = json::array();
    for (const auto& l : s.links) links.push_back({{"service", l.service}, {"alias", l.alias}});
    j["links"] = links;
  }
}

}  // namespace

json to_json(const Service& s) {
  json j = {{"name", s.name},
            {"image", s.image},
            {"pull_policy", s.pull_policy},
            {"platform", s.platform},
            {"environment", s.environment},
            {"env_files", s.env_files},
            {"ports", list_json(s.ports, port_json)},
            {"expose", s.expose},
            {"volumes", list_json(s.volumes, mount_json)},
            {"networks", networks_json(s.networks)},
            {"network_mode", s.network_mode.text},
            {"depends_on", depends_json(s.depends_on)},
            {"restart", s.restart.text},
            {"replicas", s.replicas},
            {"resources", resources_json(s.resources)},
            {"user", s.user ? s.user->text : ""},
            {"working_dir", s.working_dir},
            {"hostname", s.hostname},
            {"domainname", s.domainname},
            {"container_name", s.container_name},
            {"stop_signal", s.stop_signal ? s.stop_signal->text : ""},
            {"cap_add", s.cap_add},
            {"cap_drop", s.cap_drop},
            {"security_opt", list_json(s.security_opt, [](const auto& o) { return o.text; })},
            {"privileged", s.privileged},
            {"read_only", s.read_only},
            {"tty", s.tty},
            {"stdin_open", s.stdin_open},
            {"labels", map_json(s.labels)},
            {"extra_hosts",
             list_json(s.extra_hosts, [](const auto& h) { return h.first + ":" + h.second; })},
            {"dns", s.dns},
            {"dns_search", s.dns_search},
            {"dns_opt", s.dns_opt},
            {"sysctls", map_json(s.sysctls)},
            {"secrets", list_json(s.secrets, fileref_json)},
            {"configs", list_json(s.configs, fileref_json)},
            {"profiles", s.profiles},
            {"copy", list_json(s.copy, [](const CopySpec& c) {
               return json{{"source", c.source}, {"target", c.target}};
             })}};
  if (s.build) j["build"] = build_json(*s.build);
  put_opt(j, "command", s.command);
  put_opt(j, "entrypoint", s.entrypoint);
  if (s.healthcheck) j["healthcheck"] = health_json(*s.healthcheck);
  put_opt(j, "init", s.init);
  put_dur(j, "stop_grace_period", s.stop_grace_period);
  if (s.logging)
    j["logging"] = {{"driver", s.logging->driver}, {"options", map_json(s.logging->options)}};
  json ul = json::object();
  for (const auto& [k, u] : s.ulimits) ul[k] = {{"soft", u.soft}, {"hard", u.hard}};
  j["ulimits"] = ul;
  put_opt(j, "shm_size", s.shm_size);
  // Only when set, so the hashes of services without hooks stay as they were;
  // compose's config hash covers the hooks too (a changed hook recreates).
  if (!s.post_start.empty()) j["post_start"] = list_json(s.post_start, hook_json);
  if (!s.pre_stop.empty()) j["pre_stop"] = list_json(s.pre_stop, hook_json);
  if (!s.watch.empty()) j["develop"] = {{"watch", list_json(s.watch, watch_json)}};
  if (!s.mac_address.empty()) j["mac_address"] = s.mac_address;
  // Only when set, so the hashes of services without stay (desired.cpp leaves it out anyway).
  if (s.update_config) j["update_config"] = update_json(*s.update_config);
  if (!s.devices.empty() || !s.cdi_devices.empty()) j["devices"] = devices_json(s);
  if (!s.device_cgroup_rules.empty())  // only when set, as devices
    j["device_cgroup_rules"] =
        list_json(s.device_cgroup_rules, [](const auto& r) { return r.text; });
  put_when_set(j, s);
  return j;
}

json optimize_json(const Optimize& o) {
  json j = {{"auto_memory_tune", o.auto_memory_tune},
            {"memory_headroom", o.memory_headroom},
            {"shrink_image", o.shrink_image},
            {"keep", o.keep}};
  put_opt(j, "memory_ceiling", o.memory_ceiling);
  if (!o.verify.empty()) j["verify"] = o.verify;
  return j;
}

json to_json(const Project& p) {
  json services = json::object();
  for (const auto& [k, s] : p.services) services[k] = to_json(s);
  json networks = json::object();
  for (const auto& [k, n] : p.networks) {
    json ipam = json::array();
    for (const auto& pool : n.ipam)
      ipam.push_back(
          {{"subnet", pool.subnet}, {"gateway", pool.gateway}, {"ip_range", pool.ip_range}});
    networks[k] = {{"name", n.name},
                   {"driver", n.driver},
                   {"driver_opts", map_json(n.driver_opts)},
                   {"internal", n.internal},
                   {"external", n.external},
                   {"attachable", n.attachable},
                   {"enable_ipv6", n.enable_ipv6},
                   {"ipam", ipam},
                   {"labels", map_json(n.labels)}};
  }
  json volumes = json::object();
  for (const auto& [k, v] : p.volumes)
    volumes[k] = {{"name", v.name},
                  {"driver", v.driver},
                  {"driver_opts", map_json(v.driver_opts)},
                  {"external", v.external},
                  {"labels", map_json(v.labels)}};
  json secrets = json::object(), configs = json::object();
  for (const auto& [k, f] : p.secrets) secrets[k] = filesource_json(f);
  for (const auto& [k, f] : p.configs) configs[k] = filesource_json(f);
  json j = {{"name", p.name},
            {"working_dir", p.working_dir},
            {"files", p.files},
            {"services", services},
            {"disabled_services", p.disabled_services},
            {"networks", networks},
            {"volumes", volumes},
            {"secrets", secrets},
            {"configs", configs},
            {"warnings", p.warnings}};
  // Only when set, as a service's: the output of projects without stays.
  if (p.optimize != Optimize{}) j["optimize"] = optimize_json(p.optimize);
  if (!p.optimize_file.empty()) j["optimize_file"] = p.optimize_file;
  return j;
}

const char* to_string(UpdateOrder order) {
  return order == UpdateOrder::StartFirst ? "start-first" : "stop-first";
}

const char* to_string(UpdateFailureAction action) {
  switch (action) {
    case UpdateFailureAction::Continue:
      return "continue";
    case UpdateFailureAction::Rollback:
      return "rollback";
    case UpdateFailureAction::Pause:
      break;
  }
  return "pause";
}

UpdatePolicy UpdateConfig::policy() const {
  using std::chrono::milliseconds;
  using std::chrono::nanoseconds;
  UpdatePolicy p;
  if (parallelism) p.parallelism = *parallelism;
  if (delay) p.delay = std::chrono::duration_cast<milliseconds>(nanoseconds(delay->nanoseconds));
  if (monitor)
    p.monitor = std::chrono::duration_cast<milliseconds>(nanoseconds(monitor->nanoseconds));
  if (failure_action) p.failure_action = *failure_action;
  if (max_failure_ratio) p.max_failure_ratio = *max_failure_ratio;
  if (order) p.order = *order;
  return p;
}

std::vector<std::string> start_order(const Project& p) {
  std::vector<std::string> order;
  std::set<std::string> done, visiting;
  std::function<void(const std::string&)> visit = [&](const std::string& name) {
    if (done.count(name) || !p.services.count(name)) return;
    if (!visiting.insert(name).second) throw Error("dependency cycle through service " + name);
    for (const auto& [dep, _] : p.services.at(name).depends_on) visit(dep);
    visiting.erase(name);
    done.insert(name);
    order.push_back(name);
  };
  for (const auto& [name, _] : p.services) visit(name);
  return order;
}

}  // namespace lit::reconciler
