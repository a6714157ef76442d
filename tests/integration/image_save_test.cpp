// `lit image save/tag/history/prune` as a user runs them: archives skopeo
// (podman's image library) reads and lit loads back into a fresh store, tags,
// history rows, prune.
#include <fstream>
#include <nlohmann/json.hpp>

#include "runtime/util/fs.hpp"
#include "tests/integration/expect.hpp"
#include "tests/integration/sandbox.hpp"

namespace lit::test {
namespace {

class ImageSaveTest : public LitTest {
 protected:
  // skopeo (from Debian, installed by scripts/setup.sh) reads archives with
  // containers/image, the library podman loads them with: the image is found
  // by the name lit saved it under, and copying it out checks every blob's
  // digest and size against the manifest.
  Result skopeo(std::vector<std::string> args) {
    args.insert(args.begin(), "skopeo");
    RunOptions opts;
    opts.timeout = 90s;
    return run_process(args, opts);
  }

  fs::path save(const std::string& format) {
    fs::path out = base_ / ("saved-" + format + ".tar");
    Result r = lit({"image", "save", "-o", out.string(), "--format", format, kTestImage});
    EXPECT_EQ(r.exit_code, 0) << r;
    EXPECT_TRUE(r.out.empty()) << r;
    return out;
  }

  void expect_skopeo_reads(const std::string& transport, const fs::path& archive) {
    const std::string source = transport + ":" + archive.string() + ":" + kTestImage;
    Result inspect = skopeo({"inspect", source});
    ASSERT_EQ(inspect.exit_code, 0) << inspect;
    auto j = nlohmann::json::parse(inspect.out, nullptr, false);
    ASSERT_TRUE(j.is_object()) << inspect;
    if (transport == "docker-archive") {  // skopeo names only these
      EXPECT_EQ(j.value("Name", ""), "localhost/lit-test") << inspect;
    }
    Result other = skopeo({"inspect", transport + ":" + archive.string() + ":not/saved:1"});
    EXPECT_NE(other.exit_code, 0) << other;  // the name above was really looked up
    EXPECT_EQ(j["Layers"].size(), 2u) << inspect;
    fs::path copy = base_ / ("copied-" + transport);
    Result out = skopeo({"copy", "--quiet", source, "oci:" + copy.string() + ":copied"});
    ASSERT_EQ(out.exit_code, 0) << out;
    EXPECT_TRUE(fs::exists(copy / "index.json")) << out;
  }

  // Loads the archive into a new lit root and runs a container from it.
  void expect_fresh_lit_runs(const fs::path& archive) {
    root_ = base_ / ("fresh-" + archive.stem().string());
    Result load = lit({"image", "load", "-i", archive.string()});
    ASSERT_EQ(load.exit_code, 0) << load;
    EXPECT_NE(load.out.find(std::string("Loaded image: ") + kTestImage), std::string::npos) << load;
    Result run = this->run({"--rm", kTestImage, "/bin/cat", "/etc/layer2.txt"});
    EXPECT_EQ(run.exit_code, 0) << run;
    EXPECT_EQ(run.out, "added by layer 2\n") << run;
  }
};

TEST_F(ImageSaveTest, DockerArchiveReadsInSkopeoAndLoadsInAFreshLit) {
  load_test_image();
  fs::path archive = save("docker-archive");
  expect_skopeo_reads("docker-archive", archive);
  expect_fresh_lit_runs(archive);
}

TEST_F(ImageSaveTest, OciArchiveReadsInSkopeoAndLoadsInAFreshLit) {
  load_test_image();
  fs::path archive = save("oci-archive");
  expect_skopeo_reads("oci-archive", archive);
  expect_fresh_lit_runs(archive);
}

TEST_F(ImageSaveTest, StdoutWhenNotATerminalAndTheSameBytesEachTime) {
  load_test_image();
  fs::path file = save("docker-archive");
  Result r = lit({"image", "save", kTestImage});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_TRUE(r.out == lit::read_file(file)) << "stdout differs from the -o file";
  Result pty = run_on_pty({LIT_BINARY, "--root", root_.string(), "--run-root", run_root_.string(),
                           "image", "save", kTestImage},
                          24, 80);
  EXPECT_NE(pty.out.find("terminal"), std::string::npos) << pty;
  EXPECT_EQ(pty.exit_code, 125) << pty;
}

TEST_F(ImageSaveTest, SaveOfAnUnknownImageWritesNothing) {
  load_test_image();
  fs::path out = base_ / "none.tar";
  Result r = lit({"image", "save", "-o", out.string(), kTestImage, "nosuch:1"});
  expect_lit_error(r, "nosuch:1");
  EXPECT_FALSE(fs::exists(out));
}

TEST_F(ImageSaveTest, TagThenRunByTheNewName) {
  load_test_image();
  Result r = lit({"image", "tag", kTestImage, "mine/app:v2"});
  ASSERT_EQ(r.exit_code, 0) << r;
  Result ls = lit({"image", "ls"});
  EXPECT_TRUE(contains_line_with(ls.out, {"mine/app", "v2"})) << ls;
  EXPECT_TRUE(contains_line_with(ls.out, {"localhost/lit-test", "latest"})) << ls;
  Result run = this->run({"--rm", "mine/app:v2", "/bin/cat", "/etc/layer2.txt"});
  EXPECT_EQ(run.out, "added by layer 2\n") << run;
  expect_lit_error(lit({"image", "tag", kTestImage, "Bad:Name"}), "Bad:Name");
  expect_lit_error(lit({"image", "tag", "nosuch:1", "x:1"}), "nosuch:1");
}

TEST_F(ImageSaveTest, HistoryShowsDockersColumns) {
  load_test_image();
  Result r = lit({"image", "history", kTestImage});
  ASSERT_EQ(r.exit_code, 0) << r;
  auto lines = r.out_lines();
  ASSERT_GE(lines.size(), 2u) << r;
  EXPECT_TRUE(contains_line_with(lines[0], {"IMAGE", "CREATED", "CREATED BY", "SIZE", "COMMENT"}))
      << r;
  Result q = lit({"image", "history", "-q", "--no-trunc", kTestImage});
  ASSERT_EQ(q.exit_code, 0) << q;
  EXPECT_EQ(q.out_lines().size(), lines.size() - 1) << q;
  EXPECT_TRUE(q.out.starts_with("sha256:")) << q;
  Result j = lit({"image", "history", "--format", "json", kTestImage});
  auto parsed = nlohmann::json::parse(j.out, nullptr, false);
  ASSERT_TRUE(parsed.is_array()) << j;
  EXPECT_EQ(parsed.size(), lines.size() - 1) << j;
  expect_lit_error(lit({"image", "history", "nosuch:1"}), "nosuch:1");
}

TEST_F(ImageSaveTest, PruneKeepsTaggedAndUsedImages) {
  load_test_image();
  Result none = lit({"image", "prune", "-f"});
  ASSERT_EQ(none.exit_code, 0) << none;
  EXPECT_EQ(none.out, "Total reclaimed space: 0B\n") << none;
  RunOptions answer_no;
  answer_no.stdin_data = "n\n";
  Result no = lit({"image", "prune", "-a"}, answer_no);
  EXPECT_EQ(no.exit_code, 0) << no;
  EXPECT_NE(no.out.find("WARNING!"), std::string::npos) << no;
  Result c = run({"--name", "user", kTestImage, "true"});  // an exited container keeps its image
  ASSERT_EQ(c.exit_code, 0) << c;
  Result kept = lit({"image", "prune", "-a", "-f"});
  EXPECT_EQ(kept.out, "Total reclaimed space: 0B\n") << kept;
  ASSERT_EQ(lit({"container", "rm", "user"}).exit_code, 0);
  Result all = lit({"image", "prune", "-a", "-f"});
  ASSERT_EQ(all.exit_code, 0) << all;
  EXPECT_TRUE(all.out.starts_with("Deleted Images:\nuntagged: localhost/lit-test:latest\n")) << all;
  EXPECT_NE(all.out.find("\nTotal reclaimed space: "), std::string::npos) << all;
  EXPECT_EQ(lit({"image", "ls", "-q"}).out, "");
}

}  // namespace
}  // namespace lit::test
