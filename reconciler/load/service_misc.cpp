// healthcheck, depends_on, networks, deploy, build, secrets/configs, environment.
#include <algorithm>
#include <charconv>
#include <map>

#include "reconciler/load/dotenv.hpp"
#include "reconciler/load/normalize.hpp"
#include "reconciler/load/units.hpp"
#include "reconciler/load/values.hpp"
#include "runtime/lifecycle/restart_policy.hpp"
#include "runtime/spec/options.hpp"
#include "runtime/util/error.hpp"
#include "runtime/util/fs.hpp"

namespace lit::reconciler::load {

namespace {

Duration duration(const Node& n, const std::string& path) {
  std::int64_t ns = as_duration_ns(n, path);
  return {format_duration(ns), ns};
}

}  // namespace

Healthcheck normalize_healthcheck(const Node& n, const std::string& path, NormContext& ctx) {
  expect_map(n, path);
  Healthcheck h;
  for (const auto& e : n.entries) {
    std::string p = sub(path, e.key);
    if (e.key == "test") {
      if (e.value.is_scalar()) {
        h.test = {"CMD-SHELL", e.value.text};
      } else {
        h.test = as_string_list(e.value, p);
        const std::string first = h.test.empty() ? "" : h.test[0];
        if (first != "CMD" && first != "CMD-SHELL" && first != "NONE")
          fail(e.value, p, "a list test must start with CMD, CMD-SHELL or NONE");
        if (first != "NONE" && h.test.size() < 2) fail(e.value, p, "the test has no command");
      }
      if (h.test[0] == "NONE") h.disable = true;
    } else if (e.key == "interval")
      h.interval = duration(e.value, p);
    else if (e.key == "timeout")
      h.timeout = duration(e.value, p);
    else if (e.key == "start_period")
      h.start_period = duration(e.value, p);
    else if (e.key == "start_interval")
      h.start_interval = duration(e.value, p);
    else if (e.key == "retries") {
      std::int64_t r = as_int(e.value, p);
      if (r < 0) fail(e.value, p, "retries must not be negative");
      h.retries = static_cast<int>(r);
    } else if (e.key == "disable")
      h.disable = h.disable || as_bool(e.value, p);
    else
      ctx.diag.unsupported(e.key_loc, p);
  }
  if (h.start_interval && !h.start_period)
    fail(n.find_entry("start_interval")->key_loc, sub(path, "start_interval"),
         "requires start_period (the checks run every start_interval during the start period); "
         "set start_period or remove start_interval");
  return h;
}

void normalize_depends_on(const Node& n, const std::string& path, Service& s) {
  if (n.is_null()) return;
  if (!n.is_map()) fail(n, path, "expected a list of services or a mapping, got " + kind_name(n));
  for (const auto& e : n.entries) {
    std::string p = sub(path, e.key);
    Dependency d;
    if (!e.value.is_null()) {
      expect_map(e.value, p);
      for (const auto& c : e.value.entries) {
        std::string cp = sub(p, c.key);
        if (c.key == "condition") {
          std::string v = as_string(c.value, cp);
          if (v == "service_started")
            d.condition = DependCondition::service_started;
          else if (v == "service_healthy")
            d.condition = DependCondition::service_healthy;
          else if (v == "service_completed_successfully")
            d.condition = DependCondition::service_completed_successfully;
          else
            fail(c.value, cp,
                 "expected service_started, service_healthy or "
                 "service_completed_successfully, got '" +
                     v + "'");
        } else if (c.key == "restart")
          d.restart = as_bool(c.value, cp);
        else if (c.key == "required")
          d.required = as_bool(c.value, cp);
        else
          fail(c.key_loc, cp, "unknown key (expected condition, restart or required)");
      }
    }
    s.depends_on[e.key] = d;
  }
}

void normalize_networks(const Node& n, const std::string& path, Service& s,
                        const Project& project) {
  if (n.is_null()) return;
  if (!n.is_map()) fail(n, path, "expected a list of networks or a mapping, got " + kind_name(n));
  for (const auto& e : n.entries) {
    std::string p = sub(path, e.key);
    if (e.key != "default" && !project.networks.count(e.key))
      fail(e.key_loc, p, "network '" + e.key + "' is not declared in the top-level networks");
    ServiceNetwork sn;
    if (!e.value.is_null()) {
      expect_map(e.value, p);
      for (const auto& k : e.value.entries) {
        std::string kp = sub(p, k.key);
        if (k.key == "aliases")
          sn.aliases = as_string_list(k.value, kp);
        else if (k.key == "ipv4_address")
          sn.ipv4_address = as_string(k.value, kp);
        else if (k.key == "ipv6_address")
          sn.ipv6_address = as_string(k.value, kp);
        else if (k.key == "priority")
          sn.priority = static_cast<int>(as_int(k.value, kp));
        else if (k.key == "mac_address")
          sn.mac_address = as_mac_address(k.value, kp);
        else if (k.key == "interface_name")
          sn.interface_name = as_interface_name(k.value, kp);
        else
          fail(k.key_loc, kp,
               "unknown key (expected aliases, ipv4_address, ipv6_address, priority, "
               "mac_address or interface_name)");
      }
    }
    s.networks[e.key] = sn;
  }
}

void normalize_deploy(const Node& n, const std::string& path, Service& s, NormContext& ctx) {
  if (n.is_null()) return;
  expect_map(n, path);
  for (const auto& e : n.entries) {
    std::string p = sub(path, e.key);
    if (e.key == "replicas") {
      std::int64_t r = as_int(e.value, p);
      if (r < 0) fail(e.value, p, "replicas must not be negative");
      s.replicas = static_cast<int>(r);
    } else if (e.key == "resources" && e.value.is_map()) {
      for (const auto& r : e.value.entries) {
        std::string rp = sub(p, r.key);
        if (r.key != "limits" && r.key != "reservations") {
          ctx.diag.unsupported(r.key_loc, rp);
          continue;
        }
        expect_map(r.value, rp);
        for (const auto& l : r.value.entries) {
          std::string lp = sub(rp, l.key);
          bool limits = r.key == "limits";
          if (l.key == "memory" && limits)
            s.resources.memory = as_bytes(l.value, lp);
          else if (l.key == "memory")
            s.resources.memory_reservation = as_bytes(l.value, lp);
          else if (l.key == "cpus" && limits)
            s.resources.cpus = as_number(l.value, lp);
          else if (l.key == "pids" && limits)
            s.resources.pids = as_int(l.value, lp);
          else
            ctx.diag.unsupported(l.key_loc, lp);
        }
      }
    } else if (e.key == "restart_policy" && e.value.is_map()) {
      std::string cond = "any";
      std::string max;
      for (const auto& r : e.value.entries) {
        if (r.key == "condition")
          cond = as_string(r.value, sub(p, r.key));
        else if (r.key == "max_attempts")
          max = std::to_string(as_int(r.value, sub(p, r.key)));
        else
          ctx.diag.unsupported(r.key_loc, sub(p, r.key));
      }
      std::string text;
      if (cond == "any")
        text = "always";
      else if (cond == "on-failure")
        text = max.empty() ? "on-failure" : "on-failure:" + max;
      else if (cond == "none")
        text = "no";
      else
        fail(e.value, sub(p, "condition"), "expected none, on-failure or any, got '" + cond + "'");
      s.restart = {text,
                   runtime_parse(e.value, p, [&] { return runtime::parse_restart_policy(text); })};
    } else if (e.key == "update_config") {
      s.update_config = normalize_update_config(e.value, p);
    } else if (e.key == "mode") {
      std::string m = as_string(e.value, p);
      if (m != "replicated") ctx.diag.unsupported(e.key_loc, p);
    } else
      ctx.diag.unsupported(e.key_loc, p);
  }
}

Build normalize_build(const Node& n, const std::string& path, NormContext& ctx) {
  expect_map(n, path);
  Build b;
  b.context = ".";
  for (const auto& e : n.entries) {
    std::string p = sub(path, e.key);
    if (e.key == "context")
      b.context = as_string(e.value, p);
    else if (e.key == "dockerfile")
      b.dockerfile = as_string(e.value, p);
    else if (e.key == "dockerfile_inline")
      b.dockerfile_inline = as_string(e.value, p);
    else if (e.key == "args")
      for (auto& [k, v] : as_kv(e.value, p)) b.args[k] = v;
    else if (e.key == "target")
      b.target = as_string(e.value, p);
    else if (e.key == "labels")
      for (auto& [k, v] : as_kv(e.value, p)) b.labels[k] = v.value_or("");
    else if (e.key == "cache_from")
      b.cache_from = as_string_list(e.value, p);
    else if (e.key == "cache_to")
      b.cache_to = as_string_list(e.value, p);
    else if (e.key == "tags")
      b.tags = as_string_list(e.value, p);
    else if (e.key == "platforms")
      b.platforms = as_string_list(e.value, p);
    else if (e.key == "extra_hosts")
      b.extra_hosts = as_string_list(e.value, p);
    else if (e.key == "network")
      b.network = as_string(e.value, p);
    else if (e.key == "shm_size")
      b.shm_size = as_bytes(e.value, p);
    else if (e.key == "no_cache")
      b.no_cache = as_bool(e.value, p);
    else if (e.key == "pull")
      b.pull = as_bool(e.value, p);
    else
      ctx.diag.unsupported(e.key_loc, p);
  }
  if (!b.dockerfile.empty() && !b.dockerfile_inline.empty())
    fail(n, path, "dockerfile and dockerfile_inline are mutually exclusive");
  bool url = b.context.find("://") != std::string::npos || b.context.rfind("git@", 0) == 0;
  if (!url) b.context = host_path(b.context, ctx);
  if (b.dockerfile.empty() && b.dockerfile_inline.empty()) b.dockerfile = "Dockerfile";
  return b;
}

// A secret's or config's uid or gid: a number where the runtime writes the file
// (environment and content sources); a bind-mounted file keeps its own owner.
namespace {

Parsed<std::optional<std::uint32_t>> file_id(const Node& n, const std::string& path,
                                             const FileRef& r) {
  Parsed<std::optional<std::uint32_t>> id{as_string(n, path), {}};
  if (id.text.empty() || !r.file.empty() || !r.content) return id;
  std::uint32_t v = 0;
  const std::string& t = id.text;
  auto [end, ec] = std::from_chars(t.data(), t.data() + t.size(), v);
  if (ec != std::errc() || end != t.data() + t.size())
    fail(n, path, "expected a numeric id, got '" + t + "'");
  id.value = v;
  return id;
}

}  // namespace

void normalize_file_refs(const Node& n, const std::string& path, bool secrets, Service& s,
                         const Project& project) {
  if (n.is_null()) return;
  if (!n.is_seq()) fail(n, path, "expected a list, got " + kind_name(n));
  const auto& defs = secrets ? project.secrets : project.configs;
  const char* kind = secrets ? "secret" : "config";
  for (std::size_t i = 0; i < n.items.size(); ++i) {
    const Node& it = n.items[i];
    std::string p = idx(path, i);
    FileRef r;
    std::vector<std::pair<const Node*, std::string>> ids;  // uid, gid: read once resolved
    if (it.is_map()) {
      for (const auto& e : it.entries) {
        std::string ep = sub(p, e.key);
        if (e.key == "source")
          r.source = as_string(e.value, ep);
        else if (e.key == "target")
          r.target = as_string(e.value, ep);
        else if (e.key == "uid" || e.key == "gid")
          ids.emplace_back(&e.value, ep);
        else if (e.key == "mode")
          r.mode = as_mode(e.value, ep);
        else
          fail(e.key_loc, ep, "unknown key (expected source, target, uid, gid or mode)");
      }
      if (r.source.empty()) fail(it, p, "source: required");
    } else {
      r.source = as_string(it, p);
    }
    auto def = defs.find(r.source);
    if (def == defs.end())
      fail(
          it, p,
          std::string(kind) + " '" + r.source + "' is not declared in the top-level " + kind + "s");
    if (r.target.empty())
      r.target = secrets ? "/run/secrets/" + r.source : "/" + r.source;
    else if (r.target[0] != '/')
      r.target = secrets ? "/run/secrets/" + r.target : "/" + r.target;
    r.file = def->second.file;
    r.environment = def->second.environment;
    r.content = def->second.content;
    for (const auto& [node, ep] : ids)
      (ep.ends_with(".uid") ? r.uid : r.gid) = file_id(*node, ep, r);
    (secrets ? s.secrets : s.configs).push_back(r);
  }
}

namespace {

// One env_file entry: its file, whether it must exist, and how it reads.
struct EnvFileEntry {
  std::string file;
  bool required = true;
  bool raw = false;
};

EnvFileEntry env_file_entry(const Node& it, const std::string& path) {
  EnvFileEntry out;
  if (!it.is_map()) {
    out.file = as_string(it, path);
    return out;
  }
  for (const auto& e : it.entries) {
    std::string p = sub(path, e.key);
    if (e.key == "path") {
      out.file = as_string(e.value, p);
    } else if (e.key == "required") {
      out.required = as_bool(e.value, p);
    } else if (e.key == "format") {
      std::string f = as_string(e.value, p);
      if (f != "raw" && f != "dotenv" && !f.empty())
        fail(e.value, p, "expected dotenv or raw, got '" + f + "'");
      out.raw = f == "raw";
    } else {
      fail(e.key_loc, p, "unknown key (expected path, required or format)");
    }
  }
  if (out.file.empty()) fail(it, path, "path: required");
  return out;
}

// The env_file entries' variables, in order (later wins). A missing optional
// file is skipped; a missing required one is an error when the command uses
// the service (ctx.env_files_required), else it is noted in the service.
void read_env_files(const Node& env_file, const std::string& p, Service& s, NormContext& ctx,
                    std::map<std::string, std::string>& vars) {
  if (!env_file.is_seq()) fail(env_file, p, "expected a path or a list of paths");
  for (std::size_t i = 0; i < env_file.items.size(); ++i) {
    const Node& it = env_file.items[i];
    std::string ip = idx(p, i);
    EnvFileEntry entry = env_file_entry(it, ip);
    std::string abs = host_path(entry.file, ctx);
    std::string text;
    try {
      text = read_file(abs);
    } catch (const Error&) {
      if (!entry.required) continue;
      if (!ctx.env_files_required) {
        s.missing_env_files.push_back(located(it.loc, ip, "cannot read env file " + abs));
        continue;
      }
      fail(it, ip, "cannot read env file " + abs + " (set required: false to make it optional)");
    }
    s.env_files.push_back(abs);
    try {
      auto read =
          entry.raw ? parse_raw_env(text, abs, ctx.lookup) : parse_dotenv(text, abs, ctx.lookup);
      for (auto& [k, v] : read) vars[k] = v;
    } catch (const Error& e) {
      fail(it, ip, e.what());
    }
  }
}

}  // namespace

// env_file entries first (in file order), then environment; later wins. A
// variable without a value comes from the environment, or is left out.
void normalize_environment(const Node* env, const Node* env_file, const std::string& path,
                           Service& s, NormContext& ctx) {
  std::map<std::string, std::string> vars;
  if (env_file && !env_file->is_null())
    read_env_files(*env_file, sub(path, "env_file"), s, ctx, vars);
  if (env && !env->is_null()) {
    for (auto& [k, v] : as_kv(*env, sub(path, "environment"))) {
      if (v)
        vars[k] = *v;
      else if (auto from = ctx.lookup(k))
        vars[k] = *from;
      else
        vars.erase(k);
    }
  }
  // As -e K=V: the runtime's rules for the name.
  const Node* at = env && !env->is_null() ? env : env_file;
  std::string at_path = sub(path, at == env ? "environment" : "env_file");
  for (const auto& var : vars) {
    std::string entry = var.first + "=" + var.second;
    s.environment.push_back(*runtime_parse(
        *at, at_path, [&] { return runtime::parse_env_arg(entry, runtime::EnvLookup()); }));
  }
}

}  // namespace lit::reconciler::load
