// The project as compose prints it: name, services, then the top-level
// networks, volumes, secrets and configs (compose-go's Project order), x-* last.
#include "reconciler/compose_out.hpp"

#include <cstdio>

#include "reconciler/compose_out_parts.hpp"

namespace lit::reconciler {

namespace compose_out {

void put_str(ojson& j, const char* key, const std::string& value) {
  if (!value.empty()) j[key] = value;
}

void put_list(ojson& j, const char* key, const std::vector<std::string>& value) {
  if (!value.empty()) j[key] = value;
}

void put_map(ojson& j, const char* key, const std::map<std::string, std::string>& value) {
  if (value.empty()) return;
  ojson m = ojson::object();
  for (const auto& [k, v] : value) m[k] = v;
  j[key] = m;
}

std::string host_path(const std::string& path, const Project& p, const ComposeOutOptions& o) {
  if (o.resolve_paths || p.working_dir.empty() || path.empty() || path[0] != '/') return path;
  if (path == p.working_dir) return ".";
  std::string prefix = p.working_dir == "/" ? "/" : p.working_dir + "/";
  if (path.starts_with(prefix)) return "./" + path.substr(prefix.size());
  return path;
}

std::string octal_mode(std::uint32_t mode) {
  char buf[16];
  std::snprintf(buf, sizeof buf, "0%o", mode);
  return buf;
}

bool wrote(const ComposeOutOptions& o, const char* section, const std::string& name,
           const char* key) {
  const ojson& w = o.written;
  return w.is_object() && w.contains(section) && w[section].is_object() &&
         w[section].contains(name) && w[section][name].is_object() &&
         w[section][name].contains(key);
}

ojson environment_map(const std::vector<std::string>& entries) {
  ojson j = ojson::object();
  for (const auto& e : entries) {
    std::size_t eq = e.find('=');
    if (eq == std::string::npos)
      j[e] = nullptr;
    else
      j[e.substr(0, eq)] = e.substr(eq + 1);
  }
  return j;
}

}  // namespace compose_out

namespace {

using ojson = nlohmann::ordered_json;
using namespace compose_out;

// The name compose gives a resource from its key (normalization adds it).
bool derived_name(const std::string& name, const std::string& key, bool external,
                  const Project& p) {
  return name == (external ? key : p.name + "_" + key);
}

void put_name(ojson& j, const std::string& name, const std::string& key, bool external,
              const Project& p, const ComposeOutOptions& o) {
  if (o.normalize || !derived_name(name, key, external, p)) put_str(j, "name", name);
}

ojson network_of(const std::string& key, const Network& n, const Project& p,
                 const ComposeOutOptions& o) {
  ojson j = ojson::object();
  put_name(j, n.name, key, n.external, p, o);
  if (n.driver != "bridge" || wrote(o, "networks", key, "driver")) put_str(j, "driver", n.driver);
  put_map(j, "driver_opts", n.driver_opts);
  if (!n.ipam.empty()) {
    ojson pools = ojson::array();
    for (const auto& pool : n.ipam) {
      ojson e = ojson::object();
      put_str(e, "subnet", pool.subnet);
      put_str(e, "gateway", pool.gateway);
      put_str(e, "ip_range", pool.ip_range);
      pools.push_back(e);
    }
    j["ipam"] = {{"config", pools}};
  }
  if (n.external) j["external"] = true;
  if (n.internal) j["internal"] = true;
  if (n.attachable) j["attachable"] = true;
  put_map(j, "labels", n.labels);
  if (n.enable_ipv6) j["enable_ipv6"] = true;
  return j;
}

ojson volume_of(const std::string& key, const Volume& v, const Project& p,
                const ComposeOutOptions& o) {
  ojson j = ojson::object();
  put_name(j, v.name, key, v.external, p, o);
  if (v.driver != "local" || wrote(o, "volumes", key, "driver")) put_str(j, "driver", v.driver);
  put_map(j, "driver_opts", v.driver_opts);
  if (v.external) j["external"] = true;
  put_map(j, "labels", v.labels);
  return j;
}

// A secret's value (from the environment) is never printed; a config's inline
// content is, as compose does.
ojson file_source_of(const std::string& key, const FileSource& f, bool config, const Project& p,
                     const ComposeOutOptions& o) {
  ojson j = ojson::object();
  put_name(j, f.name, key, f.external, p, o);
  put_str(j, "file", host_path(f.file, p, o));
  put_str(j, "environment", f.environment);
  if (config && f.content && f.environment.empty()) j["content"] = *f.content;
  if (f.external) j["external"] = true;
  return j;
}

// The x-* keys the user wrote under a top-level resource.
void add_extensions(ojson& j, const ComposeOutOptions& o, const char* section,
                    const std::string& key) {
  if (o.extensions.contains(section) && o.extensions[section].contains(key))
    for (const auto& [k, v] : o.extensions[section][key].items()) j[k] = v;
}

template <class M, class F>
void put_section(ojson& out, const ComposeOutOptions& o, const char* section, const M& items,
                 F of) {
  if (items.empty()) return;
  ojson j = ojson::object();
  for (const auto& [key, item] : items) {
    j[key] = of(key, item);
    add_extensions(j[key], o, section, key);
  }
  out[section] = j;
}

// The implicit default network, as written before normalization: nothing.
bool implicit_default(const Project& p, const ComposeOutOptions& o, const std::string& key,
                      const Network& n) {
  Network plain;
  plain.name = p.name + "_default";
  return key == "default" && n == plain &&
         !(o.extensions.contains("networks") && o.extensions["networks"].contains("default"));
}

}  // namespace

ojson compose_tree(const Project& p, const ComposeOutOptions& o) {
  ojson out = {{"name", p.name}};
  ojson services = ojson::object();
  for (const auto& [name, s] : p.services) services[name] = compose_service(p, s, o);
  out["services"] = services;
  std::map<std::string, Network> networks = p.networks;
  if (!o.normalize)
    std::erase_if(networks,
                  [&](const auto& kv) { return implicit_default(p, o, kv.first, kv.second); });
  put_section(out, o, "networks", networks,
              [&](const std::string& k, const Network& n) { return network_of(k, n, p, o); });
  put_section(out, o, "volumes", p.volumes,
              [&](const std::string& k, const Volume& v) { return volume_of(k, v, p, o); });
  put_section(out, o, "secrets", p.secrets, [&](const std::string& k, const FileSource& f) {
    return file_source_of(k, f, false, p, o);
  });
  put_section(out, o, "configs", p.configs, [&](const std::string& k, const FileSource& f) {
    return file_source_of(k, f, true, p, o);
  });
  for (const auto& [k, v] : o.extensions.items())
    if (k.starts_with("x-")) out[k] = v;
  escape_dollars(out);
  return out;
}

std::string compose_json_text(const ojson& tree) {
  std::map<std::string, const ojson*> sorted;
  for (const auto& [k, v] : tree.items()) sorted[k] = &v;
  ojson out = ojson::object();
  for (const auto& [k, v] : sorted) out[k] = *v;
  return out.dump(2) + "\n";
}

std::string go_duration(std::int64_t ns) {
  if (ns == 0) return "0s";
  std::string sign = ns < 0 ? "-" : "";
  auto u = static_cast<std::uint64_t>(ns < 0 ? -ns : ns);
  // Under a second: one unit, with a fraction ("1.5ms", "500µs").
  auto fraction = [](std::uint64_t v, std::uint64_t unit) {
    std::string s = std::to_string(v / unit);
    std::string frac = std::to_string(unit + v % unit).substr(1);
    while (!frac.empty() && frac.back() == '0') frac.pop_back();
    return frac.empty() ? s : s + "." + frac;
  };
  if (u < 1000) return sign + std::to_string(u) + "ns";
  if (u < 1000000) return sign + fraction(u, 1000) + "\u00b5s";
  if (u < 1000000000) return sign + fraction(u, 1000000) + "ms";
  std::uint64_t hours = u / 3600000000000ULL;
  std::uint64_t minutes = u / 60000000000ULL % 60;
  std::string secs = fraction(u % 60000000000ULL, 1000000000ULL) + "s";
  if (hours > 0) return sign + std::to_string(hours) + "h" + std::to_string(minutes) + "m" + secs;
  if (minutes > 0) return sign + std::to_string(minutes) + "m" + secs;
  return sign + secs;
}

void escape_dollars(ojson& j) {
  auto esc = [](const std::string& s) {
    std::string out;
    for (char c : s) {
      out += c;
      if (c == '$') out += '$';
    }
    return out;
  };
  if (j.is_string()) {
    j = esc(j.get<std::string>());
  } else if (j.is_array()) {
    for (auto& v : j) escape_dollars(v);
  } else if (j.is_object()) {
    ojson copy = ojson::object();
    for (auto& [k, v] : j.items()) {
      ojson value = v;
      escape_dollars(value);
      copy[esc(k)] = value;
    }
    j = copy;
  }
}

}  // namespace lit::reconciler
