#pragma once
// Test helper: tiny images written as docker-archive and OCI archives, built
// in memory so each test controls every byte (and can corrupt one).
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "runtime/image/digest.hpp"
#include "tests/unit/runtime/image/tar_builder.hpp"

namespace lit::test {

struct TestImage {
  std::vector<std::string> layers;  // uncompressed layer tars, bottom first
  std::vector<std::string> diff_ids;
  std::string config;
  std::string id;
};

inline std::string hex(const std::string& digest) { return digest.substr(7); }

inline TestImage make_test_image(const std::vector<TarBuilder>& layers,
                                 const std::string& cmd = "sh") {
  TestImage img;
  for (const auto& l : layers) {
    img.layers.push_back(l.bytes());
    img.diff_ids.push_back(image::sha256_digest(img.layers.back()));
  }
  nlohmann::json cfg = {
      {"architecture", "amd64"},
      {"os", "linux"},
      {"created", "2023-11-14T22:13:20Z"},
      {"config",
       {{"Cmd", {cmd}},
        {"Env", {"PATH=/bin"}},
        {"WorkingDir", "/data"},
        {"User", "1000:1000"},
        {"Labels", {{"a", "b"}}},
        {"ExposedPorts", {{"80/tcp", nlohmann::json::object()}}},
        {"StopSignal", "SIGTERM"}}},
      {"rootfs", {{"type", "layers"}, {"diff_ids", img.diff_ids}}},
  };
  img.config = cfg.dump();
  img.id = image::sha256_digest(img.config);
  return img;
}

struct DockerArchiveOptions {
  std::vector<std::string> tags = {"team/app:latest"};
  Compression layers = Compression::none;
  Compression outer = Compression::none;
  bool blobs_layout = false;  // docker 25+: layers and config under blobs/sha256/
};

inline std::string docker_archive(const TestImage& img, const DockerArchiveOptions& o = {}) {
  TarBuilder tar;
  std::string config_path = o.blobs_layout ? "blobs/sha256/" + hex(img.id) : hex(img.id) + ".json";
  tar.file(config_path, img.config);
  nlohmann::json layer_paths = nlohmann::json::array();
  for (std::size_t i = 0; i < img.layers.size(); ++i) {
    std::string blob = compress(img.layers[i], o.layers);
    std::string path = o.blobs_layout ? "blobs/sha256/" + hex(image::sha256_digest(blob))
                                      : "layer" + std::to_string(i) + "/layer.tar";
    tar.file(path, blob);
    layer_paths.push_back(path);
  }
  nlohmann::json manifest = nlohmann::json::array(
      {{{"Config", config_path}, {"RepoTags", o.tags}, {"Layers", layer_paths}}});
  tar.file("manifest.json", manifest.dump());
  return compress(tar.bytes(), o.outer);
}

struct OciArchiveOptions {
  std::string containerd_name = "docker.io/team/app:latest";
  std::string ref_name = "latest";
  std::vector<Compression> layers = {Compression::gzip, Compression::zstd};
  Compression outer = Compression::none;
  bool corrupt_layer = false;  // store different bytes under the first layer's digest
};

inline std::string oci_archive(const TestImage& img, const OciArchiveOptions& o = {}) {
  TarBuilder tar;
  tar.file("oci-layout", R"({"imageLayoutVersion":"1.0.0"})");
  nlohmann::json layers = nlohmann::json::array();
  for (std::size_t i = 0; i < img.layers.size(); ++i) {
    Compression c = o.layers[i % o.layers.size()];
    std::string blob = compress(img.layers[i], c);
    std::string digest = image::sha256_digest(blob);
    layers.push_back({{"mediaType", "application/vnd.oci.image.layer.v1.tar"},
                      {"digest", digest},
                      {"size", blob.size()}});
    if (o.corrupt_layer && i == 0) blob = compress(img.layers[i] + std::string(512, '\0'), c);
    tar.file("blobs/sha256/" + hex(digest), blob);
  }
  nlohmann::json manifest = {
      {"schemaVersion", 2},
      {"mediaType", "application/vnd.oci.image.manifest.v1+json"},
      {"config",
       {{"mediaType", "application/vnd.oci.image.config.v1+json"},
        {"digest", img.id},
        {"size", img.config.size()}}},
      {"layers", layers},
  };
  std::string m = manifest.dump();
  tar.file("blobs/sha256/" + hex(img.id), img.config);
  tar.file("blobs/sha256/" + hex(image::sha256_digest(m)), m);
  nlohmann::json ann = nlohmann::json::object();
  if (!o.containerd_name.empty()) ann["io.containerd.image.name"] = o.containerd_name;
  if (!o.ref_name.empty()) ann["org.opencontainers.image.ref.name"] = o.ref_name;
  nlohmann::json index = {
      {"schemaVersion", 2},
      {"manifests",
       {{{"mediaType", "application/vnd.oci.image.manifest.v1+json"},
         {"digest", image::sha256_digest(m)},
         {"size", m.size()},
         {"annotations", ann}}}},
  };
  tar.file("index.json", index.dump());
  return compress(tar.bytes(), o.outer);
}

}  // namespace lit::test
