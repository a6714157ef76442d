// image save: archives lit and others load back, the same bytes every time.
#include "runtime/image/save.hpp"

#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

#include "runtime/image/digest.hpp"
#include "runtime/image/store.hpp"
#include "runtime/util/error.hpp"
#include "runtime/util/fs.hpp"
#include "tests/unit/error_of.hpp"
#include "tests/unit/runtime/image/archive_builder.hpp"
#include "tests/unit/runtime/image/layer_tree.hpp"

namespace fs = std::filesystem;
using lit::image::SaveFormat;
using lit::image::Store;
using lit::test::TarBuilder;
using lit::testing::error_of;

namespace {

class SaveTest : public ::testing::Test {
 protected:
  lit::TempDir tmp{fs::temp_directory_path(), "lit-save-"};
  fs::path root = tmp.path() / "images";
  Store store{root};
  lit::test::TestImage img = lit::test::make_test_image(
      {TarBuilder().dir("bin").file("bin/sh", "#!shell", 0755).file("etc/os", "lit\n"),
       TarBuilder().dir("app").file("app/main", "app")});

  void SetUp() override {
    fs::path in = tmp.path() / "in.tar";
    lit::test::write_bytes(in, lit::test::docker_archive(img, {.tags = {"team/app:1"}}));
    store.load_archive(in);
  }

  std::string save(const fs::path& from, const std::vector<std::string>& refs, SaveFormat f) {
    std::string out;
    lit::image::save_images(from, lit::image::resolve_save(from, refs), f,
                            [&](std::string_view d) { out.append(d); });
    return out;
  }

  // Loads `archive` into a fresh store under tmp/NAME.
  Store load_fresh(const std::string& name, const std::string& archive) {
    Store s(tmp.path() / name);
    fs::path file = tmp.path() / (name + ".tar");
    lit::test::write_bytes(file, archive);
    s.load_archive(file);
    return s;
  }

  void expect_round_trip(SaveFormat format) {
    const std::string first = save(root, {"team/app:1"}, format);
    EXPECT_EQ(save(root, {"team/app:1"}, format), first) << "not reproducible";
    Store two = load_fresh("two", first);
    lit::image::Image got = two.resolve("team/app:1");
    EXPECT_EQ(got.config.cmd, std::vector<std::string>{"sh"});
    EXPECT_EQ(got.config.working_dir, "/data");
    EXPECT_EQ(got.created, "2023-11-14T22:13:20Z");
    auto src = store.resolve("team/app:1");
    ASSERT_EQ(got.diff_ids.size(), 2u);
    for (std::size_t i = 0; i < 2; ++i)
      EXPECT_EQ(lit::test::layer_tree(two.layer_dirs(got)[i]),
                lit::test::layer_tree(store.layer_dirs(src)[i]));
    // The builder's tars are not lit's canonical form: new diff IDs, new id.
    EXPECT_NE(got.diff_ids, img.diff_ids);
    EXPECT_NE(got.id, img.id);
    // What lit saved round-trips: same id, and the same archive bytes.
    EXPECT_EQ(save(two.root(), {"team/app:1"}, format), first);
    Store three = load_fresh("three", first);
    EXPECT_EQ(three.resolve("team/app:1").id, got.id);
  }
};

TEST_F(SaveTest, DockerArchiveRoundTripsAndIsReproducible) {
  expect_round_trip(SaveFormat::docker_archive);
}

TEST_F(SaveTest, OciArchiveRoundTripsAndIsReproducible) {
  expect_round_trip(SaveFormat::oci_archive);
}

TEST_F(SaveTest, DockerArchiveLayout) {
  const std::string tar = save(root, {"team/app:1"}, SaveFormat::docker_archive);
  auto entries = lit::test::tar_entries(tar);
  auto has = [&](const std::string& e) { return std::ranges::find(entries, e) != entries.end(); };
  EXPECT_TRUE(has("manifest.json"));
  EXPECT_TRUE(has("repositories"));
  Store two = load_fresh("two", tar);
  auto got = two.resolve("team/app:1");
  EXPECT_TRUE(has(got.id.substr(7) + ".json"));
  for (const auto& d : got.diff_ids) EXPECT_TRUE(has(d.substr(7) + "/layer.tar")) << d;
}

TEST_F(SaveTest, OciIndexNamesEveryTag) {
  store.load_archive([&] {
    fs::path in = tmp.path() / "again.tar";
    lit::test::write_bytes(in, lit::test::docker_archive(img, {.tags = {"localhost/x:2"}}));
    return in;
  }());
  const std::string tar = save(root, {"team/app:1", "localhost/x:2"}, SaveFormat::oci_archive);
  Store two = load_fresh("two", tar);
  EXPECT_EQ(two.resolve("team/app:1").id, two.resolve("localhost/x:2").id);
  EXPECT_EQ(two.list().size(), 1u);
  const auto tags = two.list()[0].tags;
  EXPECT_EQ(tags, (std::vector<std::string>{"docker.io/team/app:1", "localhost/x:2"}));
}

TEST_F(SaveTest, SavedByIdHasNoTag) {
  const std::string tar = save(root, {img.id.substr(7, 12)}, SaveFormat::docker_archive);
  Store two = load_fresh("two", tar);
  ASSERT_EQ(two.list().size(), 1u);
  EXPECT_TRUE(two.list()[0].tags.empty());
}

TEST_F(SaveTest, UnknownImageIsAnErrorBeforeAnyOutput) {
  EXPECT_EQ(error_of([&] {
              lit::image::resolve_save(root, {"team/app:1", "nosuch:2"});
            }),
            "image not found: nosuch:2");
}

TEST_F(SaveTest, ToFileReplacesAtomicallyAndLeavesNothingOnError) {
  fs::path out = tmp.path() / "out" / "app.tar";
  fs::create_directories(out.parent_path());
  auto reqs = lit::image::resolve_save(root, {"team/app:1"});
  lit::image::save_images_to_file(root, reqs, SaveFormat::oci_archive, out);
  EXPECT_EQ(lit::read_file(out), save(root, {"team/app:1"}, SaveFormat::oci_archive));
  reqs[0].id = "sha256:" + std::string(64, 'f');  // not in the store
  EXPECT_THROW(lit::image::save_images_to_file(root, reqs, SaveFormat::docker_archive, out),
               lit::Error);
  EXPECT_EQ(lit::test::count_entries(out.parent_path()), 1u);  // no temporary left
}

TEST(SaveFormat, Parses) {
  EXPECT_EQ(lit::image::parse_save_format("oci-archive"), SaveFormat::oci_archive);
  EXPECT_EQ(lit::image::parse_save_format("docker-archive"), SaveFormat::docker_archive);
  EXPECT_EQ(error_of([] { lit::image::parse_save_format("zip"); }),
            "unknown archive format: \"zip\"");
}

}  // namespace
