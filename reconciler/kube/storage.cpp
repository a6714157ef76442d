// Named volumes as PersistentVolumeClaims (or a StatefulSet's claim
// templates), secrets and configs as Secrets and ConfigMaps, and each
// service's mounts of them.
#include <filesystem>
#include <set>

#include "reconciler/kube/parts.hpp"
#include "runtime/image/registry/credentials.hpp"
#include "runtime/util/error.hpp"
#include "runtime/util/fs.hpp"

namespace lit::reconciler::kube {

namespace {

constexpr const char* kDefaultSize = "1Gi";

// Who mounts a project volume: true when only StatefulSets (their claim templates).
bool only_stateful(const Context& ctx, const std::string& key) {
  bool used = false;
  for (const auto& [name, s] : ctx.project.services) {
    if (!mounts_volume(s, key)) continue;
    used = true;
    if (ctx.workloads.at(name) != Workload::StatefulSet) return false;
  }
  return used;
}

// How many pods mount a project volume (a service's replicas each).
int pods_mounting(const Context& ctx, const std::string& key) {
  int pods = 0;
  for (const auto& [name, s] : ctx.project.services)
    if (mounts_volume(s, key)) pods += ctx.workloads.at(name) == Workload::Job ? 1 : s.replicas;
  return pods;
}

// A claim's spec: size and class from x-lit-kubernetes, else the defaults (said in `comments`).
Json claim_spec(const Context& ctx, const std::string& key, std::vector<std::string>& comments) {
  Json x = ctx.extension("volumes", key);
  std::string size = x.value("size", ctx.extension().value("volume_size", ""));
  if (size.empty()) {
    size = kDefaultSize;
    comments.push_back(std::string("volume ") + key + ": " + kDefaultSize +
                       ", the default size (x-lit-kubernetes: {size: ...} on the volume sets it)");
  }
  Json spec = {{"accessModes", Json::array({x.value("access_mode", "ReadWriteOnce")})},
               {"resources", {{"requests", {{"storage", size}}}}}};
  if (x.contains("storage_class")) spec["storageClassName"] = x["storage_class"];
  return spec;
}

std::string content_of(const FileSource& f) {
  if (!f.file.empty()) return read_file(f.file);
  return f.content.value_or("");
}

bool valid_utf8(const std::string& s) {
  for (std::size_t i = 0; i < s.size();) {
    auto c = static_cast<unsigned char>(s[i]);
    std::size_t n = c < 0x80           ? 1
                    : (c >> 5) == 0x6  ? 2
                    : (c >> 4) == 0xE  ? 3
                    : (c >> 3) == 0x1E ? 4
                                       : 0;
    if (n == 0 || i + n > s.size()) return false;
    for (std::size_t k = 1; k < n; ++k)
      if ((static_cast<unsigned char>(s[i + k]) >> 6) != 0x2) return false;
    i += n;
  }
  return true;
}

// A ConfigMap or Secret data key: the definition's key where Kubernetes takes it.
std::string data_key(const std::string& key) {
  for (unsigned char c : key)
    if (!std::isalnum(c) && c != '-' && c != '_' && c != '.') return dns_label(key);
  return key;
}

void add_file_objects(Context& ctx, const std::map<std::string, FileSource>& defs, bool secret) {
  const char* section = secret ? "secrets" : "configs";
  const char* kind = secret ? "Secret" : "ConfigMap";
  for (const auto& [key, def] : defs) {
    std::string name = dns_label(key);
    if (def.external) {
      ctx.report(
          "", std::string(section) + "." + key + ".external", "external",
          std::string("the pods expect a ") + kind + " named \"" + name + "\" in the cluster",
          false);
      continue;
    }
    std::string content;
    try {
      content = content_of(def);
    } catch (Error& e) {
      throw e.context(std::string(section) + "." + key);
    }
    Json body = {{"metadata", ctx.metadata(name)}};
    if (secret) {
      body["type"] = "Opaque";
      body["data"] = {{data_key(key), image::base64_encode(content)}};
    } else if (valid_utf8(content)) {
      body["data"] = {{data_key(key), content}};
    } else {
      body["binaryData"] = {{data_key(key), image::base64_encode(content)}};
    }
    ctx.add(kind, "v1", name, body);
  }
}

// A secret's or config's file in the container: one key of its object, at the target.
void mount_file(Context& ctx, const Service& s, const FileRef& ref, bool secret, PodStorage& out) {
  const char* section = secret ? "secrets" : "configs";
  std::string object = dns_label(ref.source);
  std::string volume = std::string(secret ? "secret-" : "config-") + object;
  Json item = {{"key", data_key(ref.source)}, {"path", data_key(ref.source)}};
  if (ref.mode) item["mode"] = *ref.mode;
  bool have = false;
  for (const auto& v : out.volumes) have |= v["name"] == volume;
  if (!have) {
    Json source = secret ? Json{{"secretName", object}} : Json{{"name", object}};
    source["items"] = Json::array({item});
    out.volumes.push_back({{"name", volume}, {secret ? "secret" : "configMap", source}});
  }
  out.mounts.push_back({{"name", volume},
                        {"mountPath", ref.target},
                        {"subPath", data_key(ref.source)},
                        {"readOnly", true}});
  if (!ref.uid.text.empty() || !ref.gid.text.empty())
    ctx.report(s.name, section, "uid and gid of a mounted file",
               "the file belongs to root (set the pod's securityContext.fsGroup by hand)");
}

// A host path as the project's files would name it: relative to its directory.
std::string project_path(const Context& ctx, const std::string& path) {
  std::string rel =
      std::filesystem::path(path).lexically_relative(ctx.project.working_dir).string();
  if (rel.empty()) return path;
  return rel.starts_with("..") ? rel : "./" + rel;
}

}  // namespace

void add_storage_objects(Context& ctx) {
  for (const auto& [key, v] : ctx.project.volumes) {
    if (v.driver != "local" || !v.driver_opts.empty())
      ctx.report("", "volumes." + key + ".driver", "a volume driver and its options",
                 "a PersistentVolumeClaim of the cluster's default storage class");
    if (v.external) {
      ctx.report("", "volumes." + key + ".external", "external",
                 "the pods expect a PersistentVolumeClaim named \"" + ctx.volume_names.at(key) +
                     "\" in the cluster",
                 false);
      continue;
    }
    if (only_stateful(ctx, key)) continue;  // a claim template of its StatefulSet
    std::vector<std::string> comments;
    Json spec = claim_spec(ctx, key, comments);
    if (int pods = pods_mounting(ctx, key); pods > 1 && spec["accessModes"][0] == "ReadWriteOnce")
      ctx.report("", "volumes." + key,
                 "one volume for " + std::to_string(pods) +
                     " containers, which a ReadWriteOnce claim gives only pods on one node",
                 "one claim; x-lit-kubernetes: {access_mode: ReadWriteMany} on the volume where "
                 "the cluster's storage allows it");
    ctx.add("PersistentVolumeClaim", "v1", ctx.volume_names.at(key),
            {{"metadata", ctx.metadata(ctx.volume_names.at(key))}, {"spec", spec}}, comments);
  }
  add_file_objects(ctx, ctx.project.configs, false);
  add_file_objects(ctx, ctx.project.secrets, true);
}

PodStorage pod_storage(Context& ctx, const Service& s) {
  PodStorage out;
  bool stateful = ctx.workloads.at(s.name) == Workload::StatefulSet;
  std::set<std::string> named;
  for (std::size_t i = 0; i < s.volumes.size(); ++i) {
    const Mount& m = s.volumes[i];
    std::string key = "volumes[" + std::to_string(i) + "]";
    Json mount = {{"name", ""}, {"mountPath", m.target}};
    if (m.read_only) mount["readOnly"] = true;
    if (m.type == MountType::volume && !m.source.empty()) {
      std::string claim = ctx.volume_names.at(m.source);
      mount["name"] = claim;
      if (named.insert(claim).second) {
        if (stateful) {
          out.claim_templates.push_back(
              {{"metadata", {{"name", claim}}}, {"spec", claim_spec(ctx, m.source, out.comments)}});
        } else {
          out.volumes.push_back(
              {{"name", claim}, {"persistentVolumeClaim", {{"claimName", claim}}}});
        }
      }
    } else if (m.type == MountType::volume) {
      mount["name"] = "anonymous-" + std::to_string(i);
      out.volumes.push_back({{"name", mount["name"]}, {"emptyDir", Json::object()}});
    } else if (m.type == MountType::tmpfs) {
      mount["name"] = "tmpfs-" + std::to_string(i);
      Json dir = {{"medium", "Memory"}};
      if (m.tmpfs_size) dir["sizeLimit"] = memory_quantity(*m.tmpfs_size);
      out.volumes.push_back({{"name", mount["name"]}, {"emptyDir", dir}});
      if (m.tmpfs_mode) ctx.report(s.name, key, "a tmpfs mode", "the emptyDir's own mode (0777)");
    } else {
      if (m.type == MountType::bind)
        ctx.report(s.name, key,
                   "bind mount of " + project_path(ctx, m.source) + ", a path of this host",
                   "left out (put the files in the image, a ConfigMap or a volume)");
      else
        ctx.report(s.name, key, "an image mounted as a volume (" + m.source + ")",
                   "left out (copy its files into the service's image)");
      continue;
    }
    out.mounts.push_back(mount);
  }
  for (const auto& ref : s.configs) mount_file(ctx, s, ref, false, out);
  for (const auto& ref : s.secrets) mount_file(ctx, s, ref, true, out);
  return out;
}

}  // namespace lit::reconciler::kube
