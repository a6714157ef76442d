// write_layer_tar: an unpacked layer back into a tar, the same bytes every time.
#include "runtime/image/layer_tar.hpp"

#include <fcntl.h>
#include <gtest/gtest.h>
#include <sys/stat.h>
#include <sys/xattr.h>

#include "runtime/image/digest.hpp"
#include "runtime/util/error.hpp"
#include "tests/unit/runtime/image/layer_tree.hpp"
#include "tests/unit/runtime/image/tar_builder.hpp"
#include "tests/unit/runtime/image/unpack_fixture.hpp"

namespace {

namespace fs = std::filesystem;
using lit::test::layer_tar_bytes;
using lit::test::layer_tree;
using lit::test::tar_entries;
using lit::test::TarBuilder;
using lit::test::Unpack;

class LayerTar : public Unpack {
 protected:
  // Unpacks `tar` into a fresh directory of the sandbox.
  fs::path unpack_into(const std::string& name, const std::string& tar) {
    fs::path dir = sandbox.path() / name;
    fs::create_directories(dir);
    fs::path src = sandbox.path() / (name + ".tar");
    lit::test::write_bytes(src, tar);
    lit::UniqueFd fd(::open(src.c_str(), O_RDONLY | O_CLOEXEC));
    lit::image::unpack_layer(fd.get(), dir, name);
    return dir;
  }
};

TarBuilder sample() {
  return TarBuilder()
      .dir("usr")
      .dir("usr/bin")
      .file("usr/bin/tool", "#!tool", 0755)
      .hardlink("usr/bin/tool-alias", "usr/bin/tool")
      .symlink("bin", "usr/bin")
      .file("etc/b.conf", "b")  // parents implied
      .file("etc/a.conf", "a", 0600)
      .dir("etc/a.d", 0700)
      .file("a-b", "dash")
      .fifo("run/fifo")
      .xattr("notes", "n", "user.note", "hello");
}

TEST_F(LayerTar, SameDirectoryGivesTheSameBytesAndItsDigest) {
  unpack(sample().bytes());
  lit::image::LayerTarDigest d1, d2;
  std::string first = layer_tar_bytes(layer, &d1);
  std::string second = layer_tar_bytes(layer, &d2);
  EXPECT_EQ(first, second);
  EXPECT_EQ(d1.diff_id, lit::image::sha256_digest(first));
  EXPECT_EQ(d1.size, first.size());
  EXPECT_EQ(d1.diff_id, d2.diff_id);
  EXPECT_EQ(lit::image::write_layer_tar(layer, nullptr).diff_id, d1.diff_id);  // hashing only
}

TEST_F(LayerTar, EntriesSortedDepthFirstWithLinksKept) {
  unpack(sample().bytes());
  EXPECT_EQ(tar_entries(layer_tar_bytes(layer)),
            (std::vector<std::string>{"a-b", "bin s-> usr/bin", "etc/", "etc/a.conf", "etc/a.d/",
                                      "etc/b.conf", "notes", "run/", "run/fifo", "usr/", "usr/bin/",
                                      "usr/bin/tool", "usr/bin/tool-alias h-> usr/bin/tool"}));
}

TEST_F(LayerTar, UnpackingTheResultGivesTheSameTreeAndIsAFixedPoint) {
  unpack(sample().bytes());
  const std::string once = layer_tar_bytes(layer);
  fs::path again = unpack_into("again", once);
  EXPECT_EQ(layer_tree(again), layer_tree(layer));
  EXPECT_EQ(layer_tar_bytes(again), once);  // a tar lit wrote round-trips byte for byte
  fs::path third = unpack_into("third", once);
  EXPECT_EQ(layer_tar_bytes(third), once);  // and a second unpack of it too
}

TEST_F(LayerTar, KeepsModesOwnersTimesAndUserXattrs) {
  unpack(sample().bytes());
  const std::string tar = layer_tar_bytes(layer);
  archive* a = archive_read_new();
  archive_read_support_format_tar(a);
  archive_read_open_memory(a, tar.data(), tar.size());
  archive_entry* e;
  std::map<std::string, std::string> seen;
  while (archive_read_next_header(a, &e) == ARCHIVE_OK) {
    std::string x;
    archive_entry_xattr_reset(e);
    const char* name;
    const void* value;
    size_t size;
    while (archive_entry_xattr_next(e, &name, &value, &size) == ARCHIVE_OK)
      x += std::string(name) + "=" + std::string(static_cast<const char*>(value), size);
    seen[archive_entry_pathname(e)] = std::to_string(archive_entry_perm(e)) + " " +
                                      std::to_string(archive_entry_mtime(e)) + " " + x;
    EXPECT_FALSE(archive_entry_atime_is_set(e)) << archive_entry_pathname(e);
    const char* uname = archive_entry_uname(e);
    EXPECT_TRUE(uname == nullptr || *uname == '\0') << archive_entry_pathname(e);
  }
  archive_read_free(a);
  EXPECT_EQ(seen["etc/a.conf"], std::to_string(0600) + " 1700000000 ");
  EXPECT_EQ(seen["etc/a.d/"], std::to_string(0700) + " 1700000000 ");
  EXPECT_EQ(seen["notes"], std::to_string(0755) + " 1700000000 user.note=hello");
}

TEST_F(LayerTar, AnUnreadableLayerNamesIt) {
  try {
    lit::image::write_layer_tar(sandbox.path() / "missing", nullptr);
    ADD_FAILURE() << "no error";
  } catch (const lit::Error& e) {
    EXPECT_NE(std::string(e.what()).find("missing"), std::string::npos) << e.what();
  }
}

TEST_F(LayerTar, ASinkErrorStopsTheWrite) {
  unpack(sample().bytes());
  EXPECT_THROW(lit::image::write_layer_tar(
                   layer, [](std::string_view) { throw lit::Error("write", "sink full"); }),
               lit::Error);
}

}  // namespace
