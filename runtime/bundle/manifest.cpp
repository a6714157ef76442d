#include "runtime/bundle/manifest.hpp"

#include "runtime/image/digest.hpp"
#include "runtime/util/error.hpp"

namespace lit::bundle {
namespace {

using nlohmann::json;

[[noreturn]] void bad(const std::string& why) {
  throw Error(std::string(kManifestName) + ": " + why);
}

const json& field(const json& obj, const char* key, const std::string& where) {
  if (!obj.is_object() || !obj.contains(key)) bad(where + ": missing \"" + key + "\"");
  return obj.at(key);
}

std::string text(const json& obj, const char* key, const std::string& where) {
  const json& v = field(obj, key, where);
  if (!v.is_string()) bad(where + "." + key + ": not a string");
  return v.get<std::string>();
}

std::uint64_t number(const json& obj, const char* key, const std::string& where) {
  const json& v = field(obj, key, where);
  if (!v.is_number_unsigned()) bad(where + "." + key + ": not a size");
  return v.get<std::uint64_t>();
}

std::string digest(const json& obj, const char* key, const std::string& where) {
  std::string d = text(obj, key, where);
  if (!image::is_sha256_digest(d))
    bad(where + "." + key + ": \"" + d + "\" is not a sha256 digest");
  return d;
}

std::vector<std::string> strings(const json& obj, const char* key, const std::string& where) {
  std::vector<std::string> out;
  if (!obj.contains(key)) return out;
  const json& v = obj.at(key);
  if (!v.is_array()) bad(where + key + ": not a list");
  for (const auto& s : v) {
    if (!s.is_string()) bad(where + key + ": not a list of strings");
    out.push_back(s.get<std::string>());
  }
  return out;
}

const json& list(const json& obj, const char* key) {
  const json& v = field(obj, key, "manifest");
  if (!v.is_array()) bad(std::string(key) + ": not a list");
  return v;
}

std::string relative(std::string p, const std::string& where) {
  if (!valid_relative_path(p)) bad(where + ": \"" + p + "\" is not a path inside the project");
  return p;
}

}  // namespace

std::uint64_t BundleImage::size() const {
  std::uint64_t n = manifest_size + config_size;
  for (const auto& l : layers) n += l.size;
  return n;
}

bool valid_relative_path(std::string_view path) {
  if (path.empty() || path.size() > 4096 || path.front() == '/') return false;
  std::size_t start = 0;
  for (;;) {
    std::size_t end = path.find('/', start);
    std::string_view comp = path.substr(start, end - start);
    if (comp.empty() || comp == "." || comp == ".." || comp.size() > 255) return false;
    if (comp.find('\0') != std::string_view::npos) return false;
    if (end == std::string_view::npos) return true;
    start = end + 1;
  }
}

std::string file_entry(std::string_view path) { return "files/" + std::string(path); }

std::string blob_entry(std::string_view digest) {
  return "blobs/sha256/" + image::digest_hex(digest, "blob");
}

json to_json(const Manifest& m) {
  json files = json::array();
  for (const auto& f : m.files)
    files.push_back({{"path", f.path}, {"digest", f.digest}, {"size", f.size}, {"mode", f.mode}});
  json images = json::array();
  for (const auto& i : m.images) {
    json layers = json::array();
    for (const auto& l : i.layers) layers.push_back({{"digest", l.digest}, {"size", l.size}});
    images.push_back({{"reference", i.reference},
                      {"services", i.services},
                      {"id", i.id},
                      {"config_size", i.config_size},
                      {"manifest", i.manifest},
                      {"manifest_size", i.manifest_size},
                      {"layers", layers}});
  }
  return {{"format", m.format},
          {"project", m.project},
          {"created", m.created},
          {"lit_version", m.lit_version},
          {"compose_files", m.compose_files},
          {"env_files", m.env_files},
          {"profiles", m.profiles},
          {"files", files},
          {"images", images}};
}

Manifest parse_manifest(std::string_view text_in) {
  json j = json::parse(text_in, nullptr, false);
  if (j.is_discarded() || !j.is_object()) bad("not a JSON object");
  Manifest m;
  const json& format = field(j, "format", "manifest");
  if (!format.is_number_integer()) bad("format: not a number");
  m.format = format.get<int>();
  if (m.format != kFormatVersion)
    bad("format " + std::to_string(m.format) + " is not one this lit reads (" +
        std::to_string(kFormatVersion) + ")");
  m.project = text(j, "project", "manifest");
  if (m.project.empty()) bad("project: empty");
  m.created = text(j, "created", "manifest");
  m.lit_version = text(j, "lit_version", "manifest");
  for (const auto& f : strings(j, "compose_files", ""))
    m.compose_files.push_back(relative(f, "compose_files"));
  for (const auto& f : strings(j, "env_files", "")) m.env_files.push_back(relative(f, "env_files"));
  m.profiles = strings(j, "profiles", "");
  const json& files = list(j, "files");
  for (std::size_t n = 0; n < files.size(); ++n) {
    const std::string where = "files[" + std::to_string(n) + "]";
    BundleFile f;
    f.path = relative(text(files[n], "path", where), where + ".path");
    f.digest = digest(files[n], "digest", where);
    f.size = number(files[n], "size", where);
    f.mode = static_cast<std::uint32_t>(number(files[n], "mode", where)) & 0777;
    m.files.push_back(std::move(f));
  }
  const json& images = list(j, "images");
  for (std::size_t n = 0; n < images.size(); ++n) {
    const std::string where = "images[" + std::to_string(n) + "]";
    const json& i = images[n];
    BundleImage img;
    img.reference = text(i, "reference", where);
    img.services = strings(i, "services", where + ".");
    img.id = digest(i, "id", where);
    img.config_size = number(i, "config_size", where);
    img.manifest = digest(i, "manifest", where);
    img.manifest_size = number(i, "manifest_size", where);
    const json& layers = field(i, "layers", where);
    if (!layers.is_array()) bad(where + ".layers: not a list");
    for (std::size_t k = 0; k < layers.size(); ++k) {
      const std::string at = where + ".layers[" + std::to_string(k) + "]";
      img.layers.push_back({digest(layers[k], "digest", at), number(layers[k], "size", at)});
    }
    m.images.push_back(std::move(img));
  }
  return m;
}

}  // namespace lit::bundle
