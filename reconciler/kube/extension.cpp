// x-lit-kubernetes: what the project says about its conversion, at the top
// level, on a service and on a volume. A key or value the conversion does not
// know is an error placed in the files, as the loader's are.
#include <regex>
#include <set>

#include "reconciler/kube/parts.hpp"
#include "reconciler/load/diag.hpp"
#include "runtime/util/error.hpp"

namespace lit::reconciler::kube {

namespace {

constexpr const char* kKey = "x-lit-kubernetes";

struct Allowed {
  std::set<std::string> keys;
  std::map<std::string, std::set<std::string>> values;  // a key's values, where they are few
};

const Json* extension_at(const Json& extensions, const std::string& section,
                         const std::string& key) {
  const Json* at = &extensions;
  if (!section.empty()) {
    if (!at->contains(section) || !(*at)[section].contains(key)) return nullptr;
    at = &(*at)[section][key];
  }
  if (!at->is_object() || !at->contains(kKey)) return nullptr;
  return &(*at)[kKey];
}

// A Kubernetes quantity: digits (a fraction), then a binary or decimal suffix.
bool quantity(const std::string& text) {
  static const std::regex kQuantity(R"(^[0-9]+(\.[0-9]+)?(Ki|Mi|Gi|Ti|Pi|Ei|k|M|G|T|P|E)?$)");
  return std::regex_match(text, kQuantity);
}

void check(const Context& ctx, const Json& x, const std::string& path, const Allowed& allowed) {
  if (!x.is_object()) load::fail(ctx.places.of(path), path, "expected a mapping, got " + x.dump());
  for (const auto& [k, v] : x.items()) {
    std::string p = load::sub(path, k);
    if (!allowed.keys.contains(k)) {
      std::string known;
      for (const auto& a : allowed.keys) known += (known.empty() ? "" : ", ") + a;
      load::fail(ctx.places.of(p), p, "unknown key (known: " + known + ")");
    }
    if (!v.is_string()) load::fail(ctx.places.of(p), p, "expected a string, got " + v.dump());
    if ((k == "size" || k == "volume_size") && !quantity(v.get<std::string>()))
      load::fail(ctx.places.of(p), p,
                 "expected a storage size such as 5Gi or 500Mi, got " + v.dump());
    auto values = allowed.values.find(k);
    if (values != allowed.values.end() && !values->second.contains(v.get<std::string>())) {
      std::string known;
      for (const auto& a : values->second) known += (known.empty() ? "" : ", ") + a;
      load::fail(ctx.places.of(p), p, "expected one of " + known + ", got " + v.dump());
    }
  }
}

}  // namespace

Json Context::extension(const std::string& section, const std::string& key) const {
  const Json* x = extension_at(options.extensions, section, key);
  return x && x->is_object() ? *x : Json::object();
}

void check_extensions(const Context& ctx) {
  const Json& all = ctx.options.extensions;
  if (const Json* x = extension_at(all, "", ""))
    check(ctx, *x, kKey, {{"wait_image", "kubectl_image", "volume_size"}, {}});
  for (const auto& [name, _] : ctx.project.services)
    if (const Json* x = extension_at(all, "services", name))
      check(ctx, *x, load::sub(service_key(name, ""), kKey),
            {{"workload"}, {{"workload", {"Deployment", "StatefulSet", "Job"}}}});
  for (const auto& [name, _] : ctx.project.volumes)
    if (const Json* x = extension_at(all, "volumes", name))
      check(ctx, *x, "volumes." + name + "." + kKey,
            {{"size", "storage_class", "access_mode"},
             {{"access_mode",
               {"ReadWriteOnce", "ReadWriteMany", "ReadOnlyMany", "ReadWriteOncePod"}}}});
}

}  // namespace lit::reconciler::kube
