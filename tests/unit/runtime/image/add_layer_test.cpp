// Store::add_layer: an image derived from a stored one plus one layer (the
// shorthand's filesystem.copy), deterministic and all-or-nothing.
#include <fcntl.h>
#include <gtest/gtest.h>

#include "runtime/image/store.hpp"
#include "runtime/util/error.hpp"
#include "runtime/util/fs.hpp"
#include "tests/unit/runtime/image/archive_builder.hpp"

namespace fs = std::filesystem;
using lit::image::Image;
using lit::image::Store;
using lit::test::count_entries;
using lit::test::TarBuilder;

namespace {

class AddLayerTest : public ::testing::Test {
 protected:
  lit::TempDir tmp{fs::temp_directory_path(), "lit-addlayer-"};
  fs::path root = tmp.path() / "images";
  Store store{root};
  int files_ = 0;

  lit::UniqueFd input(const std::string& bytes) {
    fs::path p = tmp.path() / ("input" + std::to_string(files_++) + ".tar");
    lit::test::write_bytes(p, bytes);
    return lit::UniqueFd(::open(p.c_str(), O_RDONLY | O_CLOEXEC));
  }

  Image base() {
    auto img = lit::test::make_test_image({TarBuilder()
                                               .dir("bin")
                                               .file("bin/sh", "#!shell", 0755)
                                               .dir("etc")
                                               .file("etc/os-release", "lit\n")});
    store.load_archive(input(lit::test::docker_archive(img)).get(), "base.tar");
    return store.resolve("team/app");
  }

  Image add(const Image& b, const std::string& text, const std::string& ref = "proj-web:lit-copy") {
    lit::UniqueFd fd = input(TarBuilder().dir("www").file("www/index.html", text).bytes());
    return store.add_layer(b, fd.get(), "./site:/www", ref);
  }
};

TEST_F(AddLayerTest, DerivedImageIsBasePlusOneLayerWithBaseSettings) {
  Image b = base();
  Image d = add(b, "hello");
  ASSERT_EQ(d.diff_ids.size(), b.diff_ids.size() + 1);
  EXPECT_TRUE(std::equal(b.diff_ids.begin(), b.diff_ids.end(), d.diff_ids.begin()));
  EXPECT_NE(d.id, b.id);
  EXPECT_EQ(d.tags, std::vector<std::string>{"docker.io/library/proj-web:lit-copy"});
  EXPECT_EQ(d.config.cmd, b.config.cmd);
  EXPECT_EQ(d.config.env, b.config.env);
  EXPECT_EQ(d.config.working_dir, b.config.working_dir);
  EXPECT_EQ(d.config.user, b.config.user);
  EXPECT_EQ(d.config.exposed_ports, b.config.exposed_ports);
  EXPECT_EQ(d.created, b.created);
  auto dirs = store.layer_dirs(d);
  ASSERT_EQ(dirs.size(), 2u);
  EXPECT_EQ(lit::read_file(dirs[0] / "bin" / "sh"), "#!shell");
  EXPECT_EQ(lit::read_file(dirs[1] / "www" / "index.html"), "hello");
  EXPECT_EQ(store.resolve("proj-web:lit-copy").id, d.id);
  EXPECT_EQ(store.resolve("team/app").id, b.id);  // the base keeps its tag
  EXPECT_EQ(count_entries(root / "tmp"), 0u);
}

TEST_F(AddLayerTest, SameContentIsStoredOnceAndNewContentRetags) {
  Image b = base();
  Image first = add(b, "hello");
  Image again = add(b, "hello");
  EXPECT_EQ(again.id, first.id);
  EXPECT_EQ(again.diff_ids, first.diff_ids);
  EXPECT_EQ(store.list().size(), 2u);
  EXPECT_EQ(count_entries(root / "layers" / "sha256"), 2u);

  Image changed = add(b, "changed");
  EXPECT_NE(changed.id, first.id);
  EXPECT_EQ(store.resolve("proj-web:lit-copy").id, changed.id);
  EXPECT_EQ(lit::read_file(store.layer_dirs(changed)[1] / "www" / "index.html"), "changed");
  EXPECT_TRUE(store.resolve(first.id).tags.empty());  // the old one is untagged, not deleted
}

TEST_F(AddLayerTest, BadBaseOrBrokenTarLeavesNothing) {
  Image b = base();
  const std::size_t blobs = count_entries(root / "blobs" / "sha256");
  Image missing = b;
  missing.id = "sha256:" + std::string(64, 'a');
  EXPECT_THROW(add(missing, "x"), lit::Error);
  lit::UniqueFd broken = input(std::string(700, 'x'));
  EXPECT_THROW(store.add_layer(b, broken.get(), "./site:/www", "proj-web:lit-copy"), lit::Error);
  EXPECT_THROW(add(b, "x", "Bad/Upper"), lit::Error);
  EXPECT_EQ(store.list().size(), 1u);
  EXPECT_FALSE(store.find("proj-web:lit-copy"));
  EXPECT_EQ(count_entries(root / "layers" / "sha256"), 1u);
  EXPECT_EQ(count_entries(root / "blobs" / "sha256"), blobs);
  EXPECT_EQ(count_entries(root / "tmp"), 0u);
}

}  // namespace
