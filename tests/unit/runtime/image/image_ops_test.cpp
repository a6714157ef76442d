// image tag, prune and history on a real store in a temporary directory.
#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

#include "runtime/image/history.hpp"
#include "runtime/image/prune.hpp"
#include "runtime/image/store.hpp"
#include "runtime/image/tag.hpp"
#include "runtime/util/error.hpp"
#include "runtime/util/fs.hpp"
#include "tests/unit/error_of.hpp"
#include "tests/unit/runtime/image/archive_builder.hpp"

namespace fs = std::filesystem;
using lit::image::Store;
using lit::test::TarBuilder;
using lit::testing::error_of;

namespace {

class ImageOps : public ::testing::Test {
 protected:
  lit::TempDir tmp{fs::temp_directory_path(), "lit-imageops-"};
  fs::path root = tmp.path() / "images";
  Store store{root};
  TarBuilder base = TarBuilder().dir("bin").file("bin/sh", "#!shell", 0755);
  lit::test::TestImage one = lit::test::make_test_image({base}, "one");
  lit::test::TestImage two =
      lit::test::make_test_image({base, TarBuilder().file("app", "twelve bytes")}, "two");
  int n_ = 0;

  void load(const lit::test::TestImage& img, const std::vector<std::string>& tags) {
    fs::path in = tmp.path() / ("in" + std::to_string(n_++) + ".tar");
    lit::test::write_bytes(in, lit::test::docker_archive(img, {.tags = tags}));
    store.load_archive(in);
  }
  std::size_t layers() const { return lit::test::count_entries(root / "layers" / "sha256"); }
};

TEST_F(ImageOps, TagAddsANameAndMovesAnExistingOne) {
  load(one, {"app:1"});
  load(two, {"app:2"});
  EXPECT_EQ(lit::image::tag_image(root, "app:1", "registry.example:5000/team/app:v1"), one.id);
  EXPECT_EQ(store.resolve("registry.example:5000/team/app:v1").id, one.id);
  lit::image::tag_image(root, two.id.substr(7, 12), "app:1");  // by id prefix; moves app:1
  EXPECT_EQ(store.resolve("app:1").id, two.id);
  lit::image::tag_image(root, "app:2", "plain");  // no tag: latest
  EXPECT_EQ(store.resolve("docker.io/library/plain:latest").id, two.id);
}

TEST_F(ImageOps, TagErrorsNameTheReference) {
  load(one, {"app:1"});
  EXPECT_EQ(error_of([&] { lit::image::tag_image(root, "nosuch:1", "x:1"); }),
            "image not found: nosuch:1");
  EXPECT_NE(error_of([&] {
              lit::image::tag_image(root, "app:1", "Bad/Name");
            }).find("invalid image reference \"Bad/Name\""),
            std::string::npos);
  EXPECT_NE(error_of([&] {
              lit::image::tag_image(root, "app:1", "x@sha256:" + std::string(64, 'a'));
            }).find("a tag cannot contain a digest"),
            std::string::npos);
  EXPECT_EQ(store.list()[0].tags, std::vector<std::string>{"docker.io/library/app:1"});
}

TEST_F(ImageOps, PruneRemovesDanglingImagesOnly) {
  load(one, {"app:1"});
  load(two, {"app:1"});  // moves app:1: image one is dangling now
  auto r = lit::image::prune_images(root, false, {});
  EXPECT_EQ(r.lines, std::vector<std::string>{"deleted: " + one.id});
  EXPECT_EQ(r.reclaimed, 0u);  // its only layer is shared with two
  EXPECT_EQ(store.list().size(), 1u);
  EXPECT_EQ(layers(), 2u);
  EXPECT_FALSE(fs::exists(root / "blobs" / "sha256" / one.id.substr(7)));
  EXPECT_TRUE(lit::image::prune_images(root, false, {}).lines.empty());
}

TEST_F(ImageOps, PruneAllKeepsImagesInUse) {
  load(one, {"app:1"});
  load(two, {"app:2", "app:two"});
  auto r =
      lit::image::prune_images(root, true, [&](const std::string& id) { return id == one.id; });
  EXPECT_EQ(r.lines,
            (std::vector<std::string>{"untagged: app:2", "untagged: app:two", "deleted: " + two.id,
                                      "deleted: " + two.diff_ids[1]}));
  EXPECT_EQ(r.reclaimed, 12u);
  EXPECT_EQ(store.resolve("app:1").id, one.id);
  EXPECT_EQ(layers(), 1u);
  r = lit::image::prune_images(root, true, {});
  EXPECT_EQ(r.reclaimed, 7u);
  EXPECT_TRUE(store.list().empty());
  EXPECT_EQ(layers(), 0u);
  EXPECT_EQ(lit::test::count_entries(root / "blobs" / "sha256"), 0u);
}

TEST(ImageHistory, RowsNewestFirstWithLayerSizes) {
  nlohmann::json cfg = {
      {"created", "2024-01-02T00:00:00Z"},
      {"history",
       {{{"created", "2024-01-01T00:00:00Z"}, {"created_by", "ADD rootfs.tar /"}},
        {{"created", "2024-01-01T00:00:01Z"},
         {"created_by", "CMD [\"sh\"]"},
         {"empty_layer", true}},
        {{"created", "2024-01-02T00:00:00Z"}, {"created_by", "COPY app /"}, {"comment", "c"}}}}};
  auto rows = lit::image::history_rows(cfg, "sha256:abc", {100, 20});
  ASSERT_EQ(rows.size(), 3u);
  EXPECT_EQ(rows[0].id, "sha256:abc");
  EXPECT_EQ(rows[0].created_by, "COPY app /");
  EXPECT_EQ(rows[0].size, 20);
  EXPECT_EQ(rows[0].comment, "c");
  EXPECT_EQ(rows[1].id, "");
  EXPECT_EQ(rows[1].size, 0);
  EXPECT_EQ(rows[2].size, 100);
  EXPECT_EQ(rows[2].created, "2024-01-01T00:00:00Z");
}

TEST(ImageHistory, WithoutHistoryOneRowPerLayer) {
  nlohmann::json cfg = {{"created", "2024-01-02T00:00:00Z"}};
  auto rows = lit::image::history_rows(cfg, "sha256:abc", {1, 2});
  ASSERT_EQ(rows.size(), 2u);
  EXPECT_EQ(rows[0].size, 2);
  EXPECT_EQ(rows[0].id, "sha256:abc");
  EXPECT_EQ(rows[1].size, 1);
  EXPECT_EQ(rows[1].created, "2024-01-02T00:00:00Z");
}

TEST_F(ImageOps, HistoryOfAStoredImage) {
  load(two, {"app:2"});
  auto rows = lit::image::image_history(root, "app:2");
  ASSERT_EQ(rows.size(), 2u);  // the test config has no history: a row per layer
  EXPECT_EQ(rows[0].size, 12);
  EXPECT_EQ(rows[1].size, 7);
  EXPECT_EQ(error_of([&] { lit::image::image_history(root, "nosuch"); }),
            "image not found: nosuch");
}

}  // namespace
