#include "runtime/image/config.hpp"

#include <sys/utsname.h>

#include <ctime>

#include "runtime/image/digest.hpp"
#include "runtime/util/error.hpp"

namespace lit::image {
namespace {

std::vector<std::string> string_list(const nlohmann::json& j) {
  std::vector<std::string> out;
  if (j.is_array()) {
    for (const auto& v : j) {
      if (v.is_string()) out.push_back(v.get<std::string>());
    }
  } else if (j.is_string()) {  // docker accepts a bare string for Cmd/Entrypoint in some writers
    out.push_back(j.get<std::string>());
  }
  return out;
}

std::string string_at(const nlohmann::json& j, const char* key) {
  auto it = j.find(key);
  return it != j.end() && it->is_string() ? it->get<std::string>() : std::string();
}

}  // namespace

nlohmann::json parse_config_blob(std::string_view blob, std::string_view what) {
  nlohmann::json j = nlohmann::json::parse(blob, nullptr, false);
  if (j.is_discarded() || !j.is_object())
    throw Error("invalid image config", std::string(what) + ": not a JSON object");
  return j;
}

std::vector<std::string> config_diff_ids(const nlohmann::json& config, std::string_view what) {
  auto rootfs = config.find("rootfs");
  if (rootfs == config.end() || !rootfs->is_object() || !rootfs->contains("diff_ids") ||
      !(*rootfs)["diff_ids"].is_array()) {
    throw Error("invalid image config", std::string(what) + ": missing rootfs.diff_ids");
  }
  std::vector<std::string> ids;
  for (const auto& d : (*rootfs)["diff_ids"]) {
    std::string s = d.is_string() ? d.get<std::string>() : "";
    digest_hex(s, std::string(what) + " rootfs.diff_ids");
    ids.push_back(s);
  }
  return ids;
}

void fill_from_config(Image& image, const nlohmann::json& j) {
  image.created = string_at(j, "created");
  image.architecture = string_at(j, "architecture");
  image.os = string_at(j, "os");
  auto c = j.find("config");
  if (c == j.end() || !c->is_object()) c = j.find("container_config");  // very old docker
  if (c == j.end() || !c->is_object()) return;
  const nlohmann::json& cfg = *c;
  ImageConfig& out = image.config;
  if (cfg.contains("Entrypoint")) out.entrypoint = string_list(cfg["Entrypoint"]);
  if (cfg.contains("Cmd")) out.cmd = string_list(cfg["Cmd"]);
  if (cfg.contains("Env")) out.env = string_list(cfg["Env"]);
  out.working_dir = string_at(cfg, "WorkingDir");
  out.user = string_at(cfg, "User");
  out.stop_signal = string_at(cfg, "StopSignal");
  if (auto l = cfg.find("Labels"); l != cfg.end() && l->is_object()) {
    for (const auto& [k, v] : l->items()) {
      if (v.is_string()) out.labels[k] = v.get<std::string>();
    }
  }
  if (auto p = cfg.find("ExposedPorts"); p != cfg.end() && p->is_object()) {
    for (const auto& [k, v] : p->items()) out.exposed_ports.push_back(k);
  }
  if (auto h = cfg.find("Healthcheck"); h != cfg.end() && h->is_object()) out.healthcheck = *h;
}

std::string host_architecture() {
  utsname u{};
  ::uname(&u);
  std::string m = u.machine;
  if (m == "x86_64") return "amd64";
  if (m == "aarch64") return "arm64";
  if (m.starts_with("armv7")) return "arm";
  if (m == "i686" || m == "i386") return "386";
  return m;
}

std::string now_rfc3339() {
  std::time_t now = std::time(nullptr);
  std::tm tm{};
  ::gmtime_r(&now, &tm);
  char buf[32];
  std::strftime(buf, sizeof buf, "%Y-%m-%dT%H:%M:%SZ", &tm);
  return buf;
}

std::string import_config(const std::string& diff_id, const std::string& created,
                          const std::string& comment) {
  nlohmann::json j = {
      {"architecture", host_architecture()},
      {"os", "linux"},
      {"created", created},
      {"config", {{"Env", {"PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"}}}},
      {"rootfs", {{"type", "layers"}, {"diff_ids", {diff_id}}}},
      {"history", {{{"created", created}, {"comment", comment}}}},
  };
  return j.dump();
}

std::string make_manifest(std::string_view config, const std::vector<LayerDescriptor>& layers) {
  nlohmann::json ls = nlohmann::json::array();
  for (const auto& l : layers)
    ls.push_back({{"mediaType", l.media_type}, {"digest", l.digest}, {"size", l.size}});
  nlohmann::json m = {
      {"schemaVersion", 2},
      {"mediaType", "application/vnd.oci.image.manifest.v1+json"},
      {"config",
       {{"mediaType", "application/vnd.oci.image.config.v1+json"},
        {"digest", sha256_digest(config)},
        {"size", config.size()}}},
      {"layers", ls},
  };
  return m.dump();
}

}  // namespace lit::image
