#pragma once
// From the merged, interpolated tree to the model: one function per key family.
// Each reads one node, checks it and throws located errors; unsupported keys
// become warnings through Diag.
#include <string>
#include <vector>

#include "reconciler/load/diag.hpp"
#include "reconciler/load/interpolate.hpp"
#include "reconciler/load/tree.hpp"
#include "reconciler/model.hpp"
#include "runtime/spec/namespaces.hpp"

namespace lit::reconciler::load {

struct NormContext {
  Diag& diag;
  std::string project_dir;  // absolute; relative paths resolve against it
  Lookup lookup;            // process environment over .env
  // Whether the service being normalized must have its env_file entries: a
  // command reads only the env files of the services it uses, as compose does.
  bool env_files_required = true;
};

// Top-level networks, volumes, secrets, configs (project.name must be set).
void normalize_top_level(const Node& root, Project& project, NormContext& ctx);

// One service; references to networks, volumes, secrets and configs are checked
// against `project` (its top-level definitions are already normalized).
Service normalize_service(const std::string& name, const Node& node, const Project& project,
                          NormContext& ctx);

// Key families of a service (service_*.cpp).
void normalize_ports(const Node& n, const std::string& path, Service& s, Diag& diag);
void normalize_expose(const Node& n, const std::string& path, Service& s);
void normalize_volumes(const Node& n, const std::string& path, Service& s, const Project& project,
                       NormContext& ctx);
void normalize_tmpfs(const Node& n, const std::string& path, Service& s);
Healthcheck normalize_healthcheck(const Node& n, const std::string& path, NormContext& ctx);
void normalize_depends_on(const Node& n, const std::string& path, Service& s);
void normalize_networks(const Node& n, const std::string& path, Service& s, const Project& project);
// mac_address and interface_name (service_interfaces.cpp): one value, as the
// runtime reads it (the MAC is kept as written); then the service's networks
// together (the service's MAC agrees with its primary network's, no
// interface name twice).
std::string as_mac_address(const Node& n, const std::string& path);
std::string as_interface_name(const Node& n, const std::string& path);
void check_interfaces(const Node& service, const std::string& path, const Service& s);
void normalize_deploy(const Node& n, const std::string& path, Service& s, NormContext& ctx);
// deploy.update_config (service_update.cpp).
UpdateConfig normalize_update_config(const Node& n, const std::string& path);
// optimize: on a service or at the top level; keys not given keep `base`'s values.
Optimize normalize_optimize(const Node& n, const std::string& path, Optimize base);
Build normalize_build(const Node& n, const std::string& path, NormContext& ctx);
void normalize_file_refs(const Node& n, const std::string& path, bool secrets, Service& s,
                         const Project& project);
// post_start, pre_stop.
std::vector<ServiceHook> normalize_hooks(const Node& n, const std::string& path, NormContext& ctx);
// develop: its watch rules (service_develop.cpp).
void normalize_develop(const Node& n, const std::string& path, Service& s, NormContext& ctx);
// pid, ipc, uts: host, service:NAME, container:NAME... (service_namespaces.cpp).
Parsed<NamespaceSetting> normalize_namespace(const Node& n, const std::string& path,
                                             runtime::NamespaceKind kind);
std::vector<VolumesFromRef> normalize_volumes_from(const Node& n, const std::string& path);
// devices: HOST[:CONTAINER][:PERMS] or {source, target, permissions} (service_devices.cpp).
void normalize_devices(const Node& n, const std::string& path, Service& s);
// device_cgroup_rules: "TYPE MAJOR:MINOR ACCESS" (service_devices.cpp).
void normalize_device_cgroup_rules(const Node& n, const std::string& path, Service& s);
void normalize_environment(const Node* env, const Node* env_file, const std::string& path,
                           Service& s, NormContext& ctx);

// Host paths: "~" expanded from HOME, relative paths made absolute against the
// project dir, "." and ".." folded.
std::string host_path(const std::string& p, NormContext& ctx);

}  // namespace lit::reconciler::load
