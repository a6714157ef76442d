// Unpacking what only root may create (root only): device nodes, other owners
// and security xattrs, overlayfs whiteouts (mknod 0/0, trusted xattrs).
#include <gtest/gtest.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <sys/xattr.h>
#include <unistd.h>

#include "tests/unit/runtime/image/tar_builder.hpp"
#include "tests/unit/runtime/image/unpack_fixture.hpp"

namespace {

namespace fs = std::filesystem;
using lit::test::is_whiteout;
using lit::test::TarBuilder;
using lit::test::Unpack;

TEST_F(Unpack, DeviceNodesWhenAllowed) {
  if (::geteuid() != 0) GTEST_SKIP() << "creating device nodes needs root";
  auto opts = lit::image::UnpackOptions::defaults();
  opts.allow_devices = true;
  unpack(TarBuilder().device("null", AE_IFCHR, 1, 3).device("sda", AE_IFBLK, 8, 0).bytes(), opts);
  struct stat st;
  ASSERT_EQ(::lstat((layer / "null").c_str(), &st), 0);
  EXPECT_TRUE(S_ISCHR(st.st_mode));
  EXPECT_EQ(st.st_rdev, makedev(1, 3));
  ASSERT_EQ(::lstat((layer / "sda").c_str(), &st), 0);
  EXPECT_TRUE(S_ISBLK(st.st_mode));
}

// A device entry reached through a symlink to a host directory is made inside
// the layer (the symlink resolves in the layer's root) or refused; never on the host.
TEST_F(Unpack, DeviceNodeThroughASymlinkNeverLandsOnTheHost) {
  if (::geteuid() != 0) GTEST_SKIP() << "creating device nodes needs root";
  auto opts = lit::image::UnpackOptions::defaults();
  opts.allow_devices = true;
  auto before = outside_snapshot();
  try {
    unpack(TarBuilder()
               .symlink("dev", outside.string())
               .device("dev/sda", AE_IFBLK, 8, 0)
               .device("../sdb", AE_IFBLK, 8, 16)
               .bytes(),
           opts);
  } catch (const lit::Error&) {
  }
  EXPECT_EQ(outside_snapshot(), before);
  EXPECT_FALSE(fs::exists(fs::symlink_status(outside / "sda")));
  EXPECT_FALSE(fs::exists(fs::symlink_status(sandbox.path() / "sdb")));
}

TEST_F(Unpack, PreservesModeOwnerTimesAndSafeXattrs) {
  if (::geteuid() != 0) GTEST_SKIP() << "chown to other users needs root";
  unpack(TarBuilder()
             .file("bin/su", "suid", 04755, 0, 0)
             .file("home/app/f", "app's", 0600, 1000, 1000)
             .dir("ro", 0555)
             .file("ro/inside", "x")
             .xattr("cap", "bin", "security.capability",
                    std::string("\x01\x00\x00\x02\x00\x20\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00"
                                "\x00\x00\x00\x00",
                                20))
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

}  // namespace
