// Fuzz target: image archives are untrusted, and so is every JSON document in
// them. The first byte of the input picks what the rest is (seeds start with
// an ASCII digit):
//   0  manifest.json of a docker-archive
//   1  index.json of an OCI layout
//   2  an OCI image manifest blob (index.json points at it)
//   3  an OCI image index blob (index.json points at it)
//   4  an image config blob (parsed directly, and as the config of a docker-archive)
//   5  a whole image archive (tar, plain, gzip or zstd)
// The archive around the document also holds a small image that documents can
// refer to (see fixed_files()). Reading must fail only with lit::Error, and the
// images it accepts must have configs the store can read.
#include <fcntl.h>
#include <spdlog/spdlog.h>
#include <sys/mman.h>
#include <unistd.h>

#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

#include "runtime/image/archive.hpp"
#include "runtime/image/config.hpp"
#include "runtime/image/digest.hpp"
#include "runtime/image/formats.hpp"
#include "runtime/image/store.hpp"
#include "runtime/util/error.hpp"
#include "tests/fuzz/scratch.hpp"
#include "tests/unit/runtime/image/tar_builder.hpp"

namespace {

using lit::fuzz::die;
using lit::image::sha256_digest;

std::string hex(const std::string& digest) { return digest.substr(7); }

// One layer, its config and its OCI manifest, stored under every name the
// formats use: blobs/sha256/<hex>, <hex>.json, layer/layer.tar (and a symlink to it).
struct FixedImage {
  std::string layer = "not really a tar, the formats only hash it\n";
  std::string config, manifest;

  FixedImage() {
    config = R"({"architecture":"amd64","os":"linux","config":{"Cmd":["sh"],"Env":["PATH=/bin"]},)"
             R"("rootfs":{"type":"layers","diff_ids":[")" +
             sha256_digest(layer) + R"("]}})";
    manifest = R"({"schemaVersion":2,"mediaType":"application/vnd.oci.image.manifest.v1+json",)"
               R"("config":{"mediaType":"application/vnd.oci.image.config.v1+json","digest":")" +
               sha256_digest(config) + R"(","size":)" + std::to_string(config.size()) +
               R"(},"layers":[{"mediaType":"application/vnd.oci.image.layer.v1.tar","digest":")" +
               sha256_digest(layer) + R"(","size":)" + std::to_string(layer.size()) + "}]}";
  }

  void add_to(lit::test::TarBuilder& tar) const {
    tar.file("oci-layout", R"({"imageLayoutVersion":"1.0.0"})");
    tar.file("layer/layer.tar", layer);
    tar.symlink("link.tar", "layer/layer.tar");
    tar.file(hex(sha256_digest(config)) + ".json", config);
    for (const std::string* blob : {&layer, &config, &manifest})
      tar.file("blobs/sha256/" + hex(sha256_digest(*blob)), *blob);
  }
};

std::string descriptor_index(const std::string& blob, const char* media_type) {
  return R"({"schemaVersion":2,"manifests":[{"mediaType":")" + std::string(media_type) +
         R"(","digest":")" + sha256_digest(blob) + R"(","size":)" + std::to_string(blob.size()) +
         R"(,"annotations":{"io.containerd.image.name":"docker.io/library/fuzz:1"}}]})";
}

std::string archive_for(unsigned mode, const std::string& doc) {
  static const FixedImage fixed;
  if (mode == 5) return doc;
  lit::test::TarBuilder tar;
  fixed.add_to(tar);
  switch (mode) {
    case 0:
      tar.file("manifest.json", doc);
      break;
    case 1:
      tar.file("index.json", doc);
      break;
    case 2:
    case 3:
      tar.file("blobs/sha256/" + hex(sha256_digest(doc)), doc);
      tar.file("index.json",
               descriptor_index(doc, mode == 2 ? "application/vnd.oci.image.manifest.v1+json"
                                               : "application/vnd.oci.image.index.v1+json"));
      break;
    case 4:
      tar.file("blobs/sha256/" + hex(sha256_digest(doc)), doc);
      tar.file("manifest.json", R"([{"Config":"blobs/sha256/)" + hex(sha256_digest(doc)) +
                                    R"(","RepoTags":["fuzz:1"],"Layers":["link.tar"]}])");
      break;
  }
  return tar.bytes();
}

// What the store does next with a config it is handed.
void read_config(const std::string& blob) {
  try {
    nlohmann::json config = lit::image::parse_config_blob(blob, "fuzz config");
    lit::image::Image image;
    lit::image::fill_from_config(image, config);
    (void)lit::image::config_diff_ids(config, "fuzz config");
  } catch (const lit::Error&) {
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  static const lit::fuzz::ScratchDir scratch("image");
  static const int input = [] {
    spdlog::set_level(spdlog::level::off);
    int fd = ::memfd_create("archive", MFD_CLOEXEC);
    if (fd < 0) die("memfd_create");
    return fd;
  }();
  if (size == 0) return 0;
  const unsigned mode = data[0] % 6;
  const std::string doc(reinterpret_cast<const char*>(data) + 1, size - 1);
  if (mode == 4) read_config(doc);
  const std::string archive = archive_for(mode, doc);
  if (::ftruncate(input, 0) < 0 ||
      ::pwrite(input, archive.data(), archive.size(), 0) != static_cast<ssize_t>(archive.size()) ||
      ::lseek(input, 0, SEEK_SET) < 0)
    die("write the archive to a memfd");
  try {
    auto contents =
        lit::image::ArchiveContents::stage(input, "fuzz.tar", scratch.path() + "/stage");
    for (const auto& image : lit::image::read_image_archive(contents)) {
      if (image.id != sha256_digest(image.config)) die("image id is not the digest of its config");
      for (const auto& layer : image.layers) {
        if (layer.file == nullptr) die("a layer without its file");
      }
      read_config(image.config);
    }
  } catch (const lit::Error&) {
  }
  scratch.wipe();
  return 0;
}
