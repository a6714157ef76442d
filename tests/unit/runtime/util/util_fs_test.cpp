// remove_tree: rm -r without following symlinks, empty directories removed
// without being opened, errors naming the entry.
#include <gtest/gtest.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <filesystem>
#include <fstream>

#include "runtime/util/error.hpp"
#include "runtime/util/fs.hpp"

namespace fs = std::filesystem;

namespace {

class RemoveTree : public ::testing::Test {
 protected:
  lit::TempDir tmp{fs::temp_directory_path(), "lit-remove-tree-"};
};

TEST_F(RemoveTree, RemovesNestedFilesDirectoriesAndLinksButNotWhatLinksPointTo) {
  fs::path outside = tmp.path() / "outside";
  fs::create_directories(outside / "keep");
  std::ofstream(outside / "keep" / "file") << "precious";
  fs::path tree = tmp.path() / "tree";
  fs::create_directories(tree / "a" / "b" / "c");
  fs::create_directories(tree / "empty");
  std::ofstream(tree / "a" / "file") << "x";
  std::ofstream(tree / "a" / "b" / "c" / "deep") << "y";
  fs::create_directory_symlink(outside, tree / "a" / "to-outside");
  fs::create_symlink(outside / "keep" / "file", tree / "link-to-file");
  ::mkfifo((tree / "a" / "fifo").c_str(), 0600);
  // overlayfs leaves work/work at mode 000 (root, who removes it, may still list it)
  fs::create_directories(tree / "locked" / "inner");
  if (::geteuid() == 0) ::chmod((tree / "locked").c_str(), 0);

  lit::remove_tree(tree);
  EXPECT_FALSE(fs::exists(fs::symlink_status(tree)));
  EXPECT_TRUE(fs::exists(outside / "keep" / "file"));
  std::ifstream in(outside / "keep" / "file");
  std::string content;
  in >> content;
  EXPECT_EQ(content, "precious");
}

TEST_F(RemoveTree, AMissingPathOrAPlainFileIsFine) {
  EXPECT_NO_THROW(lit::remove_tree(tmp.path() / "nothing-here"));
  std::ofstream(tmp.path() / "plain") << "z";
  lit::remove_tree(tmp.path() / "plain");
  EXPECT_FALSE(fs::exists(tmp.path() / "plain"));
}

TEST_F(RemoveTree, ATopLevelSymlinkGoesButNotItsTarget) {
  fs::create_directories(tmp.path() / "target" / "sub");
  fs::create_directory_symlink(tmp.path() / "target", tmp.path() / "link");
  lit::remove_tree(tmp.path() / "link");
  EXPECT_FALSE(fs::exists(fs::symlink_status(tmp.path() / "link")));
  EXPECT_TRUE(fs::is_directory(tmp.path() / "target" / "sub"));
}

TEST_F(RemoveTree, AnErrorNamesThePath) {
  std::ofstream(tmp.path() / "file") << "f";
  try {
    lit::remove_tree(tmp.path() / "file" / "below");  // a path through a file: ENOTDIR
    ADD_FAILURE() << "no error for a path through a file";
  } catch (const lit::Error& e) {
    EXPECT_NE(std::string(e.what()).find((tmp.path() / "file" / "below").string()),
              std::string::npos)
        << e.what();
    EXPECT_EQ(e.err(), ENOTDIR);
  }
}

}  // namespace

// make_dirs: mkdir -p with the given mode; what exists is fine; an error names
// the directory that could not be made.
namespace {

class MakeDirs : public ::testing::Test {
 protected:
  lit::TempDir tmp{fs::temp_directory_path(), "lit-make-dirs-"};
};

TEST_F(MakeDirs, MakesEveryMissingParentWithTheMode) {
  const fs::path deep = tmp.path() / "a" / "b" / "c";
  lit::make_dirs(deep, 0700);
  for (const fs::path& p : {tmp.path() / "a", tmp.path() / "a" / "b", deep}) {
    struct stat st {};
    ASSERT_EQ(::stat(p.c_str(), &st), 0) << p;
    EXPECT_TRUE(S_ISDIR(st.st_mode)) << p;
    EXPECT_EQ(st.st_mode & 07777, 0700u & ~::umask(::umask(0))) << p;
  }
  lit::make_dirs(deep, 0700);  // again: there already
  lit::make_dirs(tmp.path() / "a" / "b" / "c" / "", 0700);
}

TEST_F(MakeDirs, AFileInTheWayIsAnErrorNamingTheDirectory) {
  std::ofstream(tmp.path() / "file") << "x";
  try {
    lit::make_dirs(tmp.path() / "file" / "sub", 0755);
    FAIL() << "made a directory beneath a file";
  } catch (const lit::Error& e) {
    EXPECT_EQ(std::string(e.what()),
              "create directory " + (tmp.path() / "file" / "sub").string() + ": Not a directory");
  }
}

}  // namespace
