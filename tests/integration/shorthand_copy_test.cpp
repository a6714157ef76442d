// The single-service shorthand's filesystem.copy, end to end: the service runs
// its base image plus a layer of the copied host files; an unchanged tree
// plans nothing, an edited file recreates the service, a missing source is
// refused before anything is made.
#include <unistd.h>

#include <fstream>

#include "tests/integration/expect.hpp"
#include "tests/integration/project_fixture.hpp"

namespace lit::test {
namespace {

constexpr const char* kShorthand = R"(name: site
entrypoint: httpd -f -p 8080 -h /www
filesystem:
  base: localhost/lit-test:latest
  copy: ["./site:/www", "./hello.txt:/etc/hello.txt"]
  workdir: /www
network: {expose: [8080]}
)";

class ShorthandCopyTest : public ProjectFixture {
 protected:
  void SetUp() override {
    ProjectFixture::SetUp();
    if (IsSkipped() || HasFatalFailure()) return;
    write(kShorthand);
    fs::create_directories(dir_ / "site" / "css");
    put("site/index.html", "<h1>copied</h1>\n");
    put("site/css/main.css", "h1{}\n");
    put("hello.txt", "hello v1\n");
    fs::create_symlink("/etc/passwd", dir_ / "site" / "passwd-link");
  }

  void put(const std::string& rel, const std::string& text) { std::ofstream(dir_ / rel) << text; }

  Result in_container(const std::string& script) {
    return lit({"container", "exec", "site-site-1", "sh", "-c", script});
  }
};

TEST_F(ShorthandCopyTest, ServesCopiedFilesAndAnEditRecreates) {
  Result r = project({"up", "-d", "--wait"});
  ASSERT_EQ(r.exit_code, 0) << r;
  auto before = ids();
  ASSERT_EQ(before.size(), 1u) << project({"ps", "-a"});

  EXPECT_EQ(fetch("http://127.0.0.1:8080/index.html"), "<h1>copied</h1>\n");
  EXPECT_EQ(in_container("cat /www/css/main.css /etc/hello.txt").out, "h1{}\nhello v1\n");
  EXPECT_EQ(in_container("pwd").out, "/www\n");
  // The base's files are still there; a symlink is copied as a symlink.
  EXPECT_EQ(in_container("test -x /bin/busybox && readlink /www/passwd-link").out, "/etc/passwd\n");
  Result images = lit({"image", "ls"});
  EXPECT_TRUE(contains_line_with(images.out, {"site-site", "lit-copy"})) << images;

  // Unchanged tree: nothing to do, the same container.
  Result dry = project({"up", "--dry-run"});
  EXPECT_EQ(dry.out, "nothing to do\n") << dry;
  ASSERT_EQ(project({"up", "-d"}).exit_code, 0);
  EXPECT_EQ(ids(), before);

  // An edited copied file: the dry run plans the recreate and stores nothing.
  put("hello.txt", "hello v2\n");
  const auto images_before = lit({"image", "ls", "-q"}).out;
  dry = project({"up", "--dry-run"});
  EXPECT_TRUE(contains_line_with(dry.out, {"recreate container site-site-1", "config changed"}))
      << dry;
  EXPECT_EQ(lit({"image", "ls", "-q"}).out, images_before);
  r = project({"up", "-d", "--wait"});
  ASSERT_EQ(r.exit_code, 0) << r;
  EXPECT_NE(ids()["site"], before["site"]);
  EXPECT_EQ(in_container("cat /etc/hello.txt").out, "hello v2\n");
  EXPECT_EQ(fetch("http://127.0.0.1:8080/index.html"), "<h1>copied</h1>\n");

  // A one-off runs the derived image too.
  Result run = project({"run", "--rm", "--entrypoint", "cat", "site", "/etc/hello.txt"});
  EXPECT_EQ(run.out, "hello v2\n") << run;

  // down leaves the derived image, as compose leaves built images.
  ASSERT_EQ(project({"down", "-t", "1"}).exit_code, 0);
  EXPECT_TRUE(ids().empty());
  EXPECT_TRUE(contains_line_with(lit({"image", "ls"}).out, {"site-site", "lit-copy"}));
}

TEST_F(ShorthandCopyTest, MissingSourceIsRefusedNamingItAndNothingIsMade) {
  fs::remove(dir_ / "hello.txt");
  const auto images_before = lit({"image", "ls", "-q"}).out;
  Result r = project({"up", "-d"});
  EXPECT_EQ(r.exit_code, 1) << r;
  EXPECT_TRUE(
      contains_line_with(r.err, {"service site", "filesystem.copy", (dir_ / "hello.txt").string()}))
      << r;
  EXPECT_TRUE(ids().empty());
  EXPECT_EQ(lit({"image", "ls", "-q"}).out, images_before);
  EXPECT_EQ(lit({"network", "ls", "-q"}).out, "");
}

}  // namespace
}  // namespace lit::test
