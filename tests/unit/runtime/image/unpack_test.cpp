// Safe layer extraction: nothing an archive says may touch anything outside
// the layer directory; whiteouts become overlayfs whiteouts.
#include <fcntl.h>
#include <gtest/gtest.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <sys/xattr.h>
#include <unistd.h>

#include <set>

#include "runtime/image/digest.hpp"
#include "runtime/image/unpack.hpp"
#include "runtime/util/error.hpp"
#include "runtime/util/fs.hpp"
#include "tests/unit/runtime/image/tar_builder.hpp"

namespace fs = std::filesystem;
using lit::test::Compression;
using lit::test::TarBuilder;

namespace {

class Unpack : public ::testing::Test {
 protected:
  lit::TempDir sandbox{fs::temp_directory_path(), "lit-unpack-"};
  fs::path layer = sandbox.path() / "layer";
  fs::path outside = sandbox.path() / "outside";

  void SetUp() override {
    fs::create_directories(layer);
    fs::create_directories(outside);
    lit::test::write_bytes(outside / "target.txt", "host file\n");
  }

  lit::image::UnpackResult unpack(const std::string& tar, lit::image::UnpackOptions opts = lit::image::UnpackOptions::defaults()) {
    fs::path src = sandbox.path() / "layer.tar";
    lit::test::write_bytes(src, tar);
    lit::UniqueFd fd(::open(src.c_str(), O_RDONLY | O_CLOEXEC));
    return lit::image::unpack_layer(fd.get(), layer, "test layer", opts);
  }

  // Everything in the sandbox except the layer directory and the input tar.
  std::set<std::string> outside_snapshot() const {
    std::set<std::string> out;
    for (auto it = fs::recursive_directory_iterator(sandbox.path()); it != fs::recursive_directory_iterator(); ++it) {
      if (it->path() == layer) {
        it.disable_recursion_pending();
        continue;
      }
      if (it->path().filename() == "layer.tar") continue;
      out.insert(it->path().string() + (it->is_regular_file() ? ":" + lit::read_file(it->path()) : ""));
    }
    return out;
  }

  void expect_throws_with(const std::string& tar, const std::string& needle) {
    auto before = outside_snapshot();
    try {
      unpack(tar);
      ADD_FAILURE() << "unpack succeeded; expected an error containing: " << needle;
    } catch (const lit::Error& e) {
      EXPECT_NE(std::string(e.what()).find(needle), std::string::npos) << e.what();
    }
    EXPECT_EQ(outside_snapshot(), before);
  }
};

bool is_whiteout(const fs::path& p) {
  struct stat st;
  return ::lstat(p.c_str(), &st) == 0 && S_ISCHR(st.st_mode) && st.st_rdev == makedev(0, 0);
}

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
  expect_throws_with(TarBuilder().symlink("link", outside.string()).file("link/evil", "x").bytes(), "link");
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
  unpack(TarBuilder().dir("usr").dir("usr/lib").symlink("lib", "/usr/lib").file("lib/libc.so", "elf").bytes());
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
  expect_throws_with(TarBuilder().hardlink("h", (outside / "target.txt").string()).bytes(), "not in this layer");
  expect_throws_with(TarBuilder().hardlink("h", "/etc/passwd").bytes(), "not in this layer");
  expect_throws_with(TarBuilder().hardlink("h", "../outside/target.txt").bytes(), "escapes the layer root");
  expect_throws_with(TarBuilder().symlink("d", outside.string()).hardlink("h", "d/target.txt").bytes(),
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

TEST_F(Unpack, DeviceNodesOnlyWhenAllowed) {
  auto opts = lit::image::UnpackOptions::defaults();
  opts.allow_devices = false;
  unpack(TarBuilder().device("null", AE_IFCHR, 1, 3).fifo("pipe").file("after", "ok").bytes(), opts);
  EXPECT_FALSE(fs::exists(fs::symlink_status(layer / "null")));
  EXPECT_TRUE(fs::is_fifo(layer / "pipe"));
  EXPECT_EQ(lit::read_file(layer / "after"), "ok");
  if (::geteuid() != 0) GTEST_SKIP() << "creating device nodes needs root";
  opts.allow_devices = true;
  unpack(TarBuilder().device("null", AE_IFCHR, 1, 3).device("sda", AE_IFBLK, 8, 0).bytes(), opts);
  struct stat st;
  ASSERT_EQ(::lstat((layer / "null").c_str(), &st), 0);
  EXPECT_TRUE(S_ISCHR(st.st_mode));
  EXPECT_EQ(st.st_rdev, makedev(1, 3));
  ASSERT_EQ(::lstat((layer / "sda").c_str(), &st), 0);
  EXPECT_TRUE(S_ISBLK(st.st_mode));
}

TEST_F(Unpack, PreservesModeOwnerTimesAndSafeXattrs) {
  if (::geteuid() != 0) GTEST_SKIP() << "chown to other users needs root";
  unpack(TarBuilder()
             .file("bin/su", "suid", 04755, 0, 0)
             .file("home/app/f", "app's", 0600, 1000, 1000)
             .dir("ro", 0555)
             .file("ro/inside", "x")
             .xattr("cap", "bin", "security.capability", std::string("\x01\x00\x00\x02\x00\x20\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00", 20))
             .xattr("user", "u", "user.note", "hello")
             .xattr("evil", "e", "trusted.overlay.redirect", "/etc")
             .bytes());
  struct stat st;
  ASSERT_EQ(::lstat((layer / "bin/su").c_str(), &st), 0);
  EXPECT_EQ(st.st_mode & 07777, 04755u);
  EXPECT_EQ(st.st_mtime, 1700000000);
  ASSERT_EQ(::lstat((layer / "home/app/f").c_str(), &st), 0);
  EXPECT_EQ(st.st_uid, 1000u);
  EXPECT_EQ(st.st_gid, 1000u);
  EXPECT_EQ(st.st_mode & 07777, 0600u);
  ASSERT_EQ(::lstat((layer / "ro").c_str(), &st), 0);
  EXPECT_EQ(st.st_mode & 07777, 0555u);  // applied after its children were written
  EXPECT_EQ(st.st_mtime, 1700000000);
  char buf[64];
  EXPECT_EQ(::lgetxattr((layer / "user").c_str(), "user.note", buf, sizeof buf), 5);
  EXPECT_EQ(::lgetxattr((layer / "cap").c_str(), "security.capability", buf, sizeof buf), 20);
  EXPECT_LT(::lgetxattr((layer / "evil").c_str(), "trusted.overlay.redirect", buf, sizeof buf), 0);
}

TEST_F(Unpack, WhiteoutsBecomeOverlayWhiteouts) {
  if (::geteuid() != 0) GTEST_SKIP() << "overlay whiteouts (mknod, trusted xattrs) need root";
  unpack(TarBuilder()
             .file(".wh.gone", "")
             .file("dir/keep", "kept")
             .file("dir/.wh..wh..opq", "")  // after a file of its directory
             .file("same", "same layer")
             .file(".wh.same", "")  // whiteouts hide lower layers only
             .file("sub/.wh.later", "")
             .file("sub/later", "replaces the whiteout")
             .file("deep/er/.wh.x", "")  // parents created implicitly
             .bytes());
  EXPECT_TRUE(is_whiteout(layer / "gone"));
  EXPECT_FALSE(fs::exists(fs::symlink_status(layer / ".wh.gone")));
  EXPECT_EQ(lit::read_file(layer / "dir" / "keep"), "kept");
  char v[4] = {};
  EXPECT_EQ(::lgetxattr((layer / "dir").c_str(), "trusted.overlay.opaque", v, sizeof v), 1);
  EXPECT_EQ(v[0], 'y');
  EXPECT_FALSE(fs::exists(fs::symlink_status(layer / "dir" / ".wh..wh..opq")));
  EXPECT_EQ(lit::read_file(layer / "same"), "same layer");
  EXPECT_EQ(lit::read_file(layer / "sub" / "later"), "replaces the whiteout");
  EXPECT_TRUE(is_whiteout(layer / "deep" / "er" / "x"));
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
  unpack(TarBuilder().dir("x").file("x/child", "c").file("x", "now a file").dir("y").file("z", "z").dir("z").bytes());
  EXPECT_EQ(lit::read_file(layer / "x"), "now a file");
  EXPECT_TRUE(fs::is_directory(layer / "z"));
}

TEST_F(Unpack, GarbageIsAClearError) {
  expect_throws_with(std::string(4096, 'x'), "unpack test layer");
  expect_throws_with(TarBuilder().file("a", std::string(10000, 'a')).bytes().substr(0, 3000), "test layer");
}

TEST_F(Unpack, WithoutOpenat2SymlinksInPathsAreRefused) {
  auto opts = lit::image::UnpackOptions::defaults();
  opts.use_openat2 = false;
  unpack(TarBuilder().file("a/b/c", "nested").bytes(), opts);
  EXPECT_EQ(lit::read_file(layer / "a" / "b" / "c"), "nested");
  auto before = outside_snapshot();
  EXPECT_THROW(unpack(TarBuilder().symlink("up", "..").file("up/evil", "x").bytes(), opts), lit::Error);
  EXPECT_THROW(unpack(TarBuilder().symlink("o", outside.string()).file("o/evil", "x").bytes(), opts), lit::Error);
  EXPECT_FALSE(fs::exists(outside / "evil"));
  EXPECT_EQ(outside_snapshot(), before);
}

}  // namespace
