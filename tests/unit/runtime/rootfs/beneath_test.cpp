// Paths made beneath a rootfs (runtime/rootfs/beneath.cpp): dangling symlinks
// in an image, absolute or climbing with "..", resolve inside the rootfs.
#include "runtime/rootfs/beneath.hpp"

#include <fcntl.h>
#include <gtest/gtest.h>
#include <unistd.h>

#include <cerrno>
#include <filesystem>
#include <string>

#include "runtime/util/error.hpp"
#include "runtime/util/fs.hpp"

namespace lit::runtime {
namespace {

namespace fs = std::filesystem;

class Beneath : public ::testing::Test {
 protected:
  TempDir dir{fs::temp_directory_path(), "lit-beneath-"};
  fs::path root = dir.path() / "root";
  // A host path the links below aim at: nothing may appear there.
  fs::path host = dir.path() / "host";
  UniqueFd root_fd;

  void SetUp() override {
    fs::create_directories(root);
    root_fd = UniqueFd(::open(root.c_str(), O_PATH | O_DIRECTORY | O_CLOEXEC));
    ASSERT_TRUE(root_fd);
  }
  std::string up() const { return "../../../../../../../../../.." + host.string(); }
};

TEST_F(Beneath, DanglingSymlinksWithDotDotResolveInsideTheRoot) {
  fs::create_symlink(up() + "/a", root / "rel");
  fs::create_symlink("/" + up() + "/b", root / "abs");
  fs::create_symlink("/x/../../y/./z", root / "dots");
  make_dirs_beneath(root_fd.get(), "/rel/sub");
  make_dirs_beneath(root_fd.get(), "/abs");
  make_dirs_beneath(root_fd.get(), "/dots");
  make_file_beneath(root_fd.get(), "/rel/file");
  EXPECT_TRUE(fs::is_directory(root / host.relative_path() / "a" / "sub"));
  EXPECT_TRUE(fs::is_directory(root / host.relative_path() / "b"));
  EXPECT_TRUE(fs::is_directory(root / "y" / "z"));
  EXPECT_TRUE(fs::is_regular_file(root / host.relative_path() / "a" / "file"));
  EXPECT_FALSE(fs::exists(host));
}

// /proc/self/fd/N, /proc/self/cwd: jumps the kernel makes without a path, so
// they could leave any root; refused (seen from the host's own root here).
TEST_F(Beneath, MagicLinksAreRefused) {
  UniqueFd slash(::open("/", O_PATH | O_DIRECTORY | O_CLOEXEC));
  ASSERT_TRUE(slash);
  EXPECT_FALSE(open_beneath(slash.get(), "/proc/self/cwd", O_PATH));
  EXPECT_EQ(errno, ELOOP);
  EXPECT_THROW(make_dirs_beneath(slash.get(), "/proc/self/fd/0"), Error);
}

}  // namespace
}  // namespace lit::runtime
