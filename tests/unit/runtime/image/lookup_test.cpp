// Finding an image by tag, digest, id or id prefix.
#include "runtime/image/lookup.hpp"

#include <gtest/gtest.h>

#include "runtime/image/usage.hpp"
#include "runtime/util/error.hpp"
#include "runtime/util/fs.hpp"
#include "tests/unit/runtime/image/tar_builder.hpp"

namespace {

using namespace lit::image;

StoreState two_images() {
  StoreState st;
  st.images["sha256:abcd1111" + std::string(56, '0')] = {"sha256:" + std::string(64, 'e'), {}, ""};
  st.images["sha256:abcd2222" + std::string(56, '0')] = {"sha256:" + std::string(64, 'f'), {}, ""};
  st.tags["docker.io/library/busybox:latest"] = "sha256:abcd1111" + std::string(56, '0');
  return st;
}

TEST(Lookup, ByTagIdPrefixAndDigest) {
  StoreState st = two_images();
  const std::string first = "sha256:abcd1111" + std::string(56, '0');
  const std::string second = "sha256:abcd2222" + std::string(56, '0');
  EXPECT_EQ(lookup(st, "busybox")->id, first);
  EXPECT_EQ(lookup(st, "busybox")->tag, "docker.io/library/busybox:latest");
  EXPECT_EQ(lookup(st, "docker.io/library/busybox:latest")->id, first);
  EXPECT_EQ(lookup(st, "abcd2")->id, second);
  EXPECT_EQ(lookup(st, "sha256:abcd1")->id, first);
  EXPECT_EQ(lookup(st, second)->id, second);
  EXPECT_EQ(lookup(st, second.substr(7))->id, second);
  EXPECT_TRUE(lookup(st, "abcd2")->tag.empty());
  EXPECT_EQ(lookup(st, "busybox@sha256:" + std::string(64, 'f'))->id, second);
  EXPECT_FALSE(lookup(st, "busybox:2"));
  EXPECT_FALSE(lookup(st, "abc"));  // too short to be an id prefix: a name that is absent
  EXPECT_FALSE(lookup(st, "ffff"));
}

TEST(Lookup, AmbiguousPrefixIsAClearError) {
  StoreState st = two_images();
  try {
    lookup(st, "abcd");
    ADD_FAILURE();
  } catch (const lit::Error& e) {
    EXPECT_NE(std::string(e.what()).find("ambiguous image ID abcd: matches 2 images"),
              std::string::npos)
        << e.what();
  }
  EXPECT_THROW(lookup(st, "sha256:abcd"), lit::Error);
  EXPECT_THROW(lookup(st, "sha256:xyz"), lit::Error);
}

TEST(Usage, ReadsContainerRecordsAndSkipsBrokenOnes) {
  lit::TempDir dir(std::filesystem::temp_directory_path(), "lit-usage-");
  auto rec = [&](const std::string& id, const std::string& body) {
    std::filesystem::create_directories(dir.path() / id);
    lit::test::write_bytes(dir.path() / id / "container.json", body);
  };
  rec("c1", R"({"id":"c1","name":"web-1","image":"busybox","image_id":"sha256:aa"})");
  rec("c2", R"({"id":"c2","name":"web-2","image":"busybox","image_id":"sha256:aa"})");
  rec("c3", "{not json");
  std::filesystem::create_directories(dir.path() / "c4");  // no record at all
  auto users = containers_by_image({dir.path()});
  ASSERT_EQ(users.size(), 1u);
  ASSERT_EQ(users["sha256:aa"].size(), 2u);
  EXPECT_EQ(users["sha256:aa"][0].name, "web-1");
  EXPECT_TRUE(containers_by_image({dir.path() / "absent"}).empty());
}

// A volume of type image uses its image as a container's own image does.
TEST(Usage, ImagesMountedAsVolumesAreInUse) {
  lit::TempDir dir(std::filesystem::temp_directory_path(), "lit-usage-");
  std::filesystem::create_directories(dir.path() / "c1");
  lit::test::write_bytes(dir.path() / "c1" / "container.json",
                         R"({"id":"c1","name":"app-1","image_id":"sha256:aa","spec":{)"
                         R"("image_mounts":[{"image_id":"sha256:bb"},{"image_id":"sha256:bb"},)"
                         R"({"image_id":"sha256:aa"}]}})");
  auto users = containers_by_image({dir.path()});
  ASSERT_EQ(users.size(), 2u);
  ASSERT_EQ(users["sha256:aa"].size(), 1u);
  ASSERT_EQ(users["sha256:bb"].size(), 1u);
  EXPECT_EQ(users["sha256:bb"][0].name, "app-1");
}

}  // namespace
