#pragma once
// `lit convert kubernetes`: a Project as Kubernetes manifests, a pure
// translation (no cluster, no kernel): a Deployment or StatefulSet per
// service (a Job for a service others wait to complete), a Service per
// service that is reached by name, PersistentVolumeClaims, ConfigMaps and
// Secrets, probes, resources, the security context and the start order. What
// cannot be carried over faithfully is a Finding, placed in the files.
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "reconciler/load/load.hpp"
#include "reconciler/model.hpp"

namespace lit::reconciler::kube {

enum class ServiceType { ClusterIP, NodePort, LoadBalancer };

struct Options {
  std::string namespace_name;  // "": no Namespace object, no metadata.namespace
  ServiceType service_type = ServiceType::ClusterIP;  // of the services that publish ports
  // load_raw's x-* keys; `x-lit-kubernetes` at the top level (wait_image,
  // kubectl_image, volume_size), on a service (workload) and on a volume
  // (size, storage_class, access_mode).
  nlohmann::ordered_json extensions = nlohmann::ordered_json::object();
};

// One generated object.
struct Manifest {
  std::string kind, name;
  nlohmann::ordered_json object;
  std::vector<std::string> comments;  // printed as "# ..." lines before the object
};

// A key of the project that is not carried over as written.
struct Finding {
  std::string service;  // "" = a top-level key
  std::string key;      // key path in the files: "services.web.privileged"
  std::string reason;   // why it cannot be translated
  std::string instead;  // what the output does instead
  bool loss = true;     // false: a faithful change worth telling (a renamed object)
  load::Loc place;      // where the key was written (none: not written)
  // "lit.yml:7:5: services.web.privileged: not translated: REASON; INSTEAD"
  std::string text() const;
};

struct Conversion {
  std::vector<Manifest> manifests;  // in output order: by kind, then by name
  std::vector<Finding> findings;    // by service, then key
};

// A name as a DNS-1123 label: lowercase, [a-z0-9-], at most 63 characters.
std::string dns_label(const std::string& name);

// Reads secret and config files (throws lit::Error naming one it cannot read).
Conversion convert(const Project& project, const SourcePlaces& places, const Options& options);

// Every manifest as one multi-document YAML stream.
std::string to_stream(const Conversion& conversion);
// One manifest as a YAML document (its comments first).
std::string to_document(const Manifest& manifest);
// "<kind>-<name>.yaml", lowercase: the manifest's file in `-o DIR`.
std::string file_name(const Manifest& manifest);

}  // namespace lit::reconciler::kube
