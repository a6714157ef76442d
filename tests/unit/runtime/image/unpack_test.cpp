// Safe layer extraction: nothing an archive says may touch anything outside
// the layer directory; whiteouts become overlayfs whiteouts.
#include "runtime/image/unpack.hpp"

#include <fcntl.h>
#include <gtest/gtest.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <sys/xattr.h>
#include <unistd.h>

#include <set>

#include "runtime/image/digest.hpp"
#include "runtime/util/error.hpp"
#include "runtime/util/fs.hpp"
#include "tests/unit/runtime/image/tar_builder.hpp"
#include "tests/unit/runtime/image/unpack_fixture.hpp"

namespace fs = std::filesystem;
using lit::test::Compression;
using lit::test::TarBuilder;

namespace {

using lit::test::is_whiteout;
using lit::test::Unpack;

TEST_F(Unpack, DotDotEntryIsRejected) {
  expect_throws_with(TarBuilder().file("../evil", "x").bytes(), "escapes the layer root");
  EXPECT_FALSE(fs::exists(sandbox.path() / "evil"));
  expect_throws_with(TarBuilder().file("a/../../evil", "x").bytes(), "escapes the layer root");
  EXPECT_FALSE(fs::exists(sandbox.path() / "evil"));
}

TEST_F(Unpack, DotDotInsideTheLayerIsCleaned) {
  unpack(TarBuilder().file("a/../b/./c", "x").bytes());
  EXPECT_EQ(lit::read_file(layer / "b" / "c"), "x");
  EXPECT_FALSE(fs::exists(layer / "a"));
}

TEST_F(Unpack, AbsolutePathLandsInsideTheLayer) {
  auto before = outside_snapshot();
  unpack(TarBuilder().file("/abs/evil", "x").bytes());
  EXPECT_EQ(lit::read_file(layer / "abs" / "evil"), "x");
  EXPECT_FALSE(fs::exists("/abs/evil"));
  EXPECT_EQ(outside_snapshot(), before);
}

TEST_F(Unpack, WriteThroughAbsoluteSymlinkNeverLeavesTheLayer) {
  // link -> <sandbox>/outside resolves to <layer>/<sandbox>/outside, which does not exist.
  expect_throws_with(TarBuilder().symlink("link", outside.string()).file("link/evil", "x").bytes(),
                     "link");
  EXPECT_FALSE(fs::exists(outside / "evil"));
}

TEST_F(Unpack, WriteThroughDotDotSymlinkResolvesToTheLayerRoot) {
  auto before = outside_snapshot();
  unpack(TarBuilder().symlink("up", "../../..").file("up/evil", "x").bytes());
  EXPECT_EQ(lit::read_file(layer / "evil"), "x");
  EXPECT_TRUE(fs::is_symlink(layer / "up"));
  EXPECT_FALSE(fs::exists(sandbox.path() / "evil"));
  EXPECT_EQ(outside_snapshot(), before);
}

TEST_F(Unpack, SymlinkInTheLayerIsFollowedInRoot) {
  unpack(TarBuilder()
             .dir("usr")
             .dir("usr/lib")
             .symlink("lib", "/usr/lib")
             .file("lib/libc.so", "elf")
             .bytes());
  EXPECT_EQ(lit::read_file(layer / "usr" / "lib" / "libc.so"), "elf");
}

TEST_F(Unpack, FileEntryReplacesSymlinkInsteadOfWritingThroughIt) {
  auto before = outside_snapshot();
  unpack(TarBuilder().symlink("f", (outside / "target.txt").string()).file("f", "new").bytes());
  EXPECT_FALSE(fs::is_symlink(layer / "f"));
  EXPECT_EQ(lit::read_file(layer / "f"), "new");
  EXPECT_EQ(lit::read_file(outside / "target.txt"), "host file\n");
  EXPECT_EQ(outside_snapshot(), before);
}

TEST_F(Unpack, DirectoryEntryReplacesSymlink) {
  unpack(TarBuilder().symlink("d", outside.string()).dir("d").file("d/x", "in layer").bytes());
  EXPECT_TRUE(fs::is_directory(fs::symlink_status(layer / "d")));
  EXPECT_EQ(lit::read_file(layer / "d" / "x"), "in layer");
  EXPECT_FALSE(fs::exists(outside / "x"));
}

TEST_F(Unpack, HardlinkToHostFileIsRejected) {
  expect_throws_with(TarBuilder().hardlink("h", (outside / "target.txt").string()).bytes(),
                     "not in this layer");
  expect_throws_with(TarBuilder().hardlink("h", "/etc/passwd").bytes(), "not in this layer");
  expect_throws_with(TarBuilder().hardlink("h", "../outside/target.txt").bytes(),
                     "escapes the layer root");
  expect_throws_with(
      TarBuilder().symlink("d", outside.string()).hardlink("h", "d/target.txt").bytes(),
      "not in this layer");
  EXPECT_EQ(fs::hard_link_count(outside / "target.txt"), 1u);
  EXPECT_EQ(fs::hard_link_count("/etc/passwd"), 1u);
}

TEST_F(Unpack, HardlinkInsideTheLayerSharesTheInode) {
  unpack(TarBuilder().file("a", "data").hardlink("b", "a").bytes());
  EXPECT_EQ(fs::hard_link_count(layer / "a"), 2u);
  EXPECT_TRUE(fs::equivalent(layer / "a", layer / "b"));
}

TEST_F(Unpack, HardlinkToADirectoryIsRejected) {
  expect_throws_with(TarBuilder().dir("d").hardlink("h", "d").bytes(), "is a directory");
}

TEST_F(Unpack, DeviceNodesAreSkippedUnlessAllowed) {
  auto opts = lit::image::UnpackOptions::defaults();
  opts.allow_devices = false;
  unpack(TarBuilder().device("null", AE_IFCHR, 1, 3).fifo("pipe").file("after", "ok").bytes(),
         opts);
  EXPECT_FALSE(fs::exists(fs::symlink_status(layer / "null")));
  EXPECT_TRUE(fs::is_fifo(layer / "pipe"));
  EXPECT_EQ(lit::read_file(layer / "after"), "ok");
}

// Hostile layers (issue 20, "image content"): device entries named with "../"
// or reached through a symlink to a host path, setuid files, links through a
// chain of symlinks. Nothing lands outside the layer directory.
TEST_F(Unpack, DeviceEntryWithDotDotIsRejected) {
  auto opts = lit::image::UnpackOptions::defaults();
  opts.allow_devices = false;
  auto before = outside_snapshot();
  EXPECT_THROW(unpack(TarBuilder().device("../outside/sda", AE_IFBLK, 8, 0).bytes(), opts),
               lit::Error);
  EXPECT_THROW(unpack(TarBuilder().fifo("a/../../outside/pipe").bytes(), opts), lit::Error);
  EXPECT_EQ(outside_snapshot(), before);
}

TEST_F(Unpack, SpecialFilesThroughASymlinkToTheHostStayInTheLayer) {
  auto opts = lit::image::UnpackOptions::defaults();
  opts.allow_devices = false;
  auto before = outside_snapshot();
  try {
    unpack(TarBuilder()
               .symlink("dev", outside.string())
               .device("dev/sda", AE_IFBLK, 8, 0)
               .fifo("dev/pipe")
               .bytes(),
           opts);
  } catch (const lit::Error&) {  // refusing is as good as keeping it in the layer
  }
  EXPECT_EQ(outside_snapshot(), before);
  EXPECT_FALSE(fs::exists(fs::symlink_status(outside / "pipe")));
}

TEST_F(Unpack, WriteThroughAChainOfSymlinksNeverLeavesTheLayer) {
  auto before = outside_snapshot();
  try {
    unpack(TarBuilder()
               .symlink("a", "b")
               .symlink("b", "../../" + outside.string())
               .file("a/evil", "x")
               .hardlink("a/link", "/etc/passwd")
               .bytes());
  } catch (const lit::Error&) {
  }
  EXPECT_EQ(outside_snapshot(), before);
  EXPECT_EQ(fs::hard_link_count("/etc/passwd"), 1u);
}

TEST_F(Unpack, SetuidFilesKeepTheirModeInsideTheLayer) {
  // As docker: the bits stay (no_new_privs and the container's capabilities
  // decide what they are worth); the file is the layer's, nowhere else.
  unpack(TarBuilder().file("bin/su", "#!/bin/sh\n", 04755).file("bin/sg", "x", 02755).bytes());
  struct stat st {};
  ASSERT_EQ(::lstat((layer / "bin" / "su").c_str(), &st), 0);
  EXPECT_EQ(st.st_mode & 07777, 04755u);
  ASSERT_EQ(::lstat((layer / "bin" / "sg").c_str(), &st), 0);
  EXPECT_EQ(st.st_mode & 07777, 02755u);
}

TEST_F(Unpack, DiffIdIsTheDigestOfTheUncompressedTar) {
  const std::string tar = TarBuilder().dir("etc").file("etc/hostname", "lit\n").bytes();
  const std::string expected = lit::image::sha256_digest(tar);
  for (auto c : {Compression::none, Compression::gzip, Compression::zstd}) {
    fs::remove_all(layer);
    fs::create_directories(layer);
    auto r = unpack(lit::test::compress(tar, c));
    EXPECT_EQ(r.diff_id, expected);
    EXPECT_EQ(r.tar_size, tar.size());
    EXPECT_EQ(r.content_size, 4u);
    EXPECT_EQ(lit::read_file(layer / "etc" / "hostname"), "lit\n");
  }
}

TEST_F(Unpack, LaterEntriesReplaceEarlierOnes) {
  unpack(TarBuilder()
             .dir("x")
             .file("x/child", "c")
             .file("x", "now a file")
             .dir("y")
             .file("z", "z")
             .dir("z")
             .bytes());
  EXPECT_EQ(lit::read_file(layer / "x"), "now a file");
  EXPECT_TRUE(fs::is_directory(layer / "z"));
}

TEST_F(Unpack, GarbageIsAClearError) {
  expect_throws_with(std::string(4096, 'x'), "unpack test layer");
  expect_throws_with(TarBuilder().file("a", std::string(10000, 'a')).bytes().substr(0, 3000),
                     "test layer");
}

TEST_F(Unpack, WithoutOpenat2SymlinksInPathsAreRefused) {
  auto opts = lit::image::UnpackOptions::defaults();
  opts.use_openat2 = false;
  unpack(TarBuilder().file("a/b/c", "nested").bytes(), opts);
  EXPECT_EQ(lit::read_file(layer / "a" / "b" / "c"), "nested");
  auto before = outside_snapshot();
  EXPECT_THROW(unpack(TarBuilder().symlink("up", "..").file("up/evil", "x").bytes(), opts),
               lit::Error);
  EXPECT_THROW(
      unpack(TarBuilder().symlink("o", outside.string()).file("o/evil", "x").bytes(), opts),
      lit::Error);
  EXPECT_FALSE(fs::exists(outside / "evil"));
  EXPECT_EQ(outside_snapshot(), before);
}

}  // namespace
