// The conversion's frame: names, metadata, quantities, the order of the
// objects and how they are printed. The objects themselves: storage.cpp,
// service.cpp, workload.cpp, probes.cpp; what is lost: report.cpp.
#include "reconciler/kube/convert.hpp"

#include <algorithm>
#include <cctype>
#include <cmath>
#include <map>

#include "reconciler/kube/parts.hpp"
#include "reconciler/labels.hpp"
#include "reconciler/load/diag.hpp"
#include "reconciler/yaml_out.hpp"

namespace lit::reconciler::kube {

namespace {

// Output order of the kinds: what others refer to first.
int kind_rank(const std::string& kind) {
  static const char* const kOrder[] = {
      "Namespace", "ServiceAccount",        "Role",    "RoleBinding", "ConfigMap",
      "Secret",    "PersistentVolumeClaim", "Service", "Deployment",  "Job"};
  if (kind == "StatefulSet") return kind_rank("Deployment");  // the workloads by name
  for (int i = 0; i < static_cast<int>(std::size(kOrder)); ++i)
    if (kind == kOrder[i]) return i;
  return static_cast<int>(std::size(kOrder));
}

Workload workload_of(const Context& ctx, const Service& s) {
  std::string asked = ctx.extension("services", s.name).value("workload", "");
  if (asked == "Job") return Workload::Job;
  if (asked == "StatefulSet") return Workload::StatefulSet;
  if (asked == "Deployment") return Workload::Deployment;
  for (const auto& [_, other] : ctx.project.services)
    for (const auto& [dep, d] : other.depends_on)
      if (dep == s.name && d.condition == DependCondition::service_completed_successfully)
        return Workload::Job;
  // Named volumes of its own and one replica: stable storage that follows the pod.
  if (s.replicas != 1) return Workload::Deployment;
  bool named = false;
  for (const auto& m : s.volumes) {
    if (m.type != MountType::volume || m.source.empty()) continue;
    if (ctx.project.volumes.at(m.source).external) return Workload::Deployment;
    for (const auto& [name, other] : ctx.project.services)
      if (name != s.name && mounts_volume(other, m.source))
        return Workload::Deployment;  // shared with another service: one claim for both
    named = true;
  }
  return named ? Workload::StatefulSet : Workload::Deployment;
}

void name_services(Context& ctx) {
  for (const auto& [name, s] : ctx.project.services) {
    std::string dns = dns_label(name);
    ctx.names[name] = dns;
    if (dns != name)
      ctx.report(name, "", "\"" + name + "\" is not a DNS-1123 label",
                 "its objects are named \"" + dns + "\"", false);
    ctx.workloads[name] = workload_of(ctx, s);
  }
  for (const auto& [key, v] : ctx.project.volumes)
    ctx.volume_names[key] = dns_label(v.external ? v.name : key);
}

}  // namespace

std::string service_key(const std::string& service, const std::string& key) {
  std::string path = load::sub("services", service);
  return key.empty() ? path : load::sub(path, key);
}

void Context::report(const std::string& service, const std::string& key, std::string reason,
                     std::string instead, bool loss) {
  Finding f;
  f.service = service;
  f.key = service.empty() ? key : service_key(service, key);
  f.reason = std::move(reason);
  f.instead = std::move(instead);
  f.loss = loss;
  f.place = places.of(f.key);
  findings.push_back(std::move(f));
}

Json Context::metadata(const std::string& name, const std::string& service) const {
  Json m = {{"name", name}};
  if (!options.namespace_name.empty()) m["namespace"] = options.namespace_name;
  std::map<std::string, std::string> labels = {{"app.kubernetes.io/managed-by", "lit"},
                                               {"app.kubernetes.io/part-of", project.name},
                                               {kProjectLabel, project.name}};
  if (!service.empty()) {
    labels["app.kubernetes.io/name"] = names.at(service);
    labels[kServiceLabel] = service;
  }
  m["labels"] = labels;  // sorted
  return m;
}

Json Context::selector(const std::string& service) const {
  return {{kProjectLabel, project.name}, {kServiceLabel, service}};
}

void Context::add(std::string kind, const std::string& api_version, const std::string& name,
                  Json body, std::vector<std::string> comments) {
  Json object = {{"apiVersion", api_version}, {"kind", kind}, {"metadata", body["metadata"]}};
  for (auto& [k, v] : body.items())
    if (k != "metadata") object[k] = v;
  manifests.push_back({std::move(kind), name, std::move(object), std::move(comments)});
}

std::string dns_label(const std::string& name) {
  std::string out;
  for (unsigned char c : name) {
    c = static_cast<unsigned char>(std::tolower(c));
    out += std::isalnum(c) && c < 0x80 ? static_cast<char>(c) : '-';
  }
  if (out.size() > 63) out.resize(63);
  while (!out.empty() && out.back() == '-') out.pop_back();
  while (!out.empty() && out.front() == '-') out.erase(0, 1);
  return out.empty() ? "unnamed" : out;
}

std::string memory_quantity(std::int64_t bytes) {
  static const std::pair<std::int64_t, const char*> kUnits[] = {
      {1LL << 40, "Ti"}, {1LL << 30, "Gi"}, {1LL << 20, "Mi"}, {1LL << 10, "Ki"}};
  for (const auto& [size, suffix] : kUnits)
    if (bytes >= size && bytes % size == 0) return std::to_string(bytes / size) + suffix;
  return std::to_string(bytes);
}

std::string cpu_quantity(double cpus) {
  auto milli = static_cast<std::int64_t>(std::llround(cpus * 1000));
  if (milli < 1) milli = 1;
  return milli % 1000 == 0 ? std::to_string(milli / 1000) : std::to_string(milli) + "m";
}

std::int64_t seconds(std::int64_t nanoseconds, std::int64_t min) {
  std::int64_t s = (nanoseconds + 999'999'999) / 1'000'000'000;
  return std::max(s, min);
}

std::string literal(const std::string& text) {
  std::string out;
  for (std::size_t i = 0; i < text.size(); ++i) {
    out += text[i];
    if (text[i] == '$' && i + 1 < text.size() && (text[i + 1] == '$' || text[i + 1] == '('))
      out += '$';
  }
  return out;
}

std::string Finding::text() const {
  std::string what = loss ? "not translated: " + reason + "; " + instead : reason + ": " + instead;
  return load::located(place, key, what);
}

Conversion convert(const Project& project, const SourcePlaces& places, const Options& options) {
  Context ctx{project, places, options, {}, {}, {}, {}, {}};
  check_extensions(ctx);
  name_services(ctx);
  if (!options.namespace_name.empty()) {
    Json ns = {{"metadata", ctx.metadata(options.namespace_name)}};
    ns["metadata"].erase("namespace");
    ctx.add("Namespace", "v1", options.namespace_name, ns);
  }
  add_storage_objects(ctx);
  add_services(ctx);
  add_workloads(ctx);
  for (const auto& [_, s] : project.services) report_untranslated(ctx, s);

  Conversion out;
  out.manifests = std::move(ctx.manifests);
  std::stable_sort(out.manifests.begin(), out.manifests.end(),
                   [](const Manifest& a, const Manifest& b) {
                     int ra = kind_rank(a.kind), rb = kind_rank(b.kind);
                     return ra != rb ? ra < rb : a.name < b.name;
                   });
  out.findings = std::move(ctx.findings);
  std::stable_sort(out.findings.begin(), out.findings.end(),
                   [](const Finding& a, const Finding& b) {
                     return a.service != b.service ? a.service < b.service : a.key < b.key;
                   });
  return out;
}

std::string to_document(const Manifest& manifest) {
  std::string out;
  for (const auto& c : manifest.comments) out += "# " + c + "\n";
  return out + to_yaml(manifest.object);
}

std::string to_stream(const Conversion& conversion) {
  std::string out;
  for (const auto& m : conversion.manifests) out += "---\n" + to_document(m);
  return out;
}

std::string file_name(const Manifest& manifest) {
  std::string kind = manifest.kind;
  std::transform(kind.begin(), kind.end(), kind.begin(),
                 [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  return kind + "-" + manifest.name + ".yaml";
}

}  // namespace lit::reconciler::kube
