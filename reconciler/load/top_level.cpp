// Top-level networks, volumes, secrets and configs, with compose's resource names.
#include "network/store.hpp"
#include "reconciler/load/normalize.hpp"
#include "reconciler/load/values.hpp"
#include "runtime/util/error.hpp"

namespace lit::reconciler::load {

namespace {

std::string resource_name(const std::string& project, const std::string& key,
                          const std::string& name, bool external) {
  if (!name.empty()) return name;
  return external ? key : project + "_" + key;
}

void string_map(const Node& n, const std::string& path, std::map<std::string, std::string>& out) {
  for (auto& [k, v] : as_kv(n, path)) out[k] = v.value_or("");
}

// The bridge driver's options lit applies (mtu), checked here so a bad value
// is an error at its line; others are warned about and dropped.
void network_driver_opts(const Node& n, const std::string& path, Network& net, NormContext& ctx) {
  for (auto& [k, v] : as_kv(n, path)) {
    const Node& value = n.find(k) ? *n.find(k) : n;  // the list form has no node per key
    if (k == "mtu" || k == "com.docker.network.driver.mtu") {
      network::NetworkCreate check;
      try {
        network::apply_driver_options(check, {{k, v.value_or("")}});
      } catch (const lit::Error&) {
        fail(value, sub(path, k), "expected an MTU from 68 to 65535, got '" + v.value_or("") + "'");
      }
      net.driver_opts[k] = v.value_or("");
    } else {
      ctx.diag.warn(value.loc, sub(path, k), "driver option not supported by lit, ignored");
    }
  }
}

Network network(const std::string& key, const Node& n, const std::string& path,
                const std::string& project, NormContext& ctx) {
  Network net;
  std::string name;
  if (!n.is_null()) expect_map(n, path);
  for (const auto& e : n.entries) {
    std::string p = sub(path, e.key);
    if (e.key == "driver")
      net.driver = as_string(e.value, p);
    else if (e.key == "driver_opts")
      network_driver_opts(e.value, p, net, ctx);
    else if (e.key == "internal")
      net.internal = as_bool(e.value, p);
    else if (e.key == "external")
      net.external = as_bool(e.value, p);
    else if (e.key == "attachable")
      net.attachable = as_bool(e.value, p);
    else if (e.key == "enable_ipv6")
      net.enable_ipv6 = as_bool(e.value, p);
    else if (e.key == "name")
      name = as_string(e.value, p);
    else if (e.key == "labels")
      string_map(e.value, p, net.labels);
    else if (e.key == "ipam") {
      expect_map(e.value, p);
      for (const auto& i : e.value.entries) {
        std::string ip = sub(p, i.key);
        if (i.key == "driver") {
          if (as_string(i.value, ip) != "default") ctx.diag.unsupported(i.value.loc, ip);
        } else if (i.key == "config") {
          if (!i.value.is_seq()) fail(i.value, ip, "expected a list, got " + kind_name(i.value));
          for (std::size_t c = 0; c < i.value.items.size(); ++c) {
            const Node& pool = i.value.items[c];
            std::string cp = idx(ip, c);
            expect_map(pool, cp);
            IpamPool ipam;
            for (const auto& pe : pool.entries) {
              if (pe.key == "subnet")
                ipam.subnet = as_string(pe.value, sub(cp, pe.key));
              else if (pe.key == "gateway")
                ipam.gateway = as_string(pe.value, sub(cp, pe.key));
              else if (pe.key == "ip_range")
                ipam.ip_range = as_string(pe.value, sub(cp, pe.key));
              else
                ctx.diag.unsupported(pe.key_loc, sub(cp, pe.key));
            }
            if (ipam.subnet.empty()) fail(pool, cp, "subnet: required");
            net.ipam.push_back(ipam);
          }
        } else
          ctx.diag.unsupported(i.key_loc, ip);
      }
    } else if (e.key.rfind("x-", 0) != 0)
      ctx.diag.unsupported(e.key_loc, p);
  }
  if (net.driver != "bridge")
    fail(*n.find("driver"), sub(path, "driver"),
         "driver '" + net.driver + "' is not supported by lit (only bridge)");
  net.name = resource_name(project, key, name, net.external);
  return net;
}

Volume volume(const std::string& key, const Node& n, const std::string& path,
              const std::string& project, NormContext& ctx) {
  Volume v;
  std::string name;
  if (!n.is_null()) expect_map(n, path);
  for (const auto& e : n.entries) {
    std::string p = sub(path, e.key);
    if (e.key == "driver")
      v.driver = as_string(e.value, p);
    else if (e.key == "driver_opts")
      string_map(e.value, p, v.driver_opts);
    else if (e.key == "external")
      v.external = as_bool(e.value, p);
    else if (e.key == "name")
      name = as_string(e.value, p);
    else if (e.key == "labels")
      string_map(e.value, p, v.labels);
    else if (e.key.rfind("x-", 0) != 0)
      ctx.diag.unsupported(e.key_loc, p);
  }
  if (v.driver != "local")
    fail(*n.find("driver"), sub(path, "driver"),
         "driver '" + v.driver + "' is not supported by lit (only local)");
  if (!v.driver_opts.empty())
    ctx.diag.warn(n.find("driver_opts")->loc, sub(path, "driver_opts"),
                  "not supported by lit, ignored");
  v.name = resource_name(project, key, name, v.external);
  return v;
}

FileSource file_source(const std::string& key, const Node& n, const std::string& path,
                       const std::string& project, bool config, NormContext& ctx) {
  FileSource f;
  std::string name;
  expect_map(n, path);
  for (const auto& e : n.entries) {
    std::string p = sub(path, e.key);
    if (e.key == "file")
      f.file = host_path(as_string(e.value, p), ctx);
    else if (e.key == "environment") {
      f.environment = as_string(e.value, p);
      auto v = ctx.lookup(f.environment);
      if (!v) fail(e.value, p, "variable " + f.environment + " is not set");
      f.content = *v;
    } else if (e.key == "content" && config)
      f.content = as_string(e.value, p);
    else if (e.key == "external")
      f.external = as_bool(e.value, p);
    else if (e.key == "name")
      name = as_string(e.value, p);
    else if (e.key.rfind("x-", 0) != 0)
      ctx.diag.unsupported(e.key_loc, p);
  }
  int sources = !f.file.empty() + !f.environment.empty() + (f.content && f.environment.empty());
  if (f.external) {
    ctx.diag.warn(n.loc, path, "external secrets and configs are not supported by lit");
  } else if (sources != 1) {
    fail(n, path,
         config ? "expected exactly one of file, environment or content"
                : "expected exactly one of file or environment");
  }
  f.name = resource_name(project, key, name, f.external);
  return f;
}

}  // namespace

void normalize_top_level(const Node& root, Project& project, NormContext& ctx) {
  auto each = [&](const char* section, auto&& fn) {
    const Node* n = root.find(section);
    if (!n || n->is_null()) return;
    expect_map(*n, section);
    for (const auto& e : n->entries) {
      if (e.key.rfind("x-", 0) == 0) continue;
      fn(e.key, e.value, std::string(section) + "." + e.key);
    }
  };
  if (const Node* o = root.find("optimize"))
    project.optimize = normalize_optimize(*o, "optimize", project.optimize);
  each("networks", [&](const std::string& k, const Node& v, const std::string& p) {
    project.networks[k] = network(k, v, p, project.name, ctx);
  });
  each("volumes", [&](const std::string& k, const Node& v, const std::string& p) {
    project.volumes[k] = volume(k, v, p, project.name, ctx);
  });
  each("secrets", [&](const std::string& k, const Node& v, const std::string& p) {
    project.secrets[k] = file_source(k, v, p, project.name, false, ctx);
  });
  each("configs", [&](const std::string& k, const Node& v, const std::string& p) {
    project.configs[k] = file_source(k, v, p, project.name, true, ctx);
  });
}

}  // namespace lit::reconciler::load
