// The image store's integrity check (issue 22): each layer's content digest
// is recorded as it enters the store (where it is not the diff id), and
// `system check` finds a layer whose files changed since.
#include "runtime/image/store_check.hpp"

#include <fcntl.h>
#include <gtest/gtest.h>
#include <sys/stat.h>

#include <algorithm>
#include <fstream>
#include <nlohmann/json.hpp>

#include "runtime/image/layer_content.hpp"
#include "runtime/image/layer_tar.hpp"
#include "runtime/image/state.hpp"
#include "runtime/image/store.hpp"
#include "runtime/util/error.hpp"
#include "runtime/util/fs.hpp"
#include "tests/unit/runtime/image/archive_builder.hpp"

namespace fs = std::filesystem;
using lit::image::Image;
using lit::image::Store;
using lit::test::TarBuilder;

namespace {

TarBuilder base_layer() {
  return TarBuilder()
      .dir("bin")
      .file("bin/sh", "#!shell", 0755)
      .dir("etc")
      .file("etc/os-release", "lit\n");
}
TarBuilder app_layer(const std::string& text) {
  return TarBuilder().dir("app").file("app/main", text);
}

// An image whose layers are the given tars as they are.
lit::test::TestImage image_of(const std::vector<std::string>& layers) {
  lit::test::TestImage img = lit::test::make_test_image({});
  nlohmann::json cfg = nlohmann::json::parse(img.config);
  for (const auto& l : layers) {
    img.layers.push_back(l);
    img.diff_ids.push_back(lit::image::sha256_digest(l));
  }
  cfg["rootfs"]["diff_ids"] = img.diff_ids;
  img.config = cfg.dump();
  img.id = lit::image::sha256_digest(img.config);
  return img;
}

class StoreCheckTest : public ::testing::Test {
 protected:
  lit::TempDir tmp{fs::temp_directory_path(), "lit-store-check-"};
  fs::path root = tmp.path() / "images";
  Store store{root};
  int files_ = 0;

  Image load(const lit::test::TestImage& img, const std::string& tag) {
    fs::path p = tmp.path() / ("input" + std::to_string(files_++) + ".tar");
    lit::test::write_bytes(p, lit::test::docker_archive(img, {.tags = {tag}}));
    return store.load_archive(p).at(0);
  }

  lit::image::StoreState state() const { return lit::image::load_state(root / "state.json"); }

  // "OBJECT: WHY" of each finding.
  std::vector<std::string> check() const {
    std::vector<std::string> out;
    for (const auto& l : lit::image::image_store_leftovers(root))
      out.push_back(l.object + ": " + l.why);
    return out;
  }

  // The hint --fix gives for the finding about `object`.
  std::string fix_hint(const std::string& object) const {
    for (const auto& l : lit::image::image_store_leftovers(root)) {
      if (l.object != object) continue;
      try {
        l.remove();
      } catch (const lit::Error& e) {
        return e.hint();
      }
    }
    return "no hint";
  }

  fs::path layer_dir(const std::string& diff_id) const {
    return root / "layers" / "sha256" / diff_id.substr(7) / "diff";
  }
};

std::string short12(const std::string& id) { return id.substr(7, 12); }

TEST_F(StoreCheckTest, ALoadRecordsTheContentDigestOnlyOfLayersNotInLitsOwnForm) {
  Image docker_made = load(lit::test::make_test_image({base_layer()}), "a:1");
  const std::string d = docker_made.diff_ids[0];
  const std::string regenerated = lit::image::layer_content_digest(layer_dir(d));
  ASSERT_NE(regenerated, d) << "the test's tar is not in write_layer_tar's form";
  EXPECT_EQ(state().layer_content, (std::map<std::string, std::string>{{d, regenerated}}));
  EXPECT_TRUE(state().unchecked_layers.empty());

  // The same files as lit writes them (as `image save` would): canonical, so
  // nothing is recorded for that layer.
  std::string canonical;
  lit::image::write_layer_tar(layer_dir(d), [&](std::string_view b) { canonical += b; });
  Image lit_made = load(image_of({canonical}), "b:1");
  EXPECT_EQ(lit_made.diff_ids[0], regenerated);
  EXPECT_FALSE(state().layer_content.contains(lit_made.diff_ids[0]));
  EXPECT_TRUE(check().empty());

  // Removing the image drops its record with the layer.
  store.remove("a:1", false, {});
  EXPECT_TRUE(state().layer_content.empty());
}

TEST_F(StoreCheckTest, AChangedByteOrAnAddedFileIsFoundInEveryImageUsingTheLayer) {
  Image a = load(lit::test::make_test_image({base_layer(), app_layer("a")}), "a:1");
  Image b = load(lit::test::make_test_image({base_layer(), app_layer("b")}), "b:1");
  EXPECT_TRUE(check().empty());
  const std::string base = a.diff_ids[0];
  const fs::path sh = layer_dir(base) / "bin" / "sh";
  struct stat st {};
  ASSERT_EQ(::stat(sh.c_str(), &st), 0);
  {
    std::fstream f(sh, std::ios::in | std::ios::out | std::ios::binary);
    f.seekp(2);
    f.put('X');  // "#!shell" -> "#!Xhell": same size, same mtime
  }
  const timespec times[2] = {st.st_atim, st.st_mtim};
  ASSERT_EQ(::utimensat(AT_FDCWD, sh.c_str(), times, AT_SYMLINK_NOFOLLOW), 0);
  const std::string why = ": its layer " + short12(base) +
                          " does not match its diff ID: a file in it was changed, added or removed";
  std::vector<std::string> found = check(), expected = {"image " + short12(a.id) + why,
                                                        "image " + short12(b.id) + why};
  std::ranges::sort(found);
  std::ranges::sort(expected);
  EXPECT_EQ(found, expected);
  // --fix cannot mend it: the hint names both images (the layer goes with the last).
  EXPECT_EQ(fix_hint("image " + short12(a.id)),
            "remove it with: lit image rm -f " + short12(a.id) + " " + short12(b.id) + " (" +
                short12(b.id) + " shares its damaged layer), then load or pull it again");

  // Put back, it passes; a file added to the other layer is found.
  {
    std::fstream f(sh, std::ios::in | std::ios::out | std::ios::binary);
    f.seekp(2);
    f.put('s');
  }
  ASSERT_EQ(::utimensat(AT_FDCWD, sh.c_str(), times, AT_SYMLINK_NOFOLLOW), 0);
  EXPECT_TRUE(check().empty());
  lit::test::write_bytes(layer_dir(b.diff_ids[1]) / "app" / "extra", "new");
  EXPECT_EQ(check(),
            (std::vector<std::string>{
                "image " + short12(b.id) + ": its layer " + short12(b.diff_ids[1]) +
                " does not match its diff ID: a file in it was changed, added or removed"}));
  EXPECT_EQ(fix_hint("image " + short12(b.id)),
            "remove it with: lit image rm -f " + short12(b.id) + ", then load or pull it again");
}

// A store made before content digests were recorded: a layer that is not in
// lit's own form cannot be told from a changed one, so its first check
// records what it finds (trust on first check), and holds it to that after.
TEST_F(StoreCheckTest, ALayerOfAStoreFromBeforeIsTrustedOnItsFirstCheck) {
  Image a = load(lit::test::make_test_image({base_layer()}), "a:1");
  nlohmann::json j = nlohmann::json::parse(std::ifstream(root / "state.json"));
  j.erase("layer_content");  // as an older lit wrote it
  std::ofstream(root / "state.json") << j.dump();
  const std::string d = a.diff_ids[0];
  EXPECT_EQ(state().unchecked_layers, (std::set<std::string>{d}));

  EXPECT_TRUE(check().empty());
  EXPECT_TRUE(state().unchecked_layers.empty());
  EXPECT_EQ(state().layer_content.at(d), lit::image::layer_content_digest(layer_dir(d)));

  lit::test::write_bytes(layer_dir(d) / "etc" / "extra", "new");
  EXPECT_EQ(check(),
            (std::vector<std::string>{
                "image " + short12(a.id) + ": its layer " + short12(d) +
                " does not match its diff ID: a file in it was changed, added or removed"}));
}

}  // namespace
