#include "runtime/image/formats.hpp"

#include <fcntl.h>
#include <spdlog/spdlog.h>
#include <unistd.h>

#include <nlohmann/json.hpp>

#include "runtime/image/config.hpp"
#include "runtime/image/digest.hpp"
#include "runtime/image/reference.hpp"
#include "runtime/util/error.hpp"
#include "runtime/util/fs.hpp"

namespace lit::image {
namespace {

using nlohmann::json;

json parse_json(const ArchiveContents& a, std::string_view path, std::string_view what) {
  json j = json::parse(a.read(path, what), nullptr, false);
  if (j.is_discarded()) corrupt(a.name(), std::string(path) + " is not valid JSON");
  return j;
}

// "blobs/sha256/<hex>" states its digest in its name: the bytes must match it.
void check_named_digest(const ArchiveContents& a, std::string_view path, const StagedFile& f) {
  std::string_view p = path;
  while (p.starts_with("./")) p.remove_prefix(2);
  if (!p.starts_with("blobs/sha256/")) return;
  std::string expected = "sha256:" + std::string(p.substr(13));
  if (is_sha256_digest(expected) && f.digest != expected) {
    throw Error("digest mismatch",
                "in " + a.name() + ": blob " + std::string(path) + " has digest " + f.digest);
  }
}

const StagedFile& blob(const ArchiveContents& a, const json& desc, std::string_view what) {
  std::string digest = desc.is_object() && desc.contains("digest") && desc["digest"].is_string()
                           ? desc["digest"].get<std::string>()
                           : "";
  if (!is_sha256_digest(digest))
    corrupt(a.name(), std::string(what) + " descriptor has no valid sha256 digest");
  std::string path = "blobs/sha256/" + digest.substr(7);
  const StagedFile& f = a.get(path, what);
  if (f.digest != digest) {
    throw Error("digest mismatch", "in " + a.name() + ": " + std::string(what) + " blob " + digest +
                                       " has content digest " + f.digest);
  }
  if (desc.contains("size") && desc["size"].is_number_unsigned() &&
      desc["size"].get<std::uint64_t>() != f.size) {
    throw Error("size mismatch", "in " + a.name() + ": " + std::string(what) + " blob " + digest);
  }
  return f;
}

std::string media_type_of(const StagedFile& f) {
  unsigned char m[4] = {};
  UniqueFd fd(::open(f.path.c_str(), O_RDONLY | O_CLOEXEC));
  if (fd && ::read(fd.get(), m, sizeof m) == static_cast<ssize_t>(sizeof m)) {
    if (m[0] == 0x1f && m[1] == 0x8b) return "application/vnd.oci.image.layer.v1.tar+gzip";
    if (m[0] == 0x28 && m[1] == 0xb5 && m[2] == 0x2f && m[3] == 0xfd)
      return "application/vnd.oci.image.layer.v1.tar+zstd";
  }
  return "application/vnd.oci.image.layer.v1.tar";
}

void add_tag(const ArchiveContents& a, PendingImage& img, const std::string& tag) {
  try {
    Reference r = parse_reference(tag);
    if (r.tag.empty()) r.tag = "latest";
    r.digest.clear();
    img.tags.push_back(r.str());
  } catch (Error& e) {
    e.context("load " + a.name());
    throw;
  }
}

PendingImage docker_entry(const ArchiveContents& a, const json& m) {
  if (!m.is_object() || !m.contains("Config") || !m["Config"].is_string() ||
      !m.contains("Layers") || !m["Layers"].is_array()) {
    corrupt(a.name(), "manifest.json entry needs Config and Layers");
  }
  PendingImage img;
  const std::string cpath = m["Config"].get<std::string>();
  const StagedFile& cfg = a.get(cpath, "image config");
  // Old layout names the config "<hex>.json", new one "blobs/sha256/<hex>".
  std::string stem = std::filesystem::path(cpath).stem().string();
  if (is_sha256_digest("sha256:" + stem) && cfg.digest != "sha256:" + stem) {
    throw Error("digest mismatch",
                "in " + a.name() + ": config " + cpath + " has digest " + cfg.digest);
  }
  img.config = a.read(cpath, "image config");
  img.id = cfg.digest;
  std::vector<LayerDescriptor> descs;
  for (const auto& l : m["Layers"]) {
    if (!l.is_string()) corrupt(a.name(), "manifest.json Layers must be paths");
    const std::string path = l.get<std::string>();
    const StagedFile& f = a.get(path, "layer");
    check_named_digest(a, path, f);
    img.layers.push_back({&f, path});
    descs.push_back({media_type_of(f), f.digest, f.size});
  }
  img.manifest = make_manifest(img.config, descs);
  img.manifest_digest = sha256_digest(img.manifest);
  if (m.contains("RepoTags") && m["RepoTags"].is_array()) {
    for (const auto& t : m["RepoTags"]) {
      if (t.is_string()) add_tag(a, img, t.get<std::string>());
    }
  }
  return img;
}

// Multi-platform index: the manifest for this machine, else the first one.
json pick_platform(const ArchiveContents& a, const json& index) {
  const json* first = nullptr;
  const json manifests = index.value("manifests", json::array());  // outlives `first`
  for (const auto& d : manifests) {
    if (!first) first = &d;
    const json p = d.value("platform", json::object());
    if (p.value("os", "") == "linux" && p.value("architecture", "") == host_architecture())
      return d;
  }
  if (!first) corrupt(a.name(), "image index has no manifests");
  return *first;
}

PendingImage oci_entry(const ArchiveContents& a, json desc) {
  for (int depth = 0;
       desc.value("mediaType", "") == "application/vnd.oci.image.index.v1+json" ||
       desc.value("mediaType", "") == "application/vnd.docker.distribution.manifest.list.v2+json";
       ++depth) {
    if (depth > 4) corrupt(a.name(), "image indexes nested too deeply");
    const StagedFile& f = blob(a, desc, "image index");
    json nested = parse_json(a, "blobs/sha256/" + f.digest.substr(7), "image index");
    json annotations = desc.value("annotations", json::object());
    desc = pick_platform(a, nested);
    if (!annotations.empty()) desc["annotations"] = annotations;
  }
  PendingImage img;
  const StagedFile& mf = blob(a, desc, "manifest");
  img.manifest = read_file(mf.path);
  img.manifest_digest = mf.digest;
  json m = json::parse(img.manifest, nullptr, false);
  if (m.is_discarded() || !m.is_object() || !m.contains("config") || !m.contains("layers") ||
      !m["layers"].is_array()) {
    corrupt(a.name(), "manifest " + mf.digest + " is not an image manifest");
  }
  const StagedFile& cf = blob(a, m["config"], "config");
  img.config = read_file(cf.path);
  img.id = cf.digest;
  for (const auto& l : m["layers"]) {
    std::string mt = l.value("mediaType", "");
    if (mt.find("encrypted") != std::string::npos)
      corrupt(a.name(), "encrypted layers are not supported");
    const StagedFile& f = blob(a, l, "layer");
    img.layers.push_back({&f, "blobs/sha256/" + f.digest.substr(7)});
  }
  // containerd's full name wins; ref.name is often just a tag ("latest").
  json ann = desc.value("annotations", json::object());
  std::string name = ann.value("io.containerd.image.name", "");
  std::string ref = ann.value("org.opencontainers.image.ref.name", "");
  if (name.empty() && (ref.find('/') != std::string::npos || ref.find(':') != std::string::npos))
    name = ref;
  if (!name.empty()) add_tag(a, img, name);
  return img;
}

// A document of the wrong shape (a number where a descriptor belongs) makes
// nlohmann::json throw its own errors: they are a corrupt archive too.
template <typename Read>
std::vector<PendingImage> reading(const ArchiveContents& a, std::string_view docs, Read read) {
  try {
    return read();
  } catch (const json::exception& e) {
    corrupt(a.name(), "unexpected JSON in " + std::string(docs) + ": " + e.what());
  }
}

}  // namespace

std::vector<PendingImage> read_docker_archive(const ArchiveContents& a) {
  json manifest = parse_json(a, "manifest.json", "docker-archive manifest");
  if (!manifest.is_array() || manifest.empty())
    corrupt(a.name(), "manifest.json must be a non-empty array");
  return reading(a, "manifest.json", [&] {
    std::vector<PendingImage> out;
    for (const auto& m : manifest) out.push_back(docker_entry(a, m));
    return out;
  });
}

std::vector<PendingImage> read_oci_archive(const ArchiveContents& a) {
  if (a.find("oci-layout") == nullptr)
    corrupt(a.name(), "missing oci-layout (not an OCI image layout)");
  json index = parse_json(a, "index.json", "OCI index");
  if (!index.is_object() || !index.contains("manifests") || !index["manifests"].is_array() ||
      index["manifests"].empty()) {
    corrupt(a.name(), "index.json lists no manifests");
  }
  return reading(a, "index.json or a blob it names", [&] {
    std::vector<PendingImage> out;
    for (const auto& d : index["manifests"]) out.push_back(oci_entry(a, d));
    return out;
  });
}

std::vector<PendingImage> read_image_archive(const ArchiveContents& a) {
  if (a.find("manifest.json") != nullptr) return read_docker_archive(a);
  if (a.find("index.json") != nullptr) return read_oci_archive(a);
  corrupt(a.name(), "neither a docker-archive (manifest.json) nor an OCI archive (index.json)");
}

}  // namespace lit::image
