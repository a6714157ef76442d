// `lit image load/import/ls/inspect/rm` against the busybox fixtures, as a
// user sees them: output, exit codes, and an unchanged store after bad input.
#include <fstream>
#include <nlohmann/json.hpp>

#include "tests/integration/expect.hpp"
#include "tests/integration/sandbox.hpp"

namespace lit::test {
namespace {

std::vector<std::string> fixture_lines(const std::string& name) {
  std::ifstream in(fixture(name));
  std::vector<std::string> lines;
  for (std::string l; std::getline(in, l);)
    if (!l.empty()) lines.push_back(l);
  return lines;
}

class ImageTest : public LitTest {
 protected:
  // Loads an archive and checks what docker prints for it.
  void expect_loads(const std::string& archive) {
    Result r = lit({"image", "load", "-i", fixture(archive).string()});
    ASSERT_EQ(r.exit_code, 0) << r;
    EXPECT_NE(r.out.find(std::string("Loaded image: ") + kTestImage), std::string::npos) << r;
  }

  void expect_listed(const std::string& repo, const std::string& tag) {
    Result ls = lit({"image", "ls"});
    ASSERT_EQ(ls.exit_code, 0) << ls;
    EXPECT_TRUE(contains_line_with(ls.out, {repo, tag})) << ls;
    Result js = lit({"image", "ls", "--format", "json"});
    ASSERT_EQ(js.exit_code, 0) << js;
    auto parsed = nlohmann::json::parse(js.out, nullptr, false);
    ASSERT_FALSE(parsed.is_discarded()) << "not JSON: " << js;
    EXPECT_NE(parsed.dump().find(repo), std::string::npos) << js;
  }

  void expect_inspect_shows_layers(const std::string& ref) {
    Result r = lit({"image", "inspect", ref});
    ASSERT_EQ(r.exit_code, 0) << r;
    auto parsed = nlohmann::json::parse(r.out, nullptr, false);
    ASSERT_FALSE(parsed.is_discarded()) << "not JSON: " << r;
    std::string text = parsed.dump();
    EXPECT_NE(text.find(fixture_lines("image-id.txt").at(0)), std::string::npos) << r;
    for (const auto& diff_id : fixture_lines("diff-ids.txt"))
      EXPECT_NE(text.find(diff_id), std::string::npos) << "layer " << diff_id << " missing\n" << r;
  }
};

TEST_F(ImageTest, LoadsDockerArchive) {
  expect_loads("busybox-docker.tar");
  expect_listed("localhost/lit-test", "latest");
  expect_inspect_shows_layers(kTestImage);
}

TEST_F(ImageTest, LoadsOciArchiveWithGzipAndZstdLayers) {
  expect_loads("busybox-oci.tar");
  expect_listed("localhost/lit-test", "latest");
  expect_inspect_shows_layers(kTestImage);
}

TEST_F(ImageTest, BothFormatsYieldTheSameImage) {
  expect_loads("busybox-docker.tar");
  auto before = store_snapshot();
  expect_loads("busybox-oci.tar");
  // Same config digest: loading the second format adds no layer to the store.
  std::set<std::string> layers_before, layers_after;
  for (const auto& f : before)
    if (f.starts_with("images/layers/")) layers_before.insert(f);
  for (const auto& f : store_snapshot())
    if (f.starts_with("images/layers/")) layers_after.insert(f);
  EXPECT_EQ(layers_before, layers_after);
  expect_inspect_shows_layers(kTestImage);
}

TEST_F(ImageTest, ImportedRootfsRuns) {
  Result r = lit({"image", "import", fixture("busybox-rootfs.tar.gz").string(), "imported:v1"});
  ASSERT_EQ(r.exit_code, 0) << r;
  expect_listed("imported", "v1");
  Result run = this->run({"--rm", "imported:v1", "/bin/cat", "/etc/layer2.txt"});
  EXPECT_EQ(run.exit_code, 0) << run;
  EXPECT_EQ(run.out, "added by layer 2\n") << run;
  EXPECT_TRUE(container_ids().empty()) << "--rm left a record";
}

TEST_F(ImageTest, RemoveUntagsAndFreesLayers) {
  expect_loads("busybox-docker.tar");
  Result r = lit({"image", "rm", kTestImage});
  ASSERT_EQ(r.exit_code, 0) << r;
  Result ls = lit({"image", "ls"});
  EXPECT_EQ(ls.out.find("lit-test"), std::string::npos) << ls;
  // No other image uses its blobs and layers, so rm frees them.
  for (const auto& f : store_snapshot()) {
    bool content = f.starts_with("images/blobs/") || f.starts_with("images/layers/");
    EXPECT_FALSE(content && !f.ends_with("/")) << "left in the store after rm: " << f;
  }
  Result again = this->run({"--rm", kTestImage, "true"});
  expect_lit_error(again, "lit-test");
}

TEST_F(ImageTest, CorruptArchiveIsRejectedAndStoresNothing) {
  expect_loads("busybox-docker.tar");  // the store exists; a failed load must not touch it
  auto before = store_snapshot();
  Result r = lit({"image", "load", "-i", fixture("busybox-corrupt.tar").string()});
  expect_lit_error(r, "busybox-corrupt.tar");
  EXPECT_EQ(store_snapshot(), before);
}

TEST_F(ImageTest, CorruptArchiveIntoEmptyStoreLeavesNoImage) {
  Result r = lit({"image", "load", "-i", fixture("busybox-corrupt.tar").string()});
  expect_lit_error(r, "busybox-corrupt.tar");
  Result ls = lit({"image", "ls"});
  EXPECT_EQ(ls.out.find("lit-test"), std::string::npos) << ls;
  for (const auto& f : store_snapshot())
    EXPECT_TRUE(f.ends_with("/")) << "file left in the store: " << f;
}

TEST_F(ImageTest, DigestMismatchIsRejectedAndStoresNothing) {
  expect_loads("busybox-docker.tar");
  Result rm = lit({"image", "rm", kTestImage});
  ASSERT_EQ(rm.exit_code, 0) << rm;
  auto before = store_snapshot();
  Result r = lit({"image", "load", "-i", fixture("busybox-digest-mismatch.tar").string()});
  expect_lit_error(r, "digest");
  EXPECT_EQ(store_snapshot(), before);
  Result ls = lit({"image", "ls"});
  EXPECT_EQ(ls.out.find("lit-test"), std::string::npos) << ls;
}

TEST_F(ImageTest, MissingArchiveNamesTheFile) {
  Result r = lit({"image", "load", "-i", (base_ / "no-such.tar").string()});
  expect_lit_error(r, "no-such.tar");
}

TEST_F(ImageTest, InspectUnknownImageFails) {
  Result r = lit({"image", "inspect", "nosuch-image:1"});
  expect_lit_error(r, "nosuch-image");
}

}  // namespace
}  // namespace lit::test
