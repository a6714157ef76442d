// write_layer_tar on what only root unpacks (root only): overlay whiteouts and
// opaque directories back to ".wh." entries, device nodes, owners and file
// capabilities kept, and the same tree (and bytes) after another unpack.
#include <fcntl.h>
#include <gtest/gtest.h>
#include <sys/stat.h>
#include <unistd.h>

#include "runtime/image/layer_tar.hpp"
#include "tests/unit/runtime/image/layer_tree.hpp"
#include "tests/unit/runtime/image/tar_builder.hpp"
#include "tests/unit/runtime/image/unpack_fixture.hpp"

namespace {

namespace fs = std::filesystem;
using lit::test::is_whiteout;
using lit::test::layer_tar_bytes;
using lit::test::layer_tree;
using lit::test::tar_entries;
using lit::test::TarBuilder;
using lit::test::Unpack;

const std::string kCap(
    "\x01\x00\x00\x02\x00\x20\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00"
    "\x00\x00\x00\x00",
    20);

TEST_F(Unpack, LayerTarRestoresWhiteoutsOpaqueDirsDevicesAndOwners) {
  if (::geteuid() != 0) GTEST_SKIP() << "overlay whiteouts and device nodes need root";
  unpack(TarBuilder()
             .file(".wh.gone", "")
             .dir("dir", 0750)
             .file("dir/.wh..wh..opq", "")
             .file("dir/keep", "kept")
             .file("sub/.wh.old", "")
             .device("dev/null", AE_IFCHR, 1, 3)
             .device("dev/sda", AE_IFBLK, 8, 0)
             .file("home/app/f", "app's", 0600, 1000, 1001)
             .file("bin/su", "suid", 04755)
             .xattr("bin/ping", "ping", "security.capability", kCap)
             .bytes());
  ASSERT_TRUE(is_whiteout(layer / "gone"));
  const std::string tar = layer_tar_bytes(layer);
  auto entries = tar_entries(tar);
  EXPECT_EQ(entries,
            (std::vector<std::string>{".wh.gone", "bin/", "bin/ping", "bin/su", "dev/", "dev/null",
                                      "dev/sda", "dir/", "dir/.wh..wh..opq", "dir/keep", "home/",
                                      "home/app/", "home/app/f", "sub/", "sub/.wh.old"}));
  fs::path again = sandbox.path() / "again";
  fs::create_directories(again);
  lit::test::write_bytes(sandbox.path() / "again.tar", tar);
  lit::UniqueFd fd(::open((sandbox.path() / "again.tar").c_str(), O_RDONLY | O_CLOEXEC));
  lit::image::unpack_layer(fd.get(), again, "again");
  EXPECT_EQ(layer_tree(again), layer_tree(layer));  // whiteouts, opaque xattr, owners, devices
  EXPECT_TRUE(is_whiteout(again / "sub" / "old"));
  EXPECT_EQ(layer_tar_bytes(again), tar);
  EXPECT_EQ(layer_tar_bytes(layer), tar);
}

}  // namespace
