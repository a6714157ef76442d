// Bundles: bundle.json written and read back, and a crafted archive checked
// entry by entry before anything uses it (the exact line a user reads).
#include <fcntl.h>
#include <gtest/gtest.h>
#include <unistd.h>

#include <nlohmann/json.hpp>

#include "runtime/bundle/manifest.hpp"
#include "runtime/bundle/reader.hpp"
#include "runtime/image/config.hpp"
#include "runtime/image/digest.hpp"
#include "runtime/util/fs.hpp"
#include "tests/unit/error_of.hpp"
#include "tests/unit/runtime/image/tar_builder.hpp"

namespace fs = std::filesystem;
using lit::bundle::Manifest;
using lit::image::sha256_digest;
using lit::test::TarBuilder;
using lit::testing::error_of;

namespace {

std::string hex(const std::string& digest) { return digest.substr(7); }

class BundleTest : public ::testing::Test {
 protected:
  lit::TempDir tmp{fs::temp_directory_path(), "lit-bundle-"};
  const std::string compose = "services:\n  web:\n    image: localhost/app:1\n";
  const std::string layer = TarBuilder().file("hello", "hi\n").bytes();
  const std::string layer_digest = sha256_digest(layer);
  const std::string config =
      nlohmann::json{{"architecture", "amd64"},
                     {"os", "linux"},
                     {"rootfs", {{"type", "layers"}, {"diff_ids", {layer_digest}}}}}
          .dump();
  const std::string image_manifest = lit::image::make_manifest(
      config, {{"application/vnd.oci.image.layer.v1.tar", layer_digest, layer.size()}});
  Manifest manifest = make_manifest();

  Manifest make_manifest() const {
    Manifest m;
    m.project = "shop";
    m.created = "2024-05-01T10:00:00Z";
    m.lit_version = "0.1.0";
    m.compose_files = {"compose.yaml"};
    m.files = {{"compose.yaml", sha256_digest(compose), compose.size(), 0644}};
    m.images = {{"localhost/app:1",
                 {"web"},
                 sha256_digest(config),
                 sha256_digest(image_manifest),
                 image_manifest.size(),
                 config.size(),
                 {{layer_digest, layer.size()}}}};
    return m;
  }

  // The bundle as `bundle create` writes it, with one byte of the blob
  // `blob_to_flip` (a digest) flipped when given.
  TarBuilder good(const std::string& blob_to_flip = {}) const {
    auto blob = [&](const std::string& digest, std::string content) {
      if (digest == blob_to_flip) content[content.size() / 2] ^= 1;
      return content;
    };
    return TarBuilder()
        .file("bundle.json", lit::bundle::to_json(manifest).dump())
        .file("files/compose.yaml", compose)
        .file("blobs/sha256/" + hex(layer_digest), blob(layer_digest, layer))
        .file("blobs/sha256/" + hex(sha256_digest(config)), blob(sha256_digest(config), config))
        .file("blobs/sha256/" + hex(sha256_digest(image_manifest)),
              blob(sha256_digest(image_manifest), image_manifest));
  }

  lit::bundle::VerifiedBundle read(const std::string& bytes) {
    fs::path file = tmp.path() / "b.tar";
    lit::test::write_bytes(file, bytes);
    lit::UniqueFd fd(::open(file.c_str(), O_RDONLY | O_CLOEXEC));
    return lit::bundle::read_bundle(fd.get(), tmp.path() / ("staging" + std::to_string(++n_)));
  }
  int n_ = 0;
};

TEST(BundleManifestTest, PathsInsideTheProjectOnly) {
  using lit::bundle::valid_relative_path;
  EXPECT_TRUE(valid_relative_path("compose.yaml"));
  EXPECT_TRUE(valid_relative_path("config/app.conf"));
  EXPECT_TRUE(valid_relative_path(".env"));
  EXPECT_FALSE(valid_relative_path(""));
  EXPECT_FALSE(valid_relative_path("/etc/passwd"));
  EXPECT_FALSE(valid_relative_path("../x"));
  EXPECT_FALSE(valid_relative_path("a/../../x"));
  EXPECT_FALSE(valid_relative_path("a/./b"));
  EXPECT_FALSE(valid_relative_path("a//b"));
  EXPECT_FALSE(valid_relative_path("a/"));
}

TEST_F(BundleTest, ManifestWrittenAndReadBack) {
  EXPECT_EQ(lit::bundle::parse_manifest(lit::bundle::to_json(manifest).dump()), manifest);
  EXPECT_EQ(manifest.images[0].size(), config.size() + image_manifest.size() + layer.size());
}

TEST_F(BundleTest, ManifestErrorsNameTheKey) {
  nlohmann::json j = lit::bundle::to_json(manifest);
  j["format"] = 2;
  EXPECT_EQ(error_of([&] { lit::bundle::parse_manifest(j.dump()); }),
            "bundle.json: format 2 is not one this lit reads (1)");
  j = lit::bundle::to_json(manifest);
  j["files"][0]["path"] = "../../etc/passwd";
  EXPECT_EQ(error_of([&] { lit::bundle::parse_manifest(j.dump()); }),
            "bundle.json: files[0].path: \"../../etc/passwd\" is not a path inside the project");
  j = lit::bundle::to_json(manifest);
  j["images"][0]["layers"][0]["digest"] = "sha256:xyz";
  EXPECT_EQ(error_of([&] { lit::bundle::parse_manifest(j.dump()); }),
            "bundle.json: images[0].layers[0].digest: \"sha256:xyz\" is not a sha256 digest");
  EXPECT_EQ(error_of([&] { lit::bundle::parse_manifest("[]"); }), "bundle.json: not a JSON object");
}

TEST_F(BundleTest, GoodBundleIsVerifiedAndGivesItsImage) {
  lit::bundle::VerifiedBundle b =
      read(lit::test::compress(good().bytes(), lit::test::Compression::zstd));
  EXPECT_EQ(b.manifest, manifest);
  auto images = lit::bundle::pending_images(b);
  ASSERT_EQ(images.size(), 1u);
  EXPECT_EQ(images[0].id, sha256_digest(config));
  EXPECT_EQ(images[0].tags, std::vector<std::string>{"localhost/app:1"});
  ASSERT_EQ(images[0].layers.size(), 1u);
  EXPECT_EQ(images[0].layers[0].file->digest, layer_digest);
  EXPECT_EQ(lit::read_file(b.entry("files/compose.yaml").path), compose);
}

TEST_F(BundleTest, AFlippedByteInABlobIsNamed) {
  std::string bytes = good(layer_digest).bytes();
  std::string flipped = layer;
  flipped[flipped.size() / 2] ^= 1;
  EXPECT_EQ(error_of([&] { read(bytes); }),
            "digest mismatch for blobs/sha256/" + hex(layer_digest) + ": its name says " +
                layer_digest + ", the content is " + sha256_digest(flipped));
}

TEST_F(BundleTest, AChangedFileIsNamed) {
  std::string bytes = TarBuilder()
                          .file("bundle.json", lit::bundle::to_json(manifest).dump())
                          .file("files/compose.yaml", compose + "# more\n")
                          .bytes();
  EXPECT_EQ(error_of([&] { read(bytes); }),
            "digest mismatch for files/compose.yaml: bundle.json lists " + sha256_digest(compose) +
                ", the content is " + sha256_digest(compose + "# more\n"));
}

TEST_F(BundleTest, AnExtraEntryIsRefused) {
  EXPECT_EQ(error_of([&] { read(good().file("files/extra.sh", "rm -rf /").bytes()); }),
            "unlisted entry \"files/extra.sh\": bundle.json does not list it");
}

TEST_F(BundleTest, AnEntryClimbingOutIsRefused) {
  EXPECT_EQ(error_of([&] { read(good().file("../evil", "x").bytes()); }),
            "entry \"../evil\" escapes the bundle");
  EXPECT_EQ(error_of([&] { read(good().symlink("files/link", "/etc/passwd").bytes()); }),
            "entry \"files/link\" is not a regular file");
}

TEST_F(BundleTest, AMissingBlobIsNamed) {
  std::string bytes =
      TarBuilder()
          .file("bundle.json", lit::bundle::to_json(manifest).dump())
          .file("files/compose.yaml", compose)
          .file("blobs/sha256/" + hex(sha256_digest(config)), config)
          .file("blobs/sha256/" + hex(sha256_digest(image_manifest)), image_manifest)
          .bytes();
  EXPECT_EQ(error_of([&] { read(bytes); }),
            "missing blobs/sha256/" + hex(layer_digest) + " (layer 1 of localhost/app:1)");
}

TEST_F(BundleTest, NoManifestIsNotABundle) {
  EXPECT_EQ(error_of([&] { read(TarBuilder().file("files/compose.yaml", compose).bytes()); }),
            "missing bundle.json: not a lit bundle");
}

TEST_F(BundleTest, InspectReadsOnlyTheManifest) {
  fs::path file = tmp.path() / "b.tar.gz";
  lit::test::write_bytes(file, good().bytes(lit::test::Compression::gzip));
  lit::UniqueFd fd(::open(file.c_str(), O_RDONLY | O_CLOEXEC));
  EXPECT_EQ(lit::bundle::read_manifest(fd.get()), manifest);
}

}  // namespace
