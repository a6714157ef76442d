// The pure half of executing a stage: config edits of metadata instructions,
// docker's history strings, cache keys; and hashing copy sources (content,
// mode and path, not mtimes).
#include "runtime/image/builder/config_edit.hpp"

#include <gtest/gtest.h>
#include <sys/stat.h>
#include <utime.h>

#include <fstream>

#include "runtime/image/builder/copy.hpp"
#include "runtime/util/error.hpp"
#include "runtime/util/fs.hpp"

namespace {

using namespace lit::image::builder;
namespace b = lit::image::build;
using nlohmann::json;

StageImage apply_all(const std::string& text) {
  b::Containerfile cf = b::parse_containerfile(text, "Containerfile");
  b::ResolvedStage stage = b::resolve_stage(cf, 0, {});
  StageImage image = scratch_image();
  for (const auto& step : stage.steps) {
    EXPECT_TRUE(apply_metadata(image, step.what)) << step.original;
    add_history(image, nop_created_by(step.original), "2024-01-01T00:00:00Z", "");
  }
  return image;
}

TEST(BuildConfigEdit, MetadataInstructionsSetTheConfig) {
  StageImage img = apply_all(R"(FROM scratch
ENV A=1 B=two
ENV A=3
LABEL org.x=y
WORKDIR /app
WORKDIR sub
USER 1000:1000
EXPOSE 80 53/udp
VOLUME /data
STOPSIGNAL SIGINT
SHELL ["/bin/ash", "-c"]
CMD echo hi
)");
  const json& c = img.config["config"];
  EXPECT_EQ(c["Env"], json({"A=3", "B=two"}));
  EXPECT_EQ(c["Labels"]["org.x"], "y");
  EXPECT_EQ(c["WorkingDir"], "/app/sub");
  EXPECT_EQ(c["User"], "1000:1000");
  EXPECT_TRUE(c["ExposedPorts"].contains("80/tcp"));
  EXPECT_TRUE(c["ExposedPorts"].contains("53/udp"));
  EXPECT_TRUE(c["Volumes"].contains("/data"));
  EXPECT_EQ(c["StopSignal"], "SIGINT");
  EXPECT_EQ(c["Cmd"], json({"/bin/ash", "-c", "echo hi"}));
  EXPECT_TRUE(img.diff_ids().empty());
  ASSERT_EQ(img.config["history"].size(), 11u);
  EXPECT_EQ(img.config["history"].back()["created_by"], "/bin/sh -c #(nop) CMD echo hi");
  EXPECT_EQ(img.config["history"].back()["empty_layer"], true);
}

TEST(BuildConfigEdit, EntrypointDropsAnInheritedCmdButNotThisStagesOwn) {
  StageImage inherited = apply_all("FROM scratch\nENTRYPOINT [\"/app\"]\n");
  inherited.config["config"]["Cmd"] = json({"old"});
  inherited.cmd_set = false;
  b::Containerfile cf = b::parse_containerfile("FROM scratch\nENTRYPOINT [\"/x\"]\n", "C");
  apply_metadata(inherited, b::resolve_stage(cf, 0, {}).steps[0].what);
  EXPECT_FALSE(inherited.config["config"].contains("Cmd"));
  StageImage own = apply_all("FROM scratch\nCMD [\"a\"]\nENTRYPOINT [\"/x\"]\n");
  EXPECT_EQ(own.config["config"]["Cmd"], json({"a"}));
}

TEST(BuildConfigEdit, RunArgvAndHistory) {
  b::Containerfile cf = b::parse_containerfile(
      "FROM scratch\nRUN echo a && echo b\nRUN [\"/bin/true\", \"x\"]\nRUN <<EOF\necho hi\nEOF\n"
      "RUN cat <<EOF > /f\nline\nEOF\n",
      "C");
  auto steps = b::resolve_stage(cf, 0, {}).steps;
  StageImage img = scratch_image();
  auto argv = run_argv(img, std::get<b::Run>(steps[0].what));
  EXPECT_EQ(argv, (std::vector<std::string>{"/bin/sh", "-c", "echo a && echo b"}));
  EXPECT_EQ(run_created_by(argv), "RUN /bin/sh -c echo a && echo b");
  EXPECT_EQ(run_argv(img, std::get<b::Run>(steps[1].what)),
            (std::vector<std::string>{"/bin/true", "x"}));
  EXPECT_EQ(run_argv(img, std::get<b::Run>(steps[2].what)),
            (std::vector<std::string>{"/bin/sh", "-c", "echo hi\n"}));
  EXPECT_EQ(run_argv(img, std::get<b::Run>(steps[3].what)).back(), "cat <<EOF > /f\nline\nEOF\n");
  EXPECT_EQ(copy_created_by("COPY", "sha256:abc", "/d/"), "COPY file:abc in /d/");
}

TEST(BuildConfigEdit, LayersGoToRootfsAndChangeTheDigest) {
  StageImage img = scratch_image();
  std::string before = img.digest();
  add_history(img, "RUN x", "2024-01-01T00:00:00Z", "sha256:aa");
  EXPECT_EQ(img.diff_ids(), (std::vector<std::string>{"sha256:aa"}));
  EXPECT_FALSE(img.config["history"][0].contains("empty_layer"));
  EXPECT_NE(img.digest(), before);
}

TEST(BuildConfigEdit, CacheKeysDependOnParentInstructionArgsAndContent) {
  std::string k = step_cache_key("sha256:p", "RUN x", {{"A", "1"}}, "");
  EXPECT_EQ(k, step_cache_key("sha256:p", "RUN x", {{"A", "1"}}, ""));
  EXPECT_NE(k, step_cache_key("sha256:q", "RUN x", {{"A", "1"}}, ""));
  EXPECT_NE(k, step_cache_key("sha256:p", "RUN y", {{"A", "1"}}, ""));
  EXPECT_NE(k, step_cache_key("sha256:p", "RUN x", {{"A", "2"}}, ""));
  EXPECT_NE(k, step_cache_key("sha256:p", "RUN x", {{"A", "1"}}, "sha256:c"));
}

class CopyHashTest : public ::testing::Test {
 protected:
  lit::TempDir dir_{std::filesystem::temp_directory_path(), "lit-copyhash-"};
  void put(const std::string& rel, const std::string& content) {
    std::filesystem::create_directories((dir_.path() / rel).parent_path());
    std::ofstream(dir_.path() / rel) << content;
  }
  std::string hash(const std::vector<std::string>& srcs, const b::IgnoreMatcher& ig = {}) {
    return hash_sources(select_sources(dir_.path(), srcs, ig), ig);
  }
};

TEST_F(CopyHashTest, ContentModeAndPathCountMtimeDoesNot) {
  put("d/a.txt", "a");
  put("d/b.txt", "b");
  std::string h = hash({"d"});
  struct utimbuf t {
    1000, 1000
  };
  ::utime((dir_.path() / "d/a.txt").c_str(), &t);
  EXPECT_EQ(hash({"d"}), h);
  put("d/a.txt", "A");
  std::string h2 = hash({"d"});
  EXPECT_NE(h2, h);
  ::chmod((dir_.path() / "d/a.txt").c_str(), 0755);
  EXPECT_NE(hash({"d"}), h2);
}

TEST_F(CopyHashTest, GlobsAndIgnoreSelectSources) {
  put("x.log", "1");
  put("y.log", "2");
  put("z.txt", "3");
  auto s = select_sources(dir_.path(), {"*.log"}, {});
  ASSERT_EQ(s.size(), 2u);
  EXPECT_EQ(s[0].relative, "x.log");
  b::IgnoreMatcher ig({"*.log", "!y.log"});
  s = select_sources(dir_.path(), {"*.log"}, ig);
  ASSERT_EQ(s.size(), 1u);
  EXPECT_EQ(s[0].relative, "y.log");
  EXPECT_THROW(select_sources(dir_.path(), {"x.log"}, ig), lit::Error);
  EXPECT_THROW(select_sources(dir_.path(), {"missing"}, {}), lit::Error);
  EXPECT_THROW(select_sources(dir_.path(), {"../etc"}, {}), lit::Error);
  std::string with_y = hash({"."}, b::IgnoreMatcher({"y.log"}));
  put("y.log", "changed");
  EXPECT_EQ(hash({"."}, b::IgnoreMatcher({"y.log"})), with_y);  // an ignored file does not count
}

}  // namespace
