// The shared init layer: made once, and used only above images whose /etc it
// can stand for.
#include "runtime/rootfs/init_layer.hpp"

#include <gtest/gtest.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <iterator>

#include "runtime/util/fs.hpp"

namespace lit::runtime {
namespace {

namespace fs = std::filesystem;

class InitLayer : public ::testing::Test {
 protected:
  void SetUp() override {
    for (const char* l : {"bottom", "top"}) fs::create_directories(tmp.path() / l);
  }
  fs::path layer(const char* name) const { return tmp.path() / name; }
  std::vector<fs::path> layers() const { return {layer("bottom"), layer("top")}; }
  void make_etc(const char* l, mode_t mode) const {
    fs::create_directories(layer(l) / "etc");
    ::chmod((layer(l) / "etc").c_str(), mode);
  }
  lit::TempDir tmp{fs::temp_directory_path(), "lit-init-layer-"};
};

TEST_F(InitLayer, IsMadeOnceWithEmptyMountPoints) {
  fs::path dir = ensure_init_layer(tmp.path() / "root" / "init-layer");
  for (const char* f : {"hostname", "hosts", "resolv.conf"}) {
    EXPECT_TRUE(fs::is_regular_file(dir / "etc" / f)) << f;
    EXPECT_EQ(fs::file_size(dir / "etc" / f), 0u) << f;
  }
  struct stat st {};
  ASSERT_EQ(::stat((dir / "etc").c_str(), &st), 0);
  EXPECT_EQ(st.st_mode & 07777, 0755u);
  ASSERT_EQ(::stat((dir / "etc" / "hosts").c_str(), &st), 0);
  ino_t ino = st.st_ino;
  EXPECT_EQ(ensure_init_layer(dir), dir);  // already there: left as it is
  ASSERT_EQ(::stat((dir / "etc" / "hosts").c_str(), &st), 0);
  EXPECT_EQ(st.st_ino, ino);
  auto entries =
      std::distance(fs::directory_iterator(tmp.path() / "root"), fs::directory_iterator{});
  EXPECT_EQ(entries, 1) << "a temporary directory was left next to the layer";
}

TEST_F(InitLayer, FitsAPlainEtcOrNone) {
  EXPECT_TRUE(init_layer_fits(layers())) << "no /etc at all";
  make_etc("bottom", 0755);
  if (::geteuid() == 0) {
    EXPECT_TRUE(init_layer_fits(layers())) << "root-owned 0755 /etc below";
  }
}

TEST_F(InitLayer, TheTopMostEtcDecides) {
  make_etc("bottom", 0755);
  make_etc("top", 0700);
  EXPECT_FALSE(init_layer_fits(layers())) << "its mode would change to 0755";
}

TEST_F(InitLayer, ASymlinkedOrRemovedEtcKeepsTheImages) {
  make_etc("bottom", 0755);
  fs::create_directory_symlink("usr/etc", layer("top") / "etc");
  EXPECT_FALSE(init_layer_fits(layers()));
  fs::remove(layer("top") / "etc");
  std::ofstream(layer("top") / ".wh.etc").flush();
  EXPECT_FALSE(init_layer_fits(layers()));
  fs::remove(layer("top") / ".wh.etc");
  if (::geteuid() == 0) {  // overlayfs's own whiteout: a 0/0 character device
    ASSERT_EQ(::mknod((layer("top") / "etc").c_str(), S_IFCHR | 0600, makedev(0, 0)), 0);
    EXPECT_FALSE(init_layer_fits(layers()));
  }
}

}  // namespace
}  // namespace lit::runtime
