// One service's keys: the dispatcher and the simple keys; key families live in service_*.cpp.
#include <algorithm>
#include <functional>
#include <optional>
#include <unordered_map>

#include "reconciler/load/links.hpp"
#include "reconciler/load/normalize.hpp"
#include "reconciler/load/units.hpp"
#include "reconciler/load/values.hpp"
#include "runtime/lifecycle/control.hpp"
#include "runtime/shim/log_writer.hpp"
#include "runtime/spec/options.hpp"

namespace lit::reconciler::load {

namespace {

struct KeyCtx {
  const Node& value;
  const std::string& path;
  Service& s;
  const Project& project;
  NormContext& ctx;
  const Node& service;
};
using Handler = std::function<void(const KeyCtx&)>;

std::string str(const KeyCtx& k) { return as_string(k.value, k.path); }
bool flag(const KeyCtx& k) { return as_bool(k.value, k.path); }
std::vector<std::string> list(const KeyCtx& k) {
  return k.value.is_null() ? std::vector<std::string>{} : as_string_list(k.value, k.path);
}

// The runtime's parser decides, in the loader's words; "" is no policy, as
// compose reads it (what an override file writes to drop a base's policy).
void restart(const KeyCtx& k) {
  std::string r = str(k);
  if (r.empty()) {
    k.s.restart = Parsed<runtime::RestartPolicy>{"no", {}};
    return;
  }
  std::optional<runtime::RestartPolicy> policy;
  try {
    policy = runtime::parse_restart_policy(r);
  } catch (const Error&) {
  }
  if (!policy)
    fail(k.value, k.path, "expected no, always, on-failure[:N] or unless-stopped, got '" + r + "'");
  k.s.restart = {r, *policy};
}

void stop_signal(const KeyCtx& k) {
  std::string text = str(k);
  k.s.stop_signal = Parsed<int>{
      text, runtime_parse(k.value, k.path, [&] { return runtime::parse_signal(text, "signal"); })};
}

// Each item of a list key, with its node and path (a lone string: the key's).
void each_item(const KeyCtx& k,
               const std::function<void(const std::string&, const Node&, const std::string&)>& f) {
  auto items = list(k);
  for (std::size_t i = 0; i < items.size(); ++i) {
    if (k.value.is_seq())
      f(items[i], k.value.items[i], idx(k.path, i));
    else
      f(items[i], k.value, k.path);
  }
}

void security_opt(const KeyCtx& k) {
  k.s.security_opt.clear();
  each_item(k, [&](const std::string& o, const Node& n, const std::string& p) {
    k.s.security_opt.push_back({o, runtime_parse(n, p, [&] {
                                  return runtime::parse_security_opt(o, k.ctx.project_dir);
                                })});
  });
}

void dns(const KeyCtx& k) {
  k.s.dns.clear();
  each_item(k, [&](const std::string& d, const Node& n, const std::string& p) {
    k.s.dns.push_back(runtime_parse(n, p, [&] { return runtime::parse_dns(d); }));
  });
}

// "NAME:IP" as the file gives it (or NAME=IP, or a mapping), read as --add-host reads it.
void add_host(const KeyCtx& k, const std::string& name, const std::string& ip, const Node& n,
              const std::string& p) {
  k.s.extra_hosts.push_back(
      runtime_parse(n, p, [&] { return runtime::parse_add_host(name + ":" + ip); }));
}

void user(const KeyCtx& k) {
  std::string text = str(k);
  k.s.user.reset();
  if (!text.empty())
    k.s.user = Parsed<runtime::UserArg>{
        text, runtime_parse(k.value, k.path, [&] { return runtime::parse_user(text); })};
}

void logging(const KeyCtx& k) {
  expect_map(k.value, k.path);
  Logging l;
  for (const auto& e : k.value.entries) {
    std::string p = sub(k.path, e.key);
    if (e.key == "driver") {
      l.driver = as_string(e.value, p);
      if (l.driver != "json-file" && l.driver != "local" && l.driver != "none")
        k.ctx.diag.warn(e.value.loc, p,
                        "log driver '" + l.driver + "' is not supported by lit, json-file is used");
    } else if (e.key == "options") {
      for (const auto& option : as_kv(e.value, p)) {
        const std::string& key = option.first;
        const std::string& v = l.options[key] = option.second.value_or("");
        runtime_parse(e.value, sub(p, key), [&] { shim::apply_log_opt(l.log, key, v); });
      }
    } else
      k.ctx.diag.unsupported(e.key_loc, p);
  }
  k.s.logging = l;
}

void extra_hosts(const KeyCtx& k) {
  if (k.value.is_map()) {
    for (const auto& e : k.value.entries) {
      std::string p = sub(k.path, e.key);
      for (const auto& ip : as_string_list(e.value, p)) add_host(k, e.key, ip, e.value, p);
    }
    return;
  }
  auto items = list(k);
  for (std::size_t i = 0; i < items.size(); ++i) {
    std::string h = items[i];
    std::size_t sep = h.find('=');
    if (sep == std::string::npos) sep = h.find(':');
    const Node& n = k.value.is_seq() ? k.value.items[i] : k.value;
    if (sep == std::string::npos || sep == 0 || sep + 1 == h.size())
      fail(n, idx(k.path, i), "expected HOST:IP, got '" + h + "'");
    add_host(k, h.substr(0, sep), h.substr(sep + 1), n, idx(k.path, i));
  }
}

void ulimits(const KeyCtx& k) {
  expect_map(k.value, k.path);
  for (const auto& e : k.value.entries) {
    std::string p = sub(k.path, e.key);
    Ulimit u;
    if (e.value.is_map()) {
      const Node* soft = e.value.find("soft");
      const Node* hard = e.value.find("hard");
      if (!soft || !hard) fail(e.value, p, "expected {soft: N, hard: N}");
      u.soft = as_int(*soft, sub(p, "soft"));
      u.hard = as_int(*hard, sub(p, "hard"));
      if (u.soft > u.hard) fail(e.value, p, "soft limit is above the hard limit");
    } else {
      u.soft = u.hard = as_int(e.value, p);
    }
    u.resource = runtime::rlimit_resource(e.key);  // as --ulimit names it
    if (!u.resource) fail(e.key_loc, p, "unknown limit " + e.key);
    k.s.ulimits[e.key] = u;
  }
}

void network_mode(const KeyCtx& k) {
  std::string m = str(k);
  bool ok = m == "host" || m == "none" || m == "bridge" || m.rfind("service:", 0) == 0 ||
            m.rfind("container:", 0) == 0;
  if (!ok)
    fail(k.value, k.path,
         "expected host, none, bridge, service:NAME or container:NAME, got '" + m + "'");
  if (m == "bridge") return;  // as if not given: the networks
  NetworkModeSetting v;
  if (m.starts_with("service:")) {
    v.service = m.substr(8);
  } else {
    v.mode = runtime_parse(k.value, k.path, [&] { return runtime::parse_network(m); });
    if (v.mode == runtime::NetworkMode::Container) v.container = m.substr(10);
  }
  k.s.network_mode = {m, v};
}

// A table of every service key, one handler each: long, but without control flow.
// NOLINTNEXTLINE(readability-function-size)
const std::unordered_map<std::string, Handler>& handlers() {
  static const std::unordered_map<std::string, Handler> h = {
      {"image", [](const KeyCtx& k) { k.s.image = str(k); }},
      {"build", [](const KeyCtx& k) { k.s.build = normalize_build(k.value, k.path, k.ctx); }},
      {"command", [](const KeyCtx& k) { k.s.command = as_command(k.value, k.path); }},
      {"entrypoint", [](const KeyCtx& k) { k.s.entrypoint = as_command(k.value, k.path); }},
      {"environment", [](const KeyCtx&) {}},  // with env_file, below
      {"env_file", [](const KeyCtx&) {}},
      {"ports", [](const KeyCtx& k) { normalize_ports(k.value, k.path, k.s, k.ctx.diag); }},
      {"expose", [](const KeyCtx& k) { normalize_expose(k.value, k.path, k.s); }},
      {"volumes",
       [](const KeyCtx& k) { normalize_volumes(k.value, k.path, k.s, k.project, k.ctx); }},
      {"tmpfs", [](const KeyCtx& k) { normalize_tmpfs(k.value, k.path, k.s); }},
      {"networks", [](const KeyCtx& k) { normalize_networks(k.value, k.path, k.s, k.project); }},
      {"network_mode", network_mode},
      {"mac_address", [](const KeyCtx& k) { k.s.mac_address = as_mac_address(k.value, k.path); }},
      {"depends_on", [](const KeyCtx& k) { normalize_depends_on(k.value, k.path, k.s); }},
      {"healthcheck",
       [](const KeyCtx& k) { k.s.healthcheck = normalize_healthcheck(k.value, k.path, k.ctx); }},
      {"restart", restart},
      {"deploy", [](const KeyCtx& k) { normalize_deploy(k.value, k.path, k.s, k.ctx); }},
      {"scale",
       [](const KeyCtx& k) {
         std::int64_t n = as_int(k.value, k.path);
         if (n < 0) fail(k.value, k.path, "scale must not be negative");
         k.s.replicas = static_cast<int>(n);
       }},
      {"mem_limit", [](const KeyCtx& k) { k.s.resources.memory = as_bytes(k.value, k.path); }},
      {"mem_reservation",
       [](const KeyCtx& k) { k.s.resources.memory_reservation = as_bytes(k.value, k.path); }},
      {"memswap_limit",
       [](const KeyCtx& k) {
         k.s.resources.memswap =
             k.value.is_scalar() && k.value.text == "-1" ? -1 : as_bytes(k.value, k.path);
       }},
      {"cpus",
       [](const KeyCtx& k) {
         double c = as_number(k.value, k.path);
         if (c < 0) fail(k.value, k.path, "cpus must not be negative");
         k.s.resources.cpus = c;
       }},
      {"cpu_shares", [](const KeyCtx& k) { k.s.resources.cpu_shares = as_int(k.value, k.path); }},
      {"pids_limit", [](const KeyCtx& k) { k.s.resources.pids = as_int(k.value, k.path); }},
      {"user", user},
      {"working_dir", [](const KeyCtx& k) { k.s.working_dir = str(k); }},
      {"hostname", [](const KeyCtx& k) { k.s.hostname = str(k); }},
      {"domainname", [](const KeyCtx& k) { k.s.domainname = str(k); }},
      {"container_name", [](const KeyCtx& k) { k.s.container_name = str(k); }},
      {"init", [](const KeyCtx& k) { k.s.init = flag(k); }},
      {"stop_signal", stop_signal},
      {"stop_grace_period",
       [](const KeyCtx& k) {
         std::int64_t ns = as_duration_ns(k.value, k.path);
         k.s.stop_grace_period = Duration{format_duration(ns), ns};
       }},
      {"cap_add", [](const KeyCtx& k) { k.s.cap_add = list(k); }},
      {"cap_drop", [](const KeyCtx& k) { k.s.cap_drop = list(k); }},
      {"security_opt", security_opt},
      {"privileged", [](const KeyCtx& k) { k.s.privileged = flag(k); }},
      {"read_only", [](const KeyCtx& k) { k.s.read_only = flag(k); }},
      {"tty", [](const KeyCtx& k) { k.s.tty = flag(k); }},
      {"stdin_open", [](const KeyCtx& k) { k.s.stdin_open = flag(k); }},
      {"labels",
       [](const KeyCtx& k) {
         for (auto& [lk, lv] : as_kv(k.value, k.path)) k.s.labels[lk] = lv.value_or("");
       }},
      {"logging", logging},
      {"extra_hosts", extra_hosts},
      {"dns", dns},
      {"dns_search", [](const KeyCtx& k) { k.s.dns_search = list(k); }},
      {"dns_opt", [](const KeyCtx& k) { k.s.dns_opt = list(k); }},
      {"sysctls",
       [](const KeyCtx& k) {
         for (auto& [sk, sv] : as_kv(k.value, k.path)) k.s.sysctls[sk] = sv.value_or("");
       }},
      {"ulimits", ulimits},
      {"shm_size", [](const KeyCtx& k) { k.s.shm_size = as_bytes(k.value, k.path); }},
      {"devices", [](const KeyCtx& k) { normalize_devices(k.value, k.path, k.s); }},
      {"device_cgroup_rules",
       [](const KeyCtx& k) { normalize_device_cgroup_rules(k.value, k.path, k.s); }},
      {"secrets",
       [](const KeyCtx& k) { normalize_file_refs(k.value, k.path, true, k.s, k.project); }},
      {"configs",
       [](const KeyCtx& k) { normalize_file_refs(k.value, k.path, false, k.s, k.project); }},
      {"platform", [](const KeyCtx& k) { k.s.platform = str(k); }},
      {"pull_policy",
       [](const KeyCtx& k) {
         std::string p = str(k);
         if (p != "always" && p != "never" && p != "missing" && p != "if_not_present" &&
             p != "build")
           fail(k.value, k.path, "expected always, never, missing or build, got '" + p + "'");
         k.s.pull_policy = p == "if_not_present" ? "missing" : p;
       }},
      {"profiles", [](const KeyCtx& k) { k.s.profiles = list(k); }},
      {"links", [](const KeyCtx& k) { k.s.links = normalize_links(k.value, k.path); }},
      {"post_start",
       [](const KeyCtx& k) { k.s.post_start = normalize_hooks(k.value, k.path, k.ctx); }},
      {"pre_stop", [](const KeyCtx& k) { k.s.pre_stop = normalize_hooks(k.value, k.path, k.ctx); }},
      {"develop", [](const KeyCtx& k) { normalize_develop(k.value, k.path, k.s, k.ctx); }},
      {"pid",
       [](const KeyCtx& k) {
         k.s.pid = normalize_namespace(k.value, k.path, runtime::NamespaceKind::Pid);
       }},
      {"ipc",
       [](const KeyCtx& k) {
         k.s.ipc = normalize_namespace(k.value, k.path, runtime::NamespaceKind::Ipc);
       }},
      {"uts",
       [](const KeyCtx& k) {
         k.s.uts = normalize_namespace(k.value, k.path, runtime::NamespaceKind::Uts);
       }},
      {"volumes_from",
       [](const KeyCtx& k) { k.s.volumes_from = normalize_volumes_from(k.value, k.path); }},
      {"optimize",
       [](const KeyCtx& k) {
         k.s.optimize = normalize_optimize(k.value, k.path, k.project.optimize);
       }},
      {"userns_mode",
       [](const KeyCtx& k) {
         std::string text = str(k);
         try {
           k.s.userns_mode = {text, runtime::parse_userns(text, k.path)};
         } catch (const Error&) {
           fail(k.value, k.path, "expected host, auto or auto:size=N, got '" + text + "'");
         }
       }},
      {"extends", [](const KeyCtx&) {}},  // resolved before normalization
  };
  return h;
}

void check_service(const Node& node, const std::string& path, const Service& s) {
  if (s.image.empty() && !s.build && s.copy.empty())
    fail(node, path, "neither image nor build is set");
  if (!s.container_name.empty() && s.replicas > 1)
    fail(node, path,
         "container_name '" + s.container_name + "' cannot be used with " +
             std::to_string(s.replicas) + " replicas");
  if (s.uts.value.share.mode == runtime::NamespaceMode::Host && !s.hostname.empty())
    fail(*node.find("hostname"), sub(path, "hostname"),
         "conflicting options: hostname and the UTS mode (uts: host)");
  if (!s.network_mode.text.empty() && !s.networks.empty())
    fail(*node.find("network_mode"), sub(path, "network_mode"),
         "network_mode and networks are mutually exclusive");
  check_interfaces(node, path, s);
}

}  // namespace

Service normalize_service(const std::string& name, const Node& node, const Project& project,
                          NormContext& ctx) {
  std::string path = "services." + name;
  Service s;
  s.name = name;
  s.optimize = project.optimize;  // the top level's, unless the service has its own
  if (node.is_null()) fail(node, path, "neither image nor build is set");
  expect_map(node, path);
  for (const auto& e : node.entries) {
    std::string p = sub(path, e.key);
    if (e.key.rfind("x-", 0) == 0) continue;
    auto it = handlers().find(e.key);
    if (it == handlers().end()) {
      ctx.diag.unsupported(e.key_loc, p);
      continue;
    }
    it->second(KeyCtx{e.value, p, s, project, ctx, node});
  }
  normalize_environment(node.find("environment"), node.find("env_file"), path, s, ctx);
  if (s.networks.empty() && s.network_mode.text.empty()) s.networks["default"] = {};
  check_service(node, path, s);
  return s;
}

}  // namespace lit::reconciler::load
