// devices: host device nodes given to the service's containers, short
// ("HOST[:CONTAINER][:PERMS]", read as --device reads it) or long syntax
// ({source, target, permissions}), or CDI devices ("VENDOR/CLASS=NAME", as a
// string or a long syntax's source, compose's form). The host node and the
// CDI spec files are looked up when a container is created, so a project
// loads on a machine without the device.
// device_cgroup_rules: docker's "TYPE MAJOR:MINOR ACCESS", allowed in the
// device cgroup beside the defaults.
#include "reconciler/load/normalize.hpp"
#include "reconciler/load/values.hpp"
#include "runtime/cdi/name.hpp"
#include "runtime/spec/devices.hpp"

namespace lit::reconciler::load {
namespace {

// The long syntax as the short one's text; a CDI name's source alone (its
// target, as compose writes it, the same name).
std::string long_syntax_text(const Node& n, const std::string& path) {
  std::string source, target, permissions = "rwm";
  for (const auto& e : n.entries) {
    std::string p = sub(path, e.key);
    if (e.key == "source")
      source = as_string(e.value, p);
    else if (e.key == "target")
      target = as_string(e.value, p);
    else if (e.key == "permissions")
      permissions = as_string(e.value, p);
    else
      fail(e.key_loc, p, "unknown key (use source, target and permissions)");
  }
  if (source.empty()) fail(n.loc, path, "source is required");
  if (runtime::cdi::is_device_name(source)) {
    if (!target.empty() && target != source)
      fail(n.loc, path, "a CDI device (" + source + ") takes no target");
    return source;
  }
  return source + ":" + (target.empty() ? source : target) + ":" + permissions;
}

}  // namespace

void normalize_devices(const Node& n, const std::string& path, Service& s) {
  s.devices.clear();
  s.cdi_devices.clear();
  if (n.is_null()) return;
  if (!n.is_seq()) fail(n.loc, path, "expected a list of HOST:CONTAINER[:PERMS]");
  for (std::size_t i = 0; i < n.items.size(); ++i) {
    const Node& item = n.items[i];
    std::string p = idx(path, i);
    std::string text = item.is_map() ? long_syntax_text(item, p) : as_string(item, p);
    if (runtime::cdi::is_device_name(text)) {
      runtime::cdi::DeviceName name =
          runtime_parse(item, p, [&] { return runtime::cdi::parse_device_name(text, "devices"); });
      for (const auto& other : s.cdi_devices)
        if (other.value == name) fail(item.loc, p, text + " is given twice");
      s.cdi_devices.push_back({name.text(), name});
      continue;
    }
    runtime::DeviceRequest d =
        runtime_parse(item, p, [&] { return runtime::parse_device(text, "devices"); });
    for (const auto& other : s.devices)
      if (other.value.container_path == d.container_path)
        fail(item.loc, p, d.container_path + " is given twice");
    s.devices.push_back(
        {d.host_path + ":" + d.container_path + ":" + cgroups::device_access_text(d.access), d});
  }
}

void normalize_device_cgroup_rules(const Node& n, const std::string& path, Service& s) {
  s.device_cgroup_rules.clear();
  if (n.is_null()) return;
  if (!n.is_seq()) fail(n.loc, path, "expected a list of rules such as \"c 1:3 rwm\"");
  for (std::size_t i = 0; i < n.items.size(); ++i) {
    const Node& item = n.items[i];
    std::string p = idx(path, i);
    std::string text = as_string(item, p);
    cgroups::DeviceRule rule = runtime_parse(
        item, p, [&] { return runtime::parse_device_cgroup_rule(text, "device_cgroup_rules"); });
    s.device_cgroup_rules.push_back({cgroups::v1_device_rule(rule), rule});
  }
}

}  // namespace lit::reconciler::load
