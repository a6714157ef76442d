// Slim images (`lit optimize image`): the merged view of an image's layers,
// the closure of the paths a service used, and the one-layer image made of it.
#include "runtime/image/slim.hpp"

#include <fcntl.h>
#include <gtest/gtest.h>
#include <sys/stat.h>
#include <unistd.h>

#include "runtime/image/slim_view.hpp"
#include "runtime/image/tag.hpp"
#include "runtime/util/fs.hpp"
#include "tests/unit/runtime/image/archive_builder.hpp"

namespace fs = std::filesystem;
using lit::image::Image;
using lit::image::Store;
using lit::test::TarBuilder;

namespace {

class SlimTest : public ::testing::Test {
 protected:
  lit::TempDir tmp{fs::temp_directory_path(), "lit-slim-"};
  fs::path root = tmp.path() / "images";
  Store store{root};

  Image load(const std::vector<TarBuilder>& layers) {
    auto img = lit::test::make_test_image(layers);
    fs::path p = tmp.path() / "in.tar";
    lit::test::write_bytes(p, lit::test::docker_archive(img));
    store.load_archive(p);
    return store.resolve("team/app");
  }

  static TarBuilder busybox_like() {
    return TarBuilder()
        .dir("bin")
        .file("bin/busybox", "ELF", 0755)
        .symlink("bin/sh", "busybox")
        .symlink("bin/cat", "/bin/busybox")
        .dir("usr")
        .dir("usr/bin")
        .symlink("usr/bin/env", "../../bin/busybox")
        .dir("data")
        .file("data/used.txt", "used")
        .file("data/rare.txt", "rare")
        .dir("unused")
        .file("unused/blob.bin", std::string(4096, 'x'))
        .file("unused/tool", "ELF2", 0755)
        .symlink("unused/tool-link", "tool")
        .dir("etc")
        .file("etc/passwd", "root:x:0:0::/root:/bin/sh\n")
        .file("etc/motd", "hi");
  }
};

bool has(const lit::image::MergedView& v, const std::string& p) { return v.contains(p); }

TEST_F(SlimTest, ClosureKeepsSymlinksToKeptFilesDirectoriesAndNothingUnused) {
  Image img = load({busybox_like()});
  auto view = lit::image::merged_view(store.layer_dirs(img));
  auto kept = lit::image::slim_closure(view, {"/bin/busybox", "/data/used.txt"});
  for (const char* p : {"/bin", "/bin/busybox", "/bin/sh", "/bin/cat", "/usr/bin/env",
                        "/data/used.txt", "/unused", "/etc"})
    EXPECT_TRUE(kept.contains(p)) << p;
  for (const char* p : {"/data/rare.txt", "/unused/blob.bin", "/unused/tool", "/unused/tool-link",
                        "/etc/motd", "/etc/passwd"})
    EXPECT_FALSE(kept.contains(p)) << p;
}

TEST_F(SlimTest, WantedPathThroughSymlinksKeepsTheChainAndItsTarget) {
  Image img = load({TarBuilder()
                        .dir("opt")
                        .dir("opt/app-1.0")
                        .file("opt/app-1.0/run", "x", 0755)
                        .symlink("opt/app", "app-1.0")
                        .dir("usr")
                        .dir("usr/local")
                        .symlink("usr/local/app", "/opt/app")});
  auto view = lit::image::merged_view(store.layer_dirs(img));
  auto kept = lit::image::slim_closure(view, {"/usr/local/app/run", "/tmp/created-later"});
  for (const char* p : {"/usr/local/app", "/opt/app", "/opt/app-1.0", "/opt/app-1.0/run"})
    EXPECT_TRUE(kept.contains(p)) << p;
  EXPECT_FALSE(kept.contains("/tmp/created-later"));  // the image never had it
}

TEST_F(SlimTest, MergedViewHonoursWhiteoutsAndOpaqueDirectories) {
  if (::geteuid() != 0) GTEST_SKIP() << "whiteouts are 0:0 device nodes: root only";
  Image img =
      load({TarBuilder().dir("a").file("a/x", "1").file("a/y", "2").dir("b").file("b/old", "3"),
            TarBuilder()
                .dir("a")
                .file("a/.wh.x", "")
                .dir("b")
                .file("b/.wh..wh..opq", "")
                .file("b/new", "4")});
  auto view = lit::image::merged_view(store.layer_dirs(img));
  EXPECT_FALSE(has(view, "/a/x"));
  EXPECT_TRUE(has(view, "/a/y"));
  EXPECT_FALSE(has(view, "/b/old"));
  EXPECT_TRUE(has(view, "/b/new"));
}

TEST_F(SlimTest, SlimImageIsOneLayerWithTheOriginalsConfigAndItsOrigin) {
  Image img = load({busybox_like()});
  auto slim = lit::image::build_slim_image(store, img,
                                           {"/bin/busybox", "/data/used.txt", "/data/rare.txt"});
  EXPECT_NE(slim.image.id, img.id);
  EXPECT_TRUE(slim.image.tags.empty());  // tagged only once verified
  ASSERT_EQ(slim.image.diff_ids.size(), 1u);
  EXPECT_EQ(slim.image.config.cmd, img.config.cmd);
  EXPECT_EQ(slim.image.config.env, img.config.env);
  EXPECT_EQ(slim.image.config.labels.at(lit::image::kSlimFromLabel), img.id);
  EXPECT_LT(slim.kept, slim.all);
  fs::path layer = store.layer_dirs(slim.image).at(0);
  EXPECT_EQ(lit::read_file(layer / "data" / "rare.txt"), "rare");
  EXPECT_EQ(lit::read_file(layer / "etc" / "passwd"), "root:x:0:0::/root:/bin/sh\n");  // essential
  EXPECT_EQ(fs::read_symlink(layer / "bin" / "sh"), "busybox");
  EXPECT_TRUE(fs::is_directory(layer / "unused"));
  EXPECT_FALSE(fs::exists(layer / "unused" / "blob.bin"));
  EXPECT_FALSE(fs::exists(layer / "etc" / "motd"));
  EXPECT_TRUE(fs::is_empty(root / "tmp"));  // nothing of the staging left

  auto again = lit::image::build_slim_image(store, img,
                                            {"/bin/busybox", "/data/used.txt", "/data/rare.txt"});
  EXPECT_EQ(again.image.id, slim.image.id);  // deterministic
}

TEST_F(SlimTest, VerifiedSlimIsTheTaggedOneOfTheCurrentOriginal) {
  Image img = load({busybox_like()});
  auto slim = lit::image::build_slim_image(store, img, {"/bin/busybox"});
  const std::string ref = lit::image::slim_reference("Shop", "web");
  EXPECT_EQ(ref, "shop-web:lit-slim");
  EXPECT_FALSE(lit::image::verified_slim(store, ref, img.id));  // not tagged: not verified
  EXPECT_FALSE(lit::image::slim_sizes(store, "team/app", ref).slim);
  lit::image::tag_image(root, slim.image.id, ref);
  ASSERT_TRUE(lit::image::verified_slim(store, ref, img.id));
  EXPECT_FALSE(lit::image::verified_slim(store, ref, "sha256:" + std::string(64, '0')));
  auto sizes = lit::image::slim_sizes(store, "team/app", ref);
  EXPECT_EQ(sizes.original, img.size);
  ASSERT_TRUE(sizes.slim);
  EXPECT_LT(*sizes.slim, sizes.original);
}

}  // namespace
