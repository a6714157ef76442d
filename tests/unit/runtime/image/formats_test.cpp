// Reading docker-archive and OCI layouts: the documents inside an archive.
#include "runtime/image/formats.hpp"

#include <fcntl.h>
#include <gtest/gtest.h>

#include <filesystem>
#include <string>
#include <vector>

#include "runtime/util/fs.hpp"
#include "tests/unit/error_of.hpp"
#include "tests/unit/runtime/image/archive_builder.hpp"

namespace fs = std::filesystem;
using lit::image::PendingImage;
using lit::image::sha256_digest;
using lit::test::TarBuilder;
using lit::testing::error_of;
using nlohmann::json;

namespace {

class FormatsTest : public ::testing::Test {
 protected:
  lit::TempDir tmp{fs::temp_directory_path(), "lit-formats-"};
  int reads_ = 0;

  std::vector<PendingImage> read(const TarBuilder& tar) {
    const fs::path dir = tmp.path() / std::to_string(reads_++);
    lit::make_dirs(dir);
    lit::test::write_bytes(dir / "x.tar", tar.bytes());
    lit::UniqueFd fd(::open((dir / "x.tar").c_str(), O_RDONLY | O_CLOEXEC));
    auto contents = lit::image::ArchiveContents::stage(fd.get(), "x.tar", dir / "stage");
    return lit::image::read_image_archive(contents);
  }

  // An OCI layout whose index.json points at a nested image index of `platforms`.
  TarBuilder nested_index(const std::vector<json>& platforms, std::string& manifest_digest) {
    const std::string layer = "layer";
    const std::string config = R"({"rootfs":{"type":"layers","diff_ids":[]}})";
    const std::string manifest =
        json{{"schemaVersion", 2},
             {"config", {{"digest", sha256_digest(config)}, {"size", config.size()}}},
             {"layers", json::array({{{"digest", sha256_digest(layer)}, {"size", layer.size()}}})}}
            .dump();
    manifest_digest = sha256_digest(manifest);
    json manifests = json::array();
    for (const auto& p : platforms)
      manifests.push_back({{"digest", manifest_digest}, {"platform", p}});
    const std::string nested = json{{"schemaVersion", 2}, {"manifests", manifests}}.dump();
    TarBuilder tar;
    tar.file("oci-layout", R"({"imageLayoutVersion":"1.0.0"})");
    for (const std::string* blob : {&layer, &config, &manifest, &nested})
      tar.file("blobs/sha256/" + lit::test::hex(sha256_digest(*blob)), *blob);
    tar.file("index.json", json{{"manifests",
                                 {{{"mediaType", "application/vnd.oci.image.index.v1+json"},
                                   {"digest", sha256_digest(nested)},
                                   {"size", nested.size()}}}}}
                               .dump());
    return tar;
  }
};

}  // namespace

// Found by tests/fuzz/image_manifest_fuzz.cpp: when no manifest was for this
// machine, the first one was read from a temporary already destroyed.
TEST_F(FormatsTest, IndexWithoutThisPlatformTakesTheFirstManifest) {
  std::string digest;
  auto tar = nested_index({{{"os", "linux"}, {"architecture", "no-such-arch"}},
                           {{"os", "plan9"}, {"architecture", "no-such-arch"}}},
                          digest);
  auto images = read(tar);
  ASSERT_EQ(images.size(), 1u);
  EXPECT_EQ(images[0].manifest_digest, digest);
  EXPECT_EQ(images[0].layers.size(), 1u);
}

// Found by tests/fuzz/image_manifest_fuzz.cpp: documents of the wrong shape
// escaped as nlohmann::json errors instead of a corrupt archive.
TEST_F(FormatsTest, DocumentsOfTheWrongShapeAreACorruptArchive) {
  const std::string nested = "694";
  TarBuilder tar;
  tar.file("oci-layout", R"({"imageLayoutVersion":"1.0.0"})");
  tar.file("blobs/sha256/" + lit::test::hex(sha256_digest(nested)), nested);
  tar.file("index.json", json{{"manifests",
                               {{{"mediaType", "application/vnd.oci.image.index.v1+json"},
                                 {"digest", sha256_digest(nested)}}}}}
                             .dump());
  EXPECT_EQ(error_of([&] { read(tar); }),
            "corrupt archive x.tar: unexpected JSON in index.json or a blob it names: "
            "[json.exception.type_error.306] cannot use value() with number");
  std::string digest;
  TarBuilder platform = nested_index({{{"os", 1}}}, digest);
  EXPECT_EQ(error_of([&] { read(platform); }),
            "corrupt archive x.tar: unexpected JSON in index.json or a blob it names: "
            "[json.exception.type_error.302] type must be string, but is number");
  TarBuilder docker;
  docker.file("manifest.json", R"([{"Config":"c.json","Layers":[],"RepoTags":[7]}])");
  docker.file("c.json", "{}");
  EXPECT_EQ(read(docker).size(), 1u) << "a RepoTag that is not a string is skipped";
}
