// write_tree_tar: host files as a deterministic layer tar (filesystem.copy).
#include "runtime/image/tree_tar.hpp"

#include <gtest/gtest.h>
#include <sys/stat.h>
#include <utime.h>

#include <fstream>

#include "runtime/image/unpack.hpp"
#include "runtime/util/error.hpp"
#include "runtime/util/fs.hpp"

namespace fs = std::filesystem;
using lit::image::TreeCopy;

namespace {

class TreeTarTest : public ::testing::Test {
 protected:
  lit::TempDir tmp{fs::temp_directory_path(), "lit-treetar-"};
  fs::path src = tmp.path() / "src";

  void SetUp() override {
    fs::create_directories(src / "site" / "css");
    std::ofstream(src / "site" / "index.html") << "<h1>hi</h1>";
    std::ofstream(src / "site" / "css" / "main.css") << "h1{}";
    std::ofstream(src / "hello.txt") << "hello";
    ::chmod((src / "site" / "index.html").c_str(), 0640);
    fs::create_symlink("/etc/passwd", src / "site" / "link");
  }

  std::vector<TreeCopy> copies() const {
    return {{src / "site", "/www"}, {src / "hello.txt", "/etc/hello.txt"}};
  }

  std::string diff_id() {
    lit::UniqueFd fd = lit::image::write_tree_tar(copies(), tmp.path() / "t");
    return lit::image::digest_layer(fd.get(), "tree").diff_id;
  }
};

TEST_F(TreeTarTest, DirectoryContentsGoUnderTargetFileToItsPathSymlinksKept) {
  lit::UniqueFd fd = lit::image::write_tree_tar(copies(), tmp.path() / "t");
  fs::path out = tmp.path() / "out";
  fs::create_directories(out);
  lit::image::unpack_layer(fd.get(), out, "tree");
  EXPECT_EQ(lit::read_file(out / "www" / "index.html"), "<h1>hi</h1>");
  EXPECT_EQ(lit::read_file(out / "www" / "css" / "main.css"), "h1{}");
  EXPECT_EQ(lit::read_file(out / "etc" / "hello.txt"), "hello");
  EXPECT_EQ(fs::status(out / "www" / "index.html").permissions(), fs::perms(0640));
  ASSERT_TRUE(fs::is_symlink(out / "www" / "link"));
  EXPECT_EQ(fs::read_symlink(out / "www" / "link"), "/etc/passwd");
  EXPECT_FALSE(fs::exists(out / "www" / "site"));  // the contents, not the directory itself
  EXPECT_TRUE(fs::is_empty(tmp.path() / "t"));     // the temporary tar has no name
}

TEST_F(TreeTarTest, SameFilesGiveTheSameDiffIdWhateverTheirTimesAndAnEditChangesIt) {
  std::string first = diff_id();
  ::utimbuf old{1000, 1000};
  ::utime((src / "hello.txt").c_str(), &old);
  ::utime((src / "site").c_str(), &old);
  EXPECT_EQ(diff_id(), first);
  std::ofstream(src / "hello.txt") << "hello, edited";
  EXPECT_NE(diff_id(), first);
}

TEST_F(TreeTarTest, MissingSourceIsAnErrorNamingIt) {
  fs::remove(src / "hello.txt");
  try {
    lit::image::write_tree_tar(copies(), tmp.path() / "t");
    FAIL() << "no error";
  } catch (const lit::Error& e) {
    EXPECT_NE(std::string(e.what()).find((src / "hello.txt").string()), std::string::npos)
        << e.what();
  }
}

}  // namespace
