#include "runtime/image/registry/manifest.hpp"

#include <sys/utsname.h>

#include <algorithm>
#include <cctype>
#include <nlohmann/json.hpp>

#include "runtime/image/digest.hpp"
#include "runtime/util/error.hpp"

namespace lit::image {
namespace {

using nlohmann::json;

constexpr std::size_t kMaxEntries = 10000;

[[noreturn]] void invalid(std::string_view what, const std::string& why) {
  throw Error("invalid manifest", std::string(what) + ": " + why);
}

std::string str_field(const json& j, const char* key) {
  auto it = j.find(key);
  return it != j.end() && it->is_string() ? it->get<std::string>() : "";
}

bool is_layer_type(std::string_view mt) {
  return mt == "application/vnd.docker.image.rootfs.diff.tar.gzip" ||
         mt == "application/vnd.docker.image.rootfs.diff.tar" ||
         mt == "application/vnd.oci.image.layer.v1.tar" ||
         mt == "application/vnd.oci.image.layer.v1.tar+gzip" ||
         mt == "application/vnd.oci.image.layer.v1.tar+zstd" ||
         mt == "application/vnd.oci.image.layer.nondistributable.v1.tar" ||
         mt == "application/vnd.oci.image.layer.nondistributable.v1.tar+gzip" ||
         mt == "application/vnd.oci.image.layer.nondistributable.v1.tar+zstd";
}

Descriptor descriptor(const json& d, std::string_view what, const char* role) {
  if (!d.is_object()) invalid(what, std::string(role) + " descriptor is not an object");
  Descriptor out{str_field(d, "mediaType"), str_field(d, "digest"), 0, {}};
  if (!is_sha256_digest(out.digest))
    invalid(what, std::string(role) + " descriptor has no valid sha256 digest");
  auto size = d.find("size");
  if (size == d.end() || !size->is_number_unsigned())
    invalid(what, std::string(role) + " " + out.digest + " has no valid size");
  out.size = size->get<std::uint64_t>();
  if (auto p = d.find("platform"); p != d.end() && p->is_object()) {
    out.platform = {str_field(*p, "os"), str_field(*p, "architecture"), str_field(*p, "variant")};
  }
  return out;
}

void read_image(const json& j, std::string_view what, Manifest& m) {
  auto layers = j.find("layers");
  if (!j.contains("config") || layers == j.end() || !layers->is_array())
    invalid(what, "an image manifest needs config and layers");
  if (layers->size() > kMaxEntries) invalid(what, "too many layers");
  m.config = descriptor(j["config"], what, "config");
  for (const auto& l : *layers) {
    Descriptor d = descriptor(l, what, "layer");
    if (d.media_type.find("encrypted") != std::string::npos)
      invalid(what, "layer " + d.digest + " is encrypted (not supported)");
    if (d.media_type.find("foreign") != std::string::npos)
      invalid(what, "layer " + d.digest + " is a foreign (Windows) layer (not supported)");
    if (!is_layer_type(d.media_type))
      invalid(what, "layer " + d.digest + " has unsupported media type \"" + d.media_type + "\"");
    m.layers.push_back(std::move(d));
  }
}

}  // namespace

std::string Platform::str() const {
  return os + "/" + architecture + (variant.empty() ? "" : "/" + variant);
}

Platform parse_platform(std::string_view text) {
  Platform p;
  std::vector<std::string> parts;
  std::size_t start = 0;
  for (;;) {
    auto slash = text.find('/', start);
    parts.emplace_back(text.substr(start, slash == std::string_view::npos ? slash : slash - start));
    if (slash == std::string_view::npos) break;
    start = slash + 1;
  }
  bool ok = (parts.size() == 2 || parts.size() == 3);
  for (const auto& s : parts) ok = ok && !s.empty();
  if (!ok) {
    throw Error("invalid platform", "\"" + std::string(text) + "\"", 0,
                "use os/arch[/variant], e.g. linux/amd64 or linux/arm64/v8");
  }
  p.os = parts[0];
  p.architecture = parts[1];
  if (parts.size() == 3) p.variant = parts[2];
  return p;
}

Platform platform_for_machine(std::string_view m) {
  if (m == "x86_64" || m == "amd64") return {"linux", "amd64", ""};
  if (m == "aarch64" || m == "arm64") return {"linux", "arm64", "v8"};
  if (m.starts_with("armv7") || m == "arm") return {"linux", "arm", "v7"};
  if (m.starts_with("armv6")) return {"linux", "arm", "v6"};
  if (m.starts_with("armv5")) return {"linux", "arm", "v5"};
  if (m == "i386" || m == "i486" || m == "i586" || m == "i686") return {"linux", "386", ""};
  if (m == "ppc64le") return {"linux", "ppc64le", ""};
  if (m == "s390x") return {"linux", "s390x", ""};
  if (m == "riscv64") return {"linux", "riscv64", ""};
  if (m == "loongarch64") return {"linux", "loong64", ""};
  return {"linux", std::string(m), ""};
}

Platform host_platform() {
  utsname u{};
  ::uname(&u);
  return platform_for_machine(u.machine);
}

Manifest parse_manifest(std::string_view bytes, std::string_view content_type,
                        std::string_view what) {
  json j = json::parse(bytes, nullptr, false);
  if (j.is_discarded() || !j.is_object()) invalid(what, "not a JSON object");
  Manifest m;
  m.media_type = str_field(j, "mediaType");
  if (m.media_type.empty())
    m.media_type = std::string(content_type.substr(0, content_type.find(';')));
  if (auto v = j.find("schemaVersion"); v != j.end() && *v == 1) {
    throw Error("unsupported manifest", std::string(what) + ": docker schema 1 (deprecated)", 0,
                "push the image again with a current docker or podman");
  }
  const bool list_type = m.media_type == kDockerManifestList || m.media_type == kOciIndex;
  const bool image_type = m.media_type == kDockerManifest || m.media_type == kOciManifest;
  m.is_index = list_type || (!image_type && j.contains("manifests"));
  if (!m.is_index) {
    read_image(j, what, m);
    return m;
  }
  auto ms = j.find("manifests");
  if (ms == j.end() || !ms->is_array()) invalid(what, "an index needs manifests");
  if (ms->size() > kMaxEntries) invalid(what, "too many manifests");
  for (const auto& d : *ms) m.manifests.push_back(descriptor(d, what, "manifest"));
  return m;
}

const Descriptor& select_platform(const Manifest& index, const Platform& want,
                                  std::string_view what) {
  auto norm = [](const Platform& p) {
    if (p.architecture == "arm64" && p.variant.empty()) return std::string("v8");
    return p.variant;
  };
  const Descriptor* found = nullptr;
  std::string available;
  for (const auto& d : index.manifests) {
    const Platform& p = d.platform;
    if (p.os.empty() || p.os == "unknown") continue;  // attestations, not images
    available += (available.empty() ? "" : ", ") + p.str();
    if (p.os != want.os || p.architecture != want.architecture) continue;
    if (!want.variant.empty() && norm(p) != norm(want)) continue;
    // Without a variant asked for: the first entry, unless a later one has the usual variant.
    if (!found ||
        (want.variant.empty() && norm(p) == norm(platform_for_machine(want.architecture)) &&
         norm(found->platform) != norm(p)))
      found = &d;
  }
  if (found) return *found;
  throw Error("no matching platform",
              std::string(what) + ": no image for " + want.str() +
                  " (available: " + (available.empty() ? "none" : available) + ")",
              0, "choose one with --platform os/arch[/variant]");
}

namespace {

bool valid_tag(std::string_view t) {
  auto word = [](char c) { return std::isalnum(static_cast<unsigned char>(c)) || c == '_'; };
  if (t.empty() || t.size() > 128 || !word(t[0])) return false;
  return std::ranges::all_of(t, [&](char c) { return word(c) || c == '.' || c == '-'; });
}

std::string_view trimmed(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t')) s.remove_suffix(1);
  return s;
}

}  // namespace

std::vector<std::string> parse_tag_list(std::string_view body, std::string_view what) {
  const json j = json::parse(body, nullptr, false);
  if (!j.is_object()) throw Error("invalid tag list", std::string(what) + ": not a JSON object");
  std::vector<std::string> tags;
  if (!j.contains("tags") || j["tags"].is_null()) return tags;
  if (!j["tags"].is_array())
    throw Error("invalid tag list", std::string(what) + ": \"tags\" is not a list");
  for (const auto& t : j["tags"]) {
    if (!t.is_string() || !valid_tag(t.get<std::string>()))
      throw Error("invalid tag list", std::string(what) + ": " + t.dump() + " is not a tag");
    tags.push_back(t.get<std::string>());
  }
  return tags;
}

std::string next_link(std::string_view header) {
  while (!header.empty()) {
    // One link: <target> followed by ;-separated parameters, up to a comma
    // outside the brackets.
    header = trimmed(header);
    if (!header.starts_with("<")) return "";
    const std::size_t close = header.find('>');
    if (close == std::string_view::npos) return "";
    const std::string_view target = header.substr(1, close - 1);
    std::string_view rest = header.substr(close + 1);
    const std::size_t comma = rest.find(',');
    std::string_view params = rest.substr(0, comma);
    header = comma == std::string_view::npos ? std::string_view{} : rest.substr(comma + 1);
    for (std::size_t at = 0; at < params.size();) {
      const std::size_t semi = std::min(params.find(';', at), params.size());
      std::string_view p = trimmed(params.substr(at, semi - at));
      at = semi + 1;
      const std::size_t eq = p.find('=');
      if (eq == std::string_view::npos || trimmed(p.substr(0, eq)) != "rel") continue;
      std::string_view v = trimmed(p.substr(eq + 1));
      if (v.size() >= 2 && v.front() == '"' && v.back() == '"') v = v.substr(1, v.size() - 2);
      if (v == "next") return std::string(target);
    }
  }
  return "";
}

}  // namespace lit::image
