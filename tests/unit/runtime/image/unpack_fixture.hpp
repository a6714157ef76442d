#pragma once
// The unpacker's test fixture, shared by the unit tests (tests/unit/runtime/image/
// unpack_test.cpp) and the root-only ones (tests/integration/unpack_root_test.cpp):
// a sandbox with a layer directory and an "outside" that nothing may touch.
#include <fcntl.h>
#include <gtest/gtest.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <unistd.h>

#include <filesystem>
#include <set>
#include <string>

#include "runtime/image/unpack.hpp"
#include "runtime/util/error.hpp"
#include "runtime/util/fs.hpp"
#include "tests/unit/runtime/image/tar_builder.hpp"

namespace lit::test {

namespace fs = std::filesystem;

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

  lit::image::UnpackResult unpack(
      const std::string& tar,
      lit::image::UnpackOptions opts = lit::image::UnpackOptions::defaults()) {
    fs::path src = sandbox.path() / "layer.tar";
    lit::test::write_bytes(src, tar);
    lit::UniqueFd fd(::open(src.c_str(), O_RDONLY | O_CLOEXEC));
    return lit::image::unpack_layer(fd.get(), layer, "test layer", opts);
  }

  // Everything in the sandbox except the layer directory and the input tar.
  std::set<std::string> outside_snapshot() const {
    std::set<std::string> out;
    for (auto it = fs::recursive_directory_iterator(sandbox.path());
         it != fs::recursive_directory_iterator(); ++it) {
      if (it->path() == layer) {
        it.disable_recursion_pending();
        continue;
      }
      if (it->path().filename() == "layer.tar") continue;
      out.insert(it->path().string() +
                 (it->is_regular_file() ? ":" + lit::read_file(it->path()) : ""));
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

inline bool is_whiteout(const fs::path& p) {
  struct stat st;
  return ::lstat(p.c_str(), &st) == 0 && S_ISCHR(st.st_mode) && st.st_rdev == makedev(0, 0);
}

}  // namespace lit::test
