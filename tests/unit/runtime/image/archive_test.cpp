#include "runtime/image/archive.hpp"

#include <fcntl.h>
#include <gtest/gtest.h>

#include <filesystem>
#include <string>

#include "runtime/util/fs.hpp"
#include "tests/unit/error_of.hpp"
#include "tests/unit/runtime/image/tar_builder.hpp"

namespace fs = std::filesystem;
using lit::testing::error_of;

namespace {

std::string stage_error(const std::string& bytes) {
  lit::TempDir tmp{fs::temp_directory_path(), "lit-archive-"};
  lit::test::write_bytes(tmp.path() / "x.tar.gz", bytes);
  lit::UniqueFd fd(::open((tmp.path() / "x.tar.gz").c_str(), O_RDONLY | O_CLOEXEC));
  return error_of(
      [&] { lit::image::ArchiveContents::stage(fd.get(), "x.tar.gz", tmp.path() / "stage"); });
}

}  // namespace

// Found by tests/fuzz/image_manifest_fuzz.cpp: on this corrupt gzip stream
// libarchive fails without a message, and the null message crashed lit.
TEST(ImageArchive, CorruptGzipWithoutLibarchiveMessageIsAnError) {
  const std::string bytes(
      "\x1f\x8b\x08\x00\x00\x00\x00\x00\x02\x03\xed\x97\x41\x6b\xdb\x30\x18\x86\x75\xde\xaf\x10\xdf"
      "\xd9"
      "\x24\x92\x6c\xc9\x89\x61\x87\x31\x06\x3b\xec\x30\x46\x6f\x21\x14\xd9\x92\x6b\x6d\x8e\x55\x2c"
      "\x65"
      "\x2c\x94\xfe\xf7\x7e\x49\x7a\x69\x4a\xa1\x30\xe2\xb0\x45\xcf\x45\xd2\x87\x91\x8d\xe4\xe7\x95"
      "\xbd"
      "\xd1\xc1\x0f\xe4\x3c\x30\x44\x15\xc5\xa1\x45\x4e\x5b\xc6\xcf\x0b\x29\x8a\xb2\x76\x09\x21\xea"
      "\x11"
      "\x1f\x85\x5c\x27\xab\x07\xec\x87\xd6\x41\x45\xa1\x39\xbc\x05\x90\x61\xfd\x58\x5d\x6a\x58\x7e"
      "\x5c"
      "\x93\xc4\x4d\x73\x4e\xe9\x7f\xb3\x92\x0b\x96\xfc\x9f\x82\x32\xfc\x0f\xbe\x25\xc7\xc7\x70\x08"
      "\x72"
      "\x72\x59\xff\x99\x3c\xf5\x5f\x95\x32\xf9\x3f\x09\x03\x3b\x3a\xea\xe2\x87\x24\xcb\x7f\x88\x71"
      "\xe3"
      "\x9c\x4c\x29\xe5\xdb\x7e\xff\x95\x26\xff\x27\x5d\x34\x99\xe6\x67\x9f\xae\x7c\xff\x13\x89\xc4"
      "\xf5"
      "\xf2\x04",
      194);
  EXPECT_EQ(stage_error(bytes), "corrupt archive x.tar.gz: not a tar archive (unknown error)");
}
