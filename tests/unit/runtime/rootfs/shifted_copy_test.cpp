#include "runtime/rootfs/shifted_copy.hpp"

#include <fcntl.h>
#include <gtest/gtest.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <sys/xattr.h>
#include <unistd.h>

#include <cstring>
#include <fstream>
#include <optional>
#include <string>

#include "runtime/userns/layer_copies.hpp"
#include "runtime/util/fs.hpp"
#include "tests/unit/error_of.hpp"

using namespace lit::runtime;
using lit::testing::error_of;
namespace fs = std::filesystem;

namespace {

constexpr std::uint32_t kBase = 200000, kSize = 65536;

IdShift range(std::uint32_t size = kSize, std::uint32_t overflow = 65534) {
  return {{0, kBase, size}, {0, kBase + 1, size}, overflow, overflow};
}

TEST(ShiftedCopy, IdsInTheRangeMoveToRangeStartPlusId) {
  EXPECT_EQ(shift_uid(range(), 0, "bin/sh"), kBase);
  EXPECT_EQ(shift_uid(range(), 1000, "home/app"), kBase + 1000);
  EXPECT_EQ(shift_uid(range(), kSize - 1, "x"), kBase + kSize - 1);
  EXPECT_EQ(shift_gid(range(), 0, "bin/sh"), kBase + 1);  // gids by their own range
  EXPECT_EQ(shift_gid(range(), 5, "x"), kBase + 1 + 5);
}

// As through an id-mapped mount: the container sees such a file as nobody
// and cannot own it (the host's overflow id is outside its range).
TEST(ShiftedCopy, IdsPastTheRangeBecomeTheOverflowId) {
  EXPECT_EQ(shift_uid(range(), kSize, "x"), 65534u);
  EXPECT_EQ(shift_uid(range(1000), 1000, "x"), 65534u);
  EXPECT_EQ(shift_gid(range(1000), 4294967294u, "x"), 65534u);
}

TEST(ShiftedCopy, AnOverflowIdInsideTheRangeIsRefusedNamingTheFile) {
  // The container would own the file if it became the overflow id.
  const IdShift s = range(1000, kBase + 10);
  EXPECT_EQ(error_of([&] { shift_uid(s, 1000, "home/app/notes"); }),
            "uid 1000 of home/app/notes is past the container's 1000 ids, and the overflow id "
            "200010 that stands for such ids is inside them");
  EXPECT_EQ(shift_uid(s, 999, "x"), kBase + 999);
}

class ShiftedCopyTree : public ::testing::Test {
 protected:
  void SetUp() override {
    if (::geteuid() != 0) GTEST_SKIP() << "chown to other ids needs root";
    tmp_.emplace(fs::temp_directory_path(), "lit-shifted-copy-");
    layer_ = tmp_->path() / "layers" / "abc123" / "diff";
    fs::create_directories(layer_);
  }

  struct stat st(const fs::path& p) {
    struct stat s {};
    EXPECT_EQ(::lstat(p.c_str(), &s), 0) << p;
    return s;
  }

  void file(const fs::path& rel, const std::string& text, mode_t mode, uid_t uid, gid_t gid) {
    const fs::path p = layer_ / rel;
    std::ofstream(p) << text;
    ASSERT_EQ(::chown(p.c_str(), uid, gid), 0);
    ASSERT_EQ(::chmod(p.c_str(), mode), 0);
  }

  std::optional<lit::TempDir> tmp_;
  fs::path layer_;
};

TEST_F(ShiftedCopyTree, KeepsEverythingButTheOwnersWhichMoveIntoTheRange) {
  fs::create_directories(layer_ / "bin");
  fs::create_directories(layer_ / "home" / "app");
  fs::create_directories(layer_ / "etc" / "opaque");
  file("bin/su", "su\n", 04755, 0, 0);
  file("bin/wall", "wall\n", 02755, 0, 5);
  file("home/app/notes", "hi\n", 0600, 1000, 1000);
  file("stray", "x\n", 0644, 70000, 70000);
  ASSERT_EQ(::chown((layer_ / "home" / "app").c_str(), 1000, 1000), 0);
  ASSERT_EQ(::link((layer_ / "bin" / "su").c_str(), (layer_ / "bin" / "su-link").c_str()), 0);
  ASSERT_EQ(::symlink("su", (layer_ / "bin" / "sudo").c_str()), 0);
  ASSERT_EQ(::lchown((layer_ / "bin" / "sudo").c_str(), 7, 7), 0);
  ASSERT_EQ(::mkfifo((layer_ / "fifo").c_str(), 0640), 0);
  ASSERT_EQ(::mknod((layer_ / "etc" / "gone").c_str(), S_IFCHR | 0, makedev(0, 0)), 0);
  ASSERT_EQ(::mknod((layer_ / "null").c_str(), S_IFCHR | 0666, makedev(1, 3)), 0);
  bool xattrs =
      ::setxattr((layer_ / "etc" / "opaque").c_str(), "trusted.overlay.opaque", "y", 1, 0) == 0;
  const timespec old[2] = {{1000000, 0}, {1000000, 0}};
  ASSERT_EQ(::utimensat(AT_FDCWD, (layer_ / "home" / "app").c_str(), old, 0), 0);

  const fs::path dest = tmp_->path() / "copy";
  fs::create_directory(dest);
  copy_layer_shifted(layer_, dest, range());

  EXPECT_EQ(st(dest / "bin" / "su").st_uid, kBase);
  EXPECT_EQ(st(dest / "bin" / "su").st_mode & 07777, 04755u);  // setuid survives the chown
  EXPECT_EQ(st(dest / "bin" / "wall").st_gid, kBase + 1 + 5);
  EXPECT_EQ(st(dest / "bin" / "wall").st_mode & 07777, 02755u);
  EXPECT_EQ(st(dest / "bin" / "su-link").st_ino, st(dest / "bin" / "su").st_ino);
  EXPECT_EQ(fs::read_symlink(dest / "bin" / "sudo"), "su");
  EXPECT_EQ(st(dest / "bin" / "sudo").st_uid, kBase + 7);
  EXPECT_EQ(st(dest / "home" / "app").st_uid, kBase + 1000);
  EXPECT_EQ(st(dest / "home" / "app").st_mtim.tv_sec, 1000000);
  EXPECT_EQ(st(dest / "home" / "app" / "notes").st_uid, kBase + 1000);
  EXPECT_EQ(st(dest / "home" / "app" / "notes").st_mode & 07777, 0600u);
  EXPECT_EQ(st(dest / "stray").st_uid, 65534u);
  EXPECT_TRUE(S_ISFIFO(st(dest / "fifo").st_mode));
  EXPECT_TRUE(S_ISCHR(st(dest / "etc" / "gone").st_mode));
  EXPECT_EQ(st(dest / "etc" / "gone").st_rdev, makedev(0, 0));
  EXPECT_EQ(st(dest / "null").st_rdev, makedev(1, 3));
  EXPECT_EQ(st(dest).st_uid, kBase);  // the layer's root too
  if (xattrs) {
    char v[2] = {};
    EXPECT_EQ(::lgetxattr((dest / "etc" / "opaque").c_str(), "trusted.overlay.opaque", v, 1), 1);
    EXPECT_EQ(v[0], 'y');
  }
  // The layer itself is untouched.
  EXPECT_EQ(st(layer_ / "bin" / "su").st_uid, 0u);
  EXPECT_EQ(st(layer_ / "home" / "app").st_uid, 1000u);
}

// A v3 file capability names the root it is for: moved into the range like a
// uid, dropped when the range does not cover it. Host root's (rootid 0) reads
// back as v2, which names none and is copied as it is.
TEST_F(ShiftedCopyTree, FileCapabilitiesFollowTheRange) {
  auto cap_v3 = [](std::uint32_t root) {
    std::string v(24, '\0');
    const std::uint32_t words[6] = {0x03000000 | 1, 1u << 10, 0, 0, 0, root};
    for (int w = 0; w < 6; ++w)
      for (int b = 0; b < 4; ++b) v[w * 4 + b] = static_cast<char>((words[w] >> (8 * b)) & 0xFF);
    return v;
  };
  auto cap_of = [](const fs::path& p) {
    std::string v(64, '\0');
    ssize_t n = ::getxattr(p.c_str(), "security.capability", v.data(), v.size());
    v.resize(n < 0 ? 0 : static_cast<std::size_t>(n));
    return v;
  };
  file("ping", "p\n", 0755, 0, 0);
  file("theirs", "t\n", 0755, 0, 0);
  file("odd", "o\n", 0755, 0, 0);
  const std::string host_root = cap_v3(0), theirs = cap_v3(1000), odd = cap_v3(kSize + 5);
  for (const auto& [name, v] : {std::pair{"ping", host_root}, {"theirs", theirs}, {"odd", odd}})
    if (::setxattr((layer_ / name).c_str(), "security.capability", v.data(), v.size(), 0) < 0)
      GTEST_SKIP() << "no file capabilities here: " << std::strerror(errno);
  const fs::path dest = tmp_->path() / "copy";
  fs::create_directory(dest);
  copy_layer_shifted(layer_, dest, range());
  EXPECT_EQ(cap_of(dest / "ping").size(), 20u);  // v2
  EXPECT_EQ(cap_of(dest / "ping"), cap_of(layer_ / "ping"));
  EXPECT_EQ(cap_of(dest / "theirs"), cap_v3(kBase + 1000));
  EXPECT_EQ(cap_of(dest / "odd"), "");
}

TEST_F(ShiftedCopyTree, CopiesAreMadeOnceAndRemovedWithTheRange) {
  file("a", "a\n", 0644, 0, 0);
  const UserNamespace ns{{0, kBase, kSize}, {0, kBase, kSize}};
  LayerCopies copies(tmp_->path() / "userns-layers", ns);
  EXPECT_EQ(copies.dir(), tmp_->path() / "userns-layers" / "200000-200000-65536");
  const fs::path copy = copies.ensure(layer_);
  EXPECT_EQ(copy, copies.dir() / "abc123");
  EXPECT_EQ(st(copy / "a").st_uid, kBase);
  const ino_t inode = st(copy).st_ino;
  EXPECT_EQ(st(copies.ensure(layer_)).st_ino, inode);  // the same copy, reused
  copies.remove();
  EXPECT_FALSE(fs::exists(copies.dir()));
}

TEST_F(ShiftedCopyTree, AFailedCopyLeavesNothingBehind) {
  file("a", "a\n", 0644, 0, 0);
  file("b", "b\n", 0644, 2000, 0);
  const UserNamespace ns{{0, 65000, 1000}, {0, 65000, 1000}};  // 65534 inside, uid 2000 outside
  LayerCopies copies(tmp_->path() / "userns-layers", ns);
  EXPECT_EQ(error_of([&] { copies.ensure(layer_); }),
            "copy layer " + layer_.string() +
                " with its ids shifted into the range: uid 2000 of b is past the container's "
                "1000 ids, and the overflow id 65534 that stands for such ids is inside them");
  EXPECT_TRUE(fs::is_empty(copies.dir()));
}

}  // namespace
