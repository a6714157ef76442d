// A container's files as a docker user reaches them: `container cp` both ways
// (running and stopped, tar streams with -), `export`, `diff`, `commit`, and
// the project's `cp`, `export`, `commit`. Rules from the docker cp / export /
// diff / commit references; paths never leave the container's root.
#include <sys/stat.h>
#include <unistd.h>

#include <fstream>
#include <regex>
#include <string>

#include "runtime/util/fs.hpp"
#include "tests/integration/project_fixture.hpp"
#include "tests/integration/run_fixture.hpp"

namespace lit::test {
namespace {

std::string slurp(const fs::path& p) {
  std::ifstream in(p);
  return {std::istreambuf_iterator<char>(in), {}};
}

void put(const fs::path& p, const std::string& text) { std::ofstream(p) << text; }

struct stat lstat_of(const fs::path& p) {
  struct stat st {};
  EXPECT_EQ(::lstat(p.c_str(), &st), 0) << p;
  return st;
}

class ContainerFsTest : public RunTest {
 protected:
  void SetUp() override {
    RunTest::SetUp();
    if (IsSkipped() || HasFatalFailure()) return;
    out_ = base_ / "out";
    fs::create_directories(out_);
  }

  // A stopped container `name` that ran `script`.
  void ran(const std::string& name, const std::string& script,
           std::vector<std::string> flags = {}) {
    std::vector<std::string> args{"--name", name};
    args.insert(args.end(), flags.begin(), flags.end());
    args.insert(args.end(), {kTestImage, "sh", "-c", script});
    Result r = run(args);
    ASSERT_EQ(r.exit_code, 0) << r;
  }

  Result cp(std::vector<std::string> args, const RunOptions& o = {}) {
    args.insert(args.begin(), {"container", "cp"});
    return lit(args, o);
  }

  fs::path out_;
};

TEST_F(ContainerFsTest, CpOutOfAStoppedContainerFollowsDockersRules) {
  ran("box",
      "mkdir -p /srv/sub && echo hi > /srv/sub/f && echo top > /srv/t && "
      "chown 1000:1000 /srv/t && chmod 640 /srv/t");
  fs::create_directories(out_ / "existing");
  fs::create_directories(out_ / "contents");

  // A file to a new path: written there, owned by the user running lit, its mode kept.
  Result r = cp({"box:/srv/t", (out_ / "t").string()});
  ASSERT_EQ(r.exit_code, 0) << r;
  EXPECT_EQ(r.out, "");
  EXPECT_EQ(slurp(out_ / "t"), "top\n");
  EXPECT_EQ(lstat_of(out_ / "t").st_uid, ::getuid());
  EXPECT_EQ(lstat_of(out_ / "t").st_mode & 07777, 0640u);
  // -a keeps the container's owner.
  ASSERT_EQ(cp({"-a", "box:/srv/t", (out_ / "t-a").string()}).exit_code, 0);
  EXPECT_EQ(lstat_of(out_ / "t-a").st_uid, 1000u);
  EXPECT_EQ(lstat_of(out_ / "t-a").st_gid, 1000u);
  // A file to an existing directory: under its own name.
  ASSERT_EQ(cp({"box:/srv/t", (out_ / "existing").string()}).exit_code, 0);
  EXPECT_EQ(slurp(out_ / "existing" / "t"), "top\n");
  // A directory to a new path: made, with the directory's contents.
  ASSERT_EQ(cp({"box:/srv", (out_ / "copy").string()}).exit_code, 0);
  EXPECT_EQ(slurp(out_ / "copy" / "sub" / "f"), "hi\n");
  // A directory to an existing directory: copied into it...
  ASSERT_EQ(cp({"box:/srv", (out_ / "existing").string()}).exit_code, 0);
  EXPECT_EQ(slurp(out_ / "existing" / "srv" / "sub" / "f"), "hi\n");
  // ...or, as SRC/., its contents.
  ASSERT_EQ(cp({"box:/srv/.", (out_ / "contents").string()}).exit_code, 0);
  EXPECT_EQ(slurp(out_ / "contents" / "sub" / "f"), "hi\n");
  EXPECT_FALSE(fs::exists(out_ / "contents" / "srv"));

  r = cp({"box:/srv", (out_ / "t").string()});
  EXPECT_EQ(r.exit_code, 125) << r;
  EXPECT_NE(r.err.find("cannot copy a directory to a file"), std::string::npos) << r;
  r = cp({"box:/nope", (out_ / "x").string()});
  EXPECT_EQ(r.exit_code, 125) << r;
  EXPECT_NE(r.err.find("Could not find the file /nope in container box"), std::string::npos) << r;
  EXPECT_FALSE(fs::exists(out_ / "x"));
  r = cp({"box:/srv/t", (out_ / "nodir" / "t").string()});
  EXPECT_NE(r.exit_code, 0) << r;
  r = cp({(out_ / "t").string(), (out_ / "t2").string()});
  EXPECT_NE(r.err.find("must specify at least one container source"), std::string::npos) << r;
}

TEST_F(ContainerFsTest, SymlinksResolveInsideTheContainerNeverOnTheHost) {
  fs::path secret = base_ / "host-secret";
  put(secret, "HOSTSECRET\n");
  ASSERT_TRUE(fs::exists("/etc/shadow") || fs::exists("/etc/passwd"));
  ran("box", "mkdir /srv && ln -s /etc/shadow /srv/shadow && ln -s " + secret.string() +
                 " /srv/secret && ln -s " + base_.string() +
                 " /escape && ln -s ../../../.. /srv/up");

  // -L follows the link as the container sees it: there is no /etc/shadow in it.
  Result r = cp({"-L", "box:/srv/shadow", (out_ / "shadow").string()});
  EXPECT_EQ(r.exit_code, 125) << r;
  EXPECT_FALSE(fs::exists(out_ / "shadow"));
  r = cp({"-L", "box:/srv/secret", (out_ / "secret").string()});
  EXPECT_NE(r.exit_code, 0) << r;
  EXPECT_FALSE(fs::exists(out_ / "secret"));
  // Through a directory link and "..": still inside.
  r = cp({"box:/escape/host-secret", (out_ / "via-dir").string()});
  EXPECT_NE(r.exit_code, 0) << r;
  EXPECT_FALSE(fs::exists(out_ / "via-dir"));
  ASSERT_EQ(cp({"box:/srv/up/etc/group", (out_ / "group").string()}).exit_code, 0);
  EXPECT_EQ(slurp(out_ / "group"), "root:x:0:\napp:x:1000:\nnogroup:x:65534:\n");
  // Without -L the link itself is copied, as docker does.
  ASSERT_EQ(cp({"box:/srv/shadow", (out_ / "link").string()}).exit_code, 0);
  EXPECT_TRUE(fs::is_symlink(out_ / "link"));
  EXPECT_EQ(fs::read_symlink(out_ / "link"), "/etc/shadow");

  // Writing through the links lands in the container or fails; never on the host.
  put(out_ / "pwned", "x\n");
  r = cp({(out_ / "pwned").string(), "box:/escape/pwned"});
  EXPECT_NE(r.exit_code, 0) << r;
  EXPECT_FALSE(fs::exists(base_ / "pwned"));
  ASSERT_EQ(cp({(out_ / "pwned").string(), "box:/srv/up/pwned"}).exit_code, 0);
  EXPECT_FALSE(fs::exists(base_ / "pwned"));
  ASSERT_EQ(cp({"box:/pwned", (out_ / "back").string()}).exit_code, 0);
  EXPECT_EQ(slurp(out_ / "back"), "x\n");
}

TEST_F(ContainerFsTest, CpIntoAStoppedContainerGoesToItsWritableLayer) {
  ran("box", "true");
  put(out_ / "in.txt", "from host\n");
  ASSERT_EQ(::chown((out_ / "in.txt").c_str(), 1234, 1234), 0);
  fs::create_directories(out_ / "tree" / "sub");
  put(out_ / "tree" / "sub" / "f", "deep\n");

  Result r = cp({(out_ / "in.txt").string(), "box:/tmp/"});
  ASSERT_EQ(r.exit_code, 0) << r;
  ASSERT_EQ(cp({"-a", (out_ / "in.txt").string(), "box:/tmp/kept.txt"}).exit_code, 0);
  ASSERT_EQ(cp({(out_ / "tree").string(), "box:/srv"}).exit_code, 0);
  r = cp({(out_ / "in.txt").string(), "box:/no/such/dir/x"});
  EXPECT_EQ(r.exit_code, 125) << r;

  // In the container's writable layer, owned by its root unless -a.
  r = lit({"container", "diff", "box"});
  ASSERT_EQ(r.exit_code, 0) << r;
  EXPECT_EQ(r.out, "A /srv\nA /srv/sub\nA /srv/sub/f\nC /tmp\nA /tmp/in.txt\nA /tmp/kept.txt\n");
  ASSERT_EQ(cp({"-a", "box:/tmp/in.txt", (out_ / "back").string()}).exit_code, 0);
  EXPECT_EQ(slurp(out_ / "back"), "from host\n");
  EXPECT_EQ(lstat_of(out_ / "back").st_uid, 0u);
  ASSERT_EQ(cp({"-a", "box:/tmp/kept.txt", (out_ / "kept").string()}).exit_code, 0);
  EXPECT_EQ(lstat_of(out_ / "kept").st_uid, 1234u);
  ASSERT_EQ(cp({"box:/srv/sub/f", (out_ / "f").string()}).exit_code, 0);
  EXPECT_EQ(slurp(out_ / "f"), "deep\n");
}

TEST_F(ContainerFsTest, CpWithARunningContainerGoesThroughItsMountNamespace) {
  std::string id =
      detach_sh("echo mounted > /scratch/f; sleep 1000", {"--name", "live", "--tmpfs", "/scratch"});
  ASSERT_FALSE(id.empty());
  put(out_ / "x", "into a running one\n");
  Result r = cp({(out_ / "x").string(), "live:/tmp/x"});
  ASSERT_EQ(r.exit_code, 0) << r;
  r = lit({"container", "exec", "live", "cat", "/tmp/x"});
  EXPECT_EQ(r.out, "into a running one\n") << r;

  // /scratch is a tmpfs only the container's mount namespace has.
  ASSERT_TRUE(eventually([&] {
    return cp({"live:/scratch/f", (out_ / "f").string()}).exit_code == 0;
  }));
  EXPECT_EQ(slurp(out_ / "f"), "mounted\n");

  // A tar on stdout, and one on stdin (docker cp ... - / - ...).
  r = cp({"live:/scratch", "-"});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_GE(r.out.size(), 1024u);
  RunOptions o;
  o.stdin_data = r.out;
  r = cp({"-", "live:/tmp"}, o);
  ASSERT_EQ(r.exit_code, 0) << r;
  r = lit({"container", "exec", "live", "cat", "/tmp/scratch/f"});
  EXPECT_EQ(r.out, "mounted\n") << r;
  r = cp({"-", "live:/tmp/x"}, o);  // the destination of a tar must be a directory
  EXPECT_NE(r.exit_code, 0) << r;

  EXPECT_EQ(lit({"container", "rm", "-f", "live"}).exit_code, 0);
}

TEST_F(ContainerFsTest, ExportIsTheFlattenedFileSystem) {
  ran("box", "echo new > /srv-file && rm /etc/group");
  fs::path tar = out_ / "c.tar";
  Result r = lit({"container", "export", "-o", tar.string(), "box"});
  ASSERT_EQ(r.exit_code, 0) << r;
  EXPECT_EQ(r.out, "");
  r = lit({"image", "import", tar.string(), "exported:1"});
  ASSERT_EQ(r.exit_code, 0) << r;
  r = run({"--rm", "exported:1", "sh", "-c",
           "cat /srv-file /etc/layer2.txt; test -e /etc/group || echo gone; "
           "test -e /etc/lower-only.txt || echo whiteout kept; ls /etc/opaque-dir"});
  EXPECT_EQ(r.out, "new\nadded by layer 2\ngone\nwhiteout kept\nnew.txt\n") << r;

  r = lit({"container", "export", "box"});  // stdout is not a terminal: the tar goes there
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_GE(r.out.size(), fs::file_size(tar) / 2);
  Result pty = run_on_pty({LIT_BINARY, "--root", root_.string(), "--run-root", run_root_.string(),
                           "container", "export", "box"},
                          24, 80);
  EXPECT_NE(pty.out.find("cowardly refusing to save to a terminal"), std::string::npos) << pty;
  EXPECT_EQ(pty.exit_code, 125) << pty;
}

TEST_F(ContainerFsTest, ExportOfARunningContainerHasItsChangesNotItsMounts) {
  std::string id = detach_sh("echo live > /live; echo t > /scratch/f; sleep 1000",
                             {"--name", "live", "--tmpfs", "/scratch"});
  ASSERT_FALSE(id.empty());
  ASSERT_TRUE(eventually([&] {
    return cp({"live:/live", (out_ / "live").string()}).exit_code == 0;
  }));
  fs::path tar = out_ / "r.tar";
  Result r = lit({"container", "export", "-o", tar.string(), "live"});
  ASSERT_EQ(r.exit_code, 0) << r;
  ASSERT_EQ(lit({"image", "import", tar.string(), "exported:live"}).exit_code, 0);
  r = run({"--rm", "exported:live", "sh", "-c", "cat /live; test -e /scratch/f || echo no tmpfs"});
  EXPECT_EQ(r.out, "live\nno tmpfs\n") << r;
  EXPECT_EQ(lit({"container", "rm", "-f", "live"}).exit_code, 0);
}

TEST_F(ContainerFsTest, DiffPrintsAddedChangedAndDeletedPaths) {
  ran("box", "mkdir /srv && echo x > /srv/f && rm /etc/group && echo more >> /etc/passwd");
  Result r = lit({"container", "diff", "box"});
  ASSERT_EQ(r.exit_code, 0) << r;
  EXPECT_EQ(r.out, "C /etc\nD /etc/group\nC /etc/passwd\nA /srv\nA /srv/f\n");
  r = lit({"container", "diff", "nosuch"});
  EXPECT_EQ(r.exit_code, 125) << r;
}

TEST_F(ContainerFsTest, CommitStoresTheWritableLayerAsANewImage) {
  ran("box", "mkdir /srv && echo committed > /srv/f && rm /etc/group", {"-e", "GREETING=hello"});
  Result r = lit({"container", "commit", "-m", "my change", "-c", R"(CMD ["cat", "/srv/f"])", "-c",
                  "ENV EXTRA=yes", "box", "test/committed:v1"});
  ASSERT_EQ(r.exit_code, 0) << r;
  EXPECT_TRUE(std::regex_match(r.out, std::regex("sha256:[0-9a-f]{64}\n"))) << r.out;
  std::string id = r.out.substr(0, r.out.size() - 1);

  r = run({"--rm", "test/committed:v1"});
  EXPECT_EQ(r.out, "committed\n") << r;
  r = run({"--rm", "test/committed:v1", "sh", "-c",
           "echo $GREETING $EXTRA; test -e /etc/group || echo gone"});
  EXPECT_EQ(r.out, "hello yes\ngone\n") << r;
  r = lit({"image", "ls"});
  EXPECT_NE(r.out.find("test/committed"), std::string::npos) << r;
  r = lit({"image", "history", "--no-trunc", "test/committed:v1"});
  EXPECT_NE(r.out.find("my change"), std::string::npos) << r;

  r = lit({"container", "commit", "-c", "RUN true", "box", "test/bad"});
  EXPECT_EQ(r.exit_code, 125) << r;
  EXPECT_NE(r.err.find("RUN is not supported"), std::string::npos) << r;
}

class ProjectFsTest : public ProjectFixture {};

TEST_F(ProjectFsTest, CpExportAndCommitWorkOnAServicesContainer) {
  write(std::string("services:\n  web:\n    image: ") + kTestImage +
        "\n    command: [\"sleep\", \"1000\"]\n");
  ASSERT_EQ(project({"up", "-d"}).exit_code, 0);
  fs::path out = base_ / "out";
  fs::create_directories(out);
  put(out / "f", "to the service\n");

  Result r = project({"cp", (out / "f").string(), "web:/tmp/f"});
  ASSERT_EQ(r.exit_code, 0) << r;
  r = project({"exec", "-T", "web", "cat", "/tmp/f"});
  EXPECT_EQ(r.out, "to the service\n") << r;
  ASSERT_EQ(project({"cp", "web:/tmp/f", (out / "back").string()}).exit_code, 0);
  EXPECT_EQ(slurp(out / "back"), "to the service\n");
  r = project({"cp", "--index", "2", "web:/tmp/f", (out / "x").string()});
  EXPECT_EQ(r.exit_code, 1) << r;
  EXPECT_NE(r.err.find("service \"web\" is not running container #2"), std::string::npos) << r;

  r = project({"export", "web", "-o", (out / "web.tar").string()});
  ASSERT_EQ(r.exit_code, 0) << r;
  ASSERT_EQ(lit({"image", "import", (out / "web.tar").string(), "web:exported"}).exit_code, 0);
  EXPECT_EQ(run({"--rm", "web:exported", "cat", "/tmp/f"}).out, "to the service\n");

  r = project({"commit", "web", "web:snap"});
  ASSERT_EQ(r.exit_code, 0) << r;
  EXPECT_TRUE(r.out.starts_with("sha256:")) << r;
  EXPECT_EQ(run({"--rm", "web:snap", "cat", "/tmp/f"}).out, "to the service\n");
}

}  // namespace
}  // namespace lit::test
