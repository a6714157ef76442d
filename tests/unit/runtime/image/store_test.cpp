// The image store as a user sees it: load, import, resolve, list, remove,
// all-or-nothing on bad input.
#include "runtime/image/store.hpp"

#include <gtest/gtest.h>
#include <sys/stat.h>

#include <fstream>

#include "runtime/image/transaction.hpp"
#include "runtime/util/error.hpp"
#include "runtime/util/fs.hpp"
#include "tests/unit/runtime/image/archive_builder.hpp"

namespace fs = std::filesystem;
using lit::image::Image;
using lit::image::Store;
using lit::test::Compression;
using lit::test::count_entries;
using lit::test::TarBuilder;

namespace {

class StoreTest : public ::testing::Test {
 protected:
  lit::TempDir tmp{fs::temp_directory_path(), "lit-store-"};
  fs::path root = tmp.path() / "images";
  Store store{root};
  int files_ = 0;

  fs::path write(const std::string& bytes, const std::string& suffix = ".tar") {
    fs::path p = tmp.path() / ("input" + std::to_string(files_++) + suffix);
    lit::test::write_bytes(p, bytes);
    return p;
  }

  std::size_t layer_count() const { return count_entries(root / "layers" / "sha256"); }

  void expect_nothing_stored() const {
    EXPECT_TRUE(store.list().empty());
    EXPECT_EQ(layer_count(), 0u);
    EXPECT_EQ(count_entries(root / "blobs" / "sha256"), 0u);
    EXPECT_EQ(count_entries(root / "tmp"), 0u);
  }

  std::string load_error(const std::string& bytes) {
    fs::path p = write(bytes);
    try {
      store.load_archive(p);
    } catch (const lit::Error& e) {
      return e.what();
    }
    return "loaded without error";
  }
};

TarBuilder base_layer() {
  return TarBuilder()
      .dir("bin")
      .file("bin/sh", "#!shell", 0755)
      .dir("etc")
      .file("etc/os-release", "lit\n");
}
TarBuilder app_layer(const std::string& text = "app") {
  return TarBuilder().dir("app").file("app/main", text);
}

TEST_F(StoreTest, LoadsDockerArchiveAndFindsItByEveryName) {
  auto img = lit::test::make_test_image({base_layer(), app_layer()});
  auto loaded =
      store.load_archive(write(lit::test::docker_archive(img, {.outer = Compression::gzip})));
  ASSERT_EQ(loaded.size(), 1u);
  EXPECT_EQ(loaded[0].id, img.id);
  EXPECT_EQ(loaded[0].tags, std::vector<std::string>{"docker.io/team/app:latest"});
  for (const std::string& ref :
       std::vector<std::string>{"team/app", "team/app:latest", "docker.io/team/app:latest", img.id,
                                img.id.substr(7), img.id.substr(7, 12), img.id.substr(0, 11)}) {
    EXPECT_EQ(store.resolve(ref).id, img.id) << ref;
  }
  Image got = store.resolve("team/app");
  EXPECT_EQ(got.config.cmd, std::vector<std::string>{"sh"});
  EXPECT_EQ(got.config.working_dir, "/data");
  EXPECT_EQ(got.config.user, "1000:1000");
  EXPECT_EQ(got.config.exposed_ports, std::vector<std::string>{"80/tcp"});
  EXPECT_EQ(got.config.labels.at("a"), "b");
  EXPECT_EQ(got.diff_ids, img.diff_ids);
  EXPECT_EQ(got.created, "2023-11-14T22:13:20Z");
  EXPECT_EQ(got.size, 7 + 4 + 3);
  auto dirs = store.layer_dirs(got);
  ASSERT_EQ(dirs.size(), 2u);
  EXPECT_EQ(lit::read_file(dirs[0] / "bin" / "sh"), "#!shell");
  EXPECT_EQ(lit::read_file(dirs[1] / "app" / "main"), "app");
  EXPECT_EQ(count_entries(root / "tmp"), 0u);
}

TEST_F(StoreTest, LoadsDockerArchiveWithBlobsLayoutAndCompressedLayers) {
  for (auto c : {Compression::none, Compression::gzip, Compression::zstd}) {
    auto img = lit::test::make_test_image({base_layer(), app_layer("v" + std::to_string(int(c)))});
    store.load_archive(write(
        lit::test::docker_archive(img, {.tags = {"localhost/lit-test:" + std::to_string(int(c))},
                                        .layers = c,
                                        .blobs_layout = true})));
    Image got = store.resolve("localhost/lit-test:" + std::to_string(int(c)));
    EXPECT_EQ(got.id, img.id);
    EXPECT_EQ(got.tags, std::vector<std::string>{"localhost/lit-test:" + std::to_string(int(c))});
  }
  EXPECT_EQ(layer_count(), 4u);  // the base layer is shared by all three images
}

TEST_F(StoreTest, DockerArchiveSymlinkedLayerAndEmptyLayer) {
  // Old `docker save` writes a repeated layer as a symlink to the first copy;
  // an empty layer is a tar of only its end-of-archive blocks.
  auto img = lit::test::make_test_image({base_layer(), TarBuilder(), base_layer()});
  ASSERT_EQ(img.layers[1].size() % 512, 0u);
  TarBuilder tar;
  tar.file(lit::test::hex(img.id) + ".json", img.config)
      .file("l0/layer.tar", img.layers[0])
      .file("l1/layer.tar", img.layers[1])
      .symlink("l2/layer.tar", "../l0/layer.tar");
  nlohmann::json m = {{{"Config", lit::test::hex(img.id) + ".json"},
                       {"RepoTags", {"rep:1"}},
                       {"Layers", {"l0/layer.tar", "l1/layer.tar", "l2/layer.tar"}}}};
  tar.file("manifest.json", m.dump());
  auto loaded = store.load_archive(write(tar.bytes()));
  ASSERT_EQ(loaded.size(), 1u);
  EXPECT_EQ(store.layer_dirs(loaded[0]).size(), 3u);
  EXPECT_EQ(layer_count(), 2u);
}

TEST_F(StoreTest, LoadsOciArchiveWithGzipAndZstdLayers) {
  auto img = lit::test::make_test_image({base_layer(), app_layer()});
  auto loaded =
      store.load_archive(write(lit::test::oci_archive(img, {.outer = Compression::zstd})));
  ASSERT_EQ(loaded.size(), 1u);
  EXPECT_EQ(store.resolve("team/app:latest").id, img.id);
  EXPECT_EQ(lit::read_file(store.layer_dirs(loaded[0])[1] / "app" / "main"), "app");
  // Loading the same image again as a docker-archive reuses its layers.
  store.load_archive(write(lit::test::docker_archive(img, {.tags = {"other:1"}})));
  EXPECT_EQ(layer_count(), 2u);
  EXPECT_EQ(store.resolve("other:1").id, img.id);
}

TEST_F(StoreTest, OciTagComesFromRefNameOnlyWhenItIsAName) {
  auto img = lit::test::make_test_image({base_layer()});
  auto loaded = store.load_archive(
      write(lit::test::oci_archive(img, {.containerd_name = "", .ref_name = "latest"})));
  EXPECT_TRUE(loaded[0].tags.empty());
  loaded = store.load_archive(write(
      lit::test::oci_archive(img, {.containerd_name = "", .ref_name = "localhost/podman-made:1"})));
  EXPECT_EQ(loaded[0].tags, std::vector<std::string>{"localhost/podman-made:1"});
}

TEST_F(StoreTest, LayerDigestMismatchStoresNothing) {
  auto img = lit::test::make_test_image({base_layer(), app_layer()});
  std::string err = load_error(lit::test::oci_archive(img, {.corrupt_layer = true}));
  EXPECT_NE(err.find("digest mismatch"), std::string::npos) << err;
  EXPECT_NE(err.find("layer blob sha256:"), std::string::npos) << err;
  expect_nothing_stored();
}

TEST_F(StoreTest, DiffIdMismatchStoresNothing) {
  auto img = lit::test::make_test_image({base_layer(), app_layer()});
  auto other = lit::test::make_test_image({base_layer(), app_layer("tampered")});
  img.layers[1] = other.layers[1];  // the archive's layer no longer matches the config
  std::string err = load_error(lit::test::docker_archive(img));
  EXPECT_NE(err.find("digest mismatch"), std::string::npos) << err;
  EXPECT_NE(err.find("layer1/layer.tar"), std::string::npos) << err;
  EXPECT_NE(err.find(img.diff_ids[1]), std::string::npos) << err;
  expect_nothing_stored();
}

TEST_F(StoreTest, ConfigDigestMismatchStoresNothing) {
  auto img = lit::test::make_test_image({base_layer()});
  auto other = lit::test::make_test_image({base_layer()}, "other-cmd");
  img.config = other.config;  // stored under img.id's name, but it hashes differently
  std::string err = load_error(lit::test::docker_archive(img));
  EXPECT_NE(err.find("digest mismatch"), std::string::npos) << err;
  EXPECT_NE(err.find("config " + lit::test::hex(img.id) + ".json"), std::string::npos) << err;
  expect_nothing_stored();
}

TEST_F(StoreTest, ShareLayerAlreadyStoredIsStillVerified) {
  auto img = lit::test::make_test_image({base_layer(), app_layer()});
  store.load_archive(write(lit::test::docker_archive(img)));
  auto bad = img;
  bad.layers[0] = TarBuilder().file("evil", "x").bytes();  // claims the stored base layer's diff_id
  std::string err = load_error(lit::test::docker_archive(bad, {.tags = {"bad:1"}}));
  EXPECT_NE(err.find("digest mismatch"), std::string::npos) << err;
  EXPECT_FALSE(store.find("bad:1"));
}

TEST_F(StoreTest, CorruptAndForeignArchivesAreClearErrors) {
  auto img = lit::test::make_test_image({base_layer(), app_layer(std::string(20000, 'x'))});
  std::string whole = lit::test::docker_archive(img);
  std::string err = load_error(whole.substr(0, whole.size() / 2));
  EXPECT_NE(err.find("corrupt archive"), std::string::npos) << err;
  EXPECT_NE(err.find("input"), std::string::npos) << err;  // names the file
  err = load_error(std::string(5000, 'z'));
  EXPECT_NE(err.find("not a tar archive"), std::string::npos) << err;
  err = load_error(TarBuilder().file("hello.txt", "hi").bytes());
  EXPECT_NE(err.find("neither a docker-archive"), std::string::npos) << err;
  err = load_error(
      TarBuilder().file("manifest.json", "[{\"Config\":\"missing.json\",\"Layers\":[]}]").bytes());
  EXPECT_NE(err.find("missing missing.json"), std::string::npos) << err;
  expect_nothing_stored();
}

TEST_F(StoreTest, SecondBadImageInArchiveRollsBackTheFirst) {
  auto good = lit::test::make_test_image({base_layer()});
  auto bad = lit::test::make_test_image({app_layer()});
  bad.layers[0] = TarBuilder().file("x", "y").bytes();
  TarBuilder tar;
  tar.file(lit::test::hex(good.id) + ".json", good.config).file("g.tar", good.layers[0]);
  tar.file(lit::test::hex(bad.id) + ".json", bad.config).file("b.tar", bad.layers[0]);
  nlohmann::json m = {
      {{"Config", lit::test::hex(good.id) + ".json"},
       {"RepoTags", {"good:1"}},
       {"Layers", {"g.tar"}}},
      {{"Config", lit::test::hex(bad.id) + ".json"},
       {"RepoTags", {"bad:1"}},
       {"Layers", {"b.tar"}}},
  };
  tar.file("manifest.json", m.dump());
  EXPECT_NE(load_error(tar.bytes()).find("digest mismatch"), std::string::npos);
  expect_nothing_stored();
}

TEST_F(StoreTest, ImportMakesAOneLayerImage) {
  fs::path tarball = write(lit::test::compress(base_layer().bytes(), Compression::gzip), ".tar.gz");
  Image img = store.import_rootfs(tarball, "local/thing:1");
  EXPECT_EQ(img.tags, std::vector<std::string>{"docker.io/local/thing:1"});
  EXPECT_EQ(img.diff_ids.size(), 1u);
  EXPECT_TRUE(img.config.cmd.empty());
  EXPECT_EQ(img.config.env,
            std::vector<std::string>{
                "PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"});
  EXPECT_EQ(img.os, "linux");
  EXPECT_EQ(lit::read_file(store.layer_dirs(img)[0] / "etc" / "os-release"), "lit\n");
  EXPECT_EQ(store.resolve("local/thing:1").id, img.id);
}

TEST_F(StoreTest, ImportWithInvalidReferenceStoresNothing) {
  fs::path tarball = write(base_layer().bytes());
  try {
    store.import_rootfs(tarball, "Upper/Case");
    ADD_FAILURE() << "import accepted an invalid reference";
  } catch (const lit::Error& e) {
    EXPECT_NE(std::string(e.what()).find("must be lowercase"), std::string::npos) << e.what();
  }
  expect_nothing_stored();
}

TEST_F(StoreTest, RemoveKeepsLayersSharedWithAnotherImage) {
  auto a = lit::test::make_test_image({base_layer(), app_layer("a")});
  auto b = lit::test::make_test_image({base_layer(), app_layer("b")});
  store.load_archive(write(lit::test::docker_archive(a, {.tags = {"a:1"}})));
  store.load_archive(write(lit::test::docker_archive(b, {.tags = {"b:1"}})));
  EXPECT_EQ(layer_count(), 3u);
  auto lines = store.remove("a:1", false, {});
  EXPECT_EQ(lines, (std::vector<std::string>{"Untagged: a:1", "Deleted: " + a.id,
                                             "Deleted: " + a.diff_ids[1]}));
  EXPECT_EQ(layer_count(), 2u);
  Image rest = store.resolve("b:1");
  for (const auto& d : store.layer_dirs(rest)) EXPECT_TRUE(fs::is_directory(d));
  EXPECT_FALSE(store.find("a:1"));
  store.remove("b:1", false, {});
  expect_nothing_stored();
}

TEST_F(StoreTest, RemoveOneOfSeveralTagsOnlyUntags) {
  auto img = lit::test::make_test_image({base_layer()});
  store.load_archive(write(lit::test::docker_archive(img, {.tags = {"x:1", "x:2"}})));
  EXPECT_EQ(store.remove("x:1", false, {}), std::vector<std::string>{"Untagged: x:1"});
  EXPECT_EQ(store.resolve("x:2").id, img.id);
  store.load_archive(write(lit::test::docker_archive(img, {.tags = {"x:1"}})));
  EXPECT_THROW(store.remove(img.id, false, {}), lit::Error);  // two tags: needs -f
  auto lines = store.remove(img.id, true, {});
  EXPECT_EQ(lines.size(), 4u);  // two Untagged, image, layer
  expect_nothing_stored();
}

TEST_F(StoreTest, RemoveRefusesWhileAContainerUsesTheImage) {
  auto img = lit::test::make_test_image({base_layer()});
  store.load_archive(write(lit::test::docker_archive(img)));
  auto used = [&](const std::string& id) { return id == img.id; };
  try {
    store.remove("team/app", false, used);
    ADD_FAILURE() << "removed an image in use";
  } catch (const lit::Error& e) {
    EXPECT_NE(std::string(e.what()).find("in use"), std::string::npos) << e.what();
  }
  EXPECT_EQ(store.resolve("team/app").id, img.id);
  // -f untags, but the image and its layers stay for the container.
  EXPECT_EQ(store.remove("team/app", true, used),
            std::vector<std::string>{"Untagged: team/app:latest"});
  Image kept = store.resolve(img.id);
  EXPECT_TRUE(kept.tags.empty());
  EXPECT_TRUE(fs::is_directory(store.layer_dirs(kept)[0]));
  store.remove(img.id, false, {});
  expect_nothing_stored();
}

TEST_F(StoreTest, NotFoundNamesTheImageWithAHint) {
  try {
    store.resolve("nosuch");
    ADD_FAILURE();
  } catch (const lit::Error& e) {
    EXPECT_STREQ(e.what(), "image not found: nosuch");
    EXPECT_NE(e.hint().find("lit image load -i FILE"), std::string::npos);
  }
  EXPECT_THROW(store.remove("nosuch", false, {}), lit::Error);
  EXPECT_THROW(store.resolve("Bad/Name"), lit::Error);
}

TEST_F(StoreTest, LeftoversOfACrashedWriterAreCleaned) {
  auto img = lit::test::make_test_image({base_layer()});
  store.load_archive(write(lit::test::docker_archive(img)));
  fs::create_directories(root / "tmp" / "tx-crashed" / "layer-0");
  fs::create_directories(root / "layers" / "sha256" / std::string(64, 'a') / "diff");
  lit::test::write_bytes(root / "blobs" / "sha256" / std::string(64, 'b'), "orphan");
  store.remove("team/app", false, {});
  expect_nothing_stored();
}

TEST_F(StoreTest, AnUnchangedIndexIsNotWrittenAgain) {
  auto img = lit::test::make_test_image({base_layer()});
  store.load_archive(write(lit::test::docker_archive(img)));
  struct stat before {};
  ASSERT_EQ(::stat((root / "state.json").c_str(), &before), 0);
  {
    lit::image::Transaction tx(root);
    tx.state().tags["docker.io/team/app:latest"] = tx.state().tags.at("docker.io/team/app:latest");
    tx.commit();
  }
  struct stat after {};
  ASSERT_EQ(::stat((root / "state.json").c_str(), &after), 0);
  EXPECT_EQ(before.st_ino, after.st_ino);  // not replaced
  EXPECT_EQ(count_entries(root / "tmp"), 0u);
  lit::image::Transaction tx(root);
  tx.state().tags["docker.io/team/app:2"] = tx.state().tags.at("docker.io/team/app:latest");
  tx.commit();
  ASSERT_EQ(::stat((root / "state.json").c_str(), &after), 0);
  EXPECT_NE(before.st_ino, after.st_ino);
  EXPECT_EQ(store.resolve("team/app:2").id, img.id);
}

// A pull stages without the store lock: a writer's clean-up of tmp/ leaves its
// directory alone while it lives (its flock), and removes one whose owner is gone.
TEST_F(StoreTest, CleanUpSparesTheStagingOfAPullStillRunning) {
  fs::path live, layer;
  {
    lit::image::UnlockedStaging staging(root);
    live = staging.path();
    layer = staging.layer_dir();
    fs::create_directories(root / "tmp" / "pull-crashed" / "layer-0");
    auto img = lit::test::make_test_image({base_layer()});
    store.load_archive(write(lit::test::docker_archive(img)));  // a writer: cleans tmp/
    EXPECT_TRUE(fs::is_directory(layer / "diff"));
    EXPECT_FALSE(fs::exists(root / "tmp" / "pull-crashed"));
  }
  EXPECT_FALSE(fs::exists(live));
  EXPECT_EQ(count_entries(root / "tmp"), 0u);
}

TEST_F(StoreTest, ListIsNewestFirst) {
  auto old_img = lit::test::make_test_image({base_layer()});
  store.load_archive(write(lit::test::docker_archive(old_img, {.tags = {"old:1"}})));
  Image fresh = store.import_rootfs(write(app_layer().bytes()), "new:1");
  auto all = store.list();
  ASSERT_EQ(all.size(), 2u);
  EXPECT_EQ(all[0].id, fresh.id);
  EXPECT_EQ(all[1].id, old_img.id);
}

}  // namespace
