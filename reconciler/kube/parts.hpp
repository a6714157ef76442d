#pragma once
// What the steps of the Kubernetes conversion share (reconciler/kube/*.cpp):
// the conversion in progress, names, metadata and quantities.
#include <cstdint>
#include <map>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <vector>

#include "reconciler/kube/convert.hpp"

namespace lit::reconciler::kube {

using Json = nlohmann::ordered_json;

// The workload a service becomes.
enum class Workload { Deployment, StatefulSet, Job };

struct Context {
  const Project& project;
  const SourcePlaces& places;
  const Options& options;
  std::vector<Manifest> manifests;
  std::vector<Finding> findings;
  std::map<std::string, std::string> names;         // service -> its objects' name (DNS-1123)
  std::map<std::string, Workload> workloads;        // service -> what it becomes
  std::map<std::string, std::string> volume_names;  // project volume key -> claim name

  // A finding on the key `key` (a path under the service, "" = the service itself).
  void report(const std::string& service, const std::string& key, std::string reason,
              std::string instead, bool loss = true);
  // metadata: name, namespace, the project's labels (and the service's).
  Json metadata(const std::string& name, const std::string& service = "") const;
  // The labels that select a service's pods.
  Json selector(const std::string& service) const;
  // x-lit-kubernetes of the project (section ""), of a service ("services")
  // or of a volume ("volumes"): an object, empty when not given.
  Json extension(const std::string& section = "", const std::string& key = "") const;
  void add(std::string kind, const std::string& api_version, const std::string& name, Json body,
           std::vector<std::string> comments = {});
};

// Whether the service mounts the project volume `key`.
inline bool mounts_volume(const Service& s, const std::string& key) {
  for (const auto& m : s.volumes)
    if (m.type == MountType::volume && m.source == key) return true;
  return false;
}

// "services.<name>" or "services.<name>.<key>".
std::string service_key(const std::string& service, const std::string& key);

// Kubernetes quantities: bytes as "32Mi" (or a plain count), CPUs as "500m" or "2".
std::string memory_quantity(std::int64_t bytes);
std::string cpu_quantity(double cpus);
// Whole seconds, rounded up, at least `min`.
std::int64_t seconds(std::int64_t nanoseconds, std::int64_t min = 1);
// A command or value as written, with `$(` and `$$` escaped: Kubernetes
// expands $(VAR) in command, args and env values, compose does not.
std::string literal(const std::string& text);

// Steps, each in its own file.
void check_extensions(const Context& ctx);  // extension.cpp: throws, placed, on a bad key
void add_storage_objects(Context& ctx);     // storage.cpp: PVCs, ConfigMaps, Secrets
void add_services(Context& ctx);            // service.cpp
void add_workloads(Context& ctx);           // workload.cpp
void report_untranslated(Context& ctx, const Service& s);  // report.cpp

// storage.cpp: a pod's volumes and the container's mounts for a service.
struct PodStorage {
  Json volumes = Json::array();
  Json mounts = Json::array();
  Json claim_templates = Json::array();  // a StatefulSet's
  std::vector<std::string> comments;     // the templates' default sizes
};
PodStorage pod_storage(Context& ctx, const Service& s);

// probes.cpp: readiness, liveness (and startup, with a start period) from the
// healthcheck; resources from the limits.
void add_probes(Context& ctx, const Service& s, Json& container);
Json resources(Context& ctx, const Service& s);

// service.cpp: the port a dependant waits on (the service's first), nullopt
// when it has none (its Service is headless).
std::optional<std::uint16_t> wait_port(const Service& s);
// The container's ports: [{containerPort, protocol}], each once.
Json container_ports_json(const Service& s);
bool has_service(const Project& project, const Service& s);

}  // namespace lit::reconciler::kube
