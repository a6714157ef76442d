// The global --dry-run on the commands that copy, run, attach, commit,
// export and build, as docker compose's dry-run client does them: each makes
// its checks (an unknown service, a missing file, a bad reference still
// fail), prints what it would do, and changes nothing: no file copied, no
// container made, no image stored, no tar written. A foreground exec, run or
// attach is refused, as compose's dry run refuses to attach.
#include <fstream>
#include <map>
#include <string>

#include "tests/integration/expect.hpp"
#include "tests/integration/project_fixture.hpp"

namespace lit::test {
namespace {

constexpr const char* kCompose = R"(name: shop
services:
  db:
    image: localhost/lit-test:latest
    command: ["sleep", "600"]
    init: true
  web:
    image: localhost/lit-test:latest
    command: ["sleep", "600"]
    init: true
    depends_on: [db]
  app:
    build: ./app
    command: ["sleep", "600"]
    profiles: [build]
)";

class ProjectDryRunTest : public ProjectFixture {
 protected:
  void SetUp() override {
    ProjectFixture::SetUp();
    if (IsSkipped() || HasFatalFailure()) return;
    write(kCompose);
    fs::create_directories(dir_ / "app");
    std::ofstream(dir_ / "app/Containerfile")
        << "FROM localhost/lit-test:latest\nRUN echo built > /built\n";
    ASSERT_EQ(project({"up", "-d"}).exit_code, 0);
  }

  void TearDown() override {
    if (!IsSkipped()) project({"down", "-v", "-t", "0", "--remove-orphans"});
    ProjectFixture::TearDown();
  }

  Result in_web(const std::string& command) {
    return project({"exec", "-T", "web", "sh", "-c", command});
  }
  std::string images() { return lit({"image", "ls"}).out; }

  const std::map<std::string, std::string> running_ = {{"shop-db-1", "running"},
                                                       {"shop-web-1", "running"}};
};

TEST_F(ProjectDryRunTest, CpChecksBothSidesAndCopiesNothing) {
  ASSERT_EQ(in_web("echo old > /tmp/a.txt").exit_code, 0);
  const fs::path host = dir_ / "a.txt";
  std::ofstream(host) << "new\n";

  Result r = project({"--dry-run", "cp", host.string(), "web:/tmp/a.txt"});
  ASSERT_EQ(r.exit_code, 0) << r;
  EXPECT_EQ(r.out, "copy " + host.string() + " to shop-web-1:/tmp/a.txt\n") << r;
  EXPECT_EQ(in_web("cat /tmp/a.txt").out, "old\n");

  const fs::path out = dir_ / "hostname.txt";
  r = project({"--dry-run", "cp", "web:/etc/hostname", out.string()});
  ASSERT_EQ(r.exit_code, 0) << r;
  EXPECT_EQ(r.out, "copy shop-web-1:/etc/hostname to " + out.string() + "\n") << r;
  EXPECT_FALSE(fs::exists(out));

  // The checks of a real copy still fail it.
  expect_lit_error(project({"--dry-run", "cp", (dir_ / "missing").string(), "web:/tmp/"}),
                   "Could not find the file " + (dir_ / "missing").string());
  expect_lit_error(project({"--dry-run", "cp", "web:/nope", out.string()}),
                   "Could not find the file /nope in container shop-web-1");
  expect_lit_error(project({"--dry-run", "cp", host.string(), "web:/no/such/dir/"}),
                   "copy to /no/such/dir/ in container shop-web-1");
  expect_lit_error(project({"--dry-run", "cp", host.string(), "nosuch:/tmp"}),
                   "no such service: nosuch");
}

TEST_F(ProjectDryRunTest, ExportAndCommitWriteAndStoreNothing) {
  const fs::path tar = dir_ / "web.tar";
  Result r = project({"--dry-run", "export", "web", "-o", tar.string()});
  ASSERT_EQ(r.exit_code, 0) << r;
  EXPECT_EQ(r.out, "export container shop-web-1 to " + tar.string() + "\n") << r;
  EXPECT_FALSE(fs::exists(tar));
  expect_lit_error(project({"--dry-run", "export", "web", "-o", "/no/such/dir/web.tar"}),
                   "invalid output path");

  ASSERT_EQ(in_web("echo changed > /changed").exit_code, 0);
  r = project({"--dry-run", "commit", "web", "shop/snapshot:1"});
  ASSERT_EQ(r.exit_code, 0) << r;
  EXPECT_EQ(r.out, "commit container shop-web-1 as docker.io/shop/snapshot:1\n") << r;
  EXPECT_EQ(images().find("shop/snapshot"), std::string::npos) << images();
  r = project({"--dry-run", "commit", "web", "Not A Reference"});
  EXPECT_EQ(r.exit_code, 1) << r;
  EXPECT_EQ(r.out, "") << r;
  expect_lit_error(project({"--dry-run", "commit", "--index", "2", "web"}),
                   "service \"web\" is not running container #2");
}

TEST_F(ProjectDryRunTest, ExecRunAndAttachAreRefusedOnlyWhereTheyWouldAttach) {
  Result r = project({"--dry-run", "exec", "-d", "web", "touch", "/tmp/x"});
  ASSERT_EQ(r.exit_code, 0) << r;
  EXPECT_EQ(r.out, "exec in container shop-web-1: touch /tmp/x\n") << r;
  EXPECT_NE(in_web("test -e /tmp/x; echo $?").out, "0\n");
  r = project({"--dry-run", "exec", "-T", "web", "touch", "/tmp/x"});
  expect_lit_error(r, "interactive exec is not supported in dry-run mode");
  EXPECT_EQ(r.out, "exec in container shop-web-1: touch /tmp/x\n") << r;
  expect_lit_error(project({"--dry-run", "exec", "-d", "nosuch", "true"}),
                   "no such service: nosuch");

  r = project({"--dry-run", "run", "-d", "web", "touch", "/tmp/x"});
  ASSERT_EQ(r.exit_code, 0) << r;
  ASSERT_TRUE(r.out.starts_with("create container shop-web-run-")) << r;
  const std::string name = r.out.substr(17, r.out.find(' ', 17) - 17);
  EXPECT_EQ(r.out,
            "create container " + name + " (one-off)\nstart container " + name + "\n" + name + "\n")
      << r;
  EXPECT_EQ(states(), running_);
  r = project({"--dry-run", "run", "-T", "web", "true"});
  expect_lit_error(r, "interactive run is not supported in dry-run mode");
  EXPECT_EQ(states(), running_);

  // A stopped dependency: the plan shows it started for the one-off.
  ASSERT_EQ(project({"stop", "db"}).exit_code, 0);
  r = project({"--dry-run", "run", "-d", "web", "true"});
  ASSERT_EQ(r.exit_code, 0) << r;
  EXPECT_TRUE(r.out.starts_with("start container shop-db-1")) << r;
  EXPECT_EQ(states().at("shop-db-1"), "exited");

  r = project({"--dry-run", "attach", "web"});
  expect_lit_error(r, "interactive run is not supported in dry-run mode");
  EXPECT_EQ(r.out, "attach to container shop-web-1\n") << r;
}

TEST_F(ProjectDryRunTest, BuildParsesTheContainerfileAndStoresNoImage) {
  Result r = project({"--profile", "build", "--dry-run", "build", "app"});
  ASSERT_EQ(r.exit_code, 0) << r;
  EXPECT_EQ(r.out, "build image shop-app (service app)\n") << r;
  EXPECT_EQ(images().find("shop-app"), std::string::npos) << images();

  std::ofstream(dir_ / "app/Containerfile") << "FROM localhost/lit-test:latest\nRUNN echo x\n";
  r = project({"--profile", "build", "--dry-run", "build", "app"});
  expect_lit_error(r, "service app");
  EXPECT_NE(r.err.find("RUNN"), std::string::npos) << r;
  fs::remove(dir_ / "app/Containerfile");
  expect_lit_error(project({"--profile", "build", "--dry-run", "build", "app"}), "service app");
}

TEST_F(ProjectDryRunTest, PushChecksTheImageAndContactsNoRegistry) {
  write(std::string(kCompose) + "  pub:\n    image: 127.0.0.1:9/shop/pub:1\n    profiles: [pub]\n");
  Result r = project({"--profile", "pub", "--dry-run", "push", "pub"});
  expect_lit_error(r, "service pub: push 127.0.0.1:9/shop/pub:1: image not found");
  ASSERT_EQ(lit({"image", "tag", "localhost/lit-test:latest", "127.0.0.1:9/shop/pub:1"}).exit_code,
            0);
  // Nothing listens on port 9: a real push would fail.
  r = project({"--profile", "pub", "--dry-run", "push", "pub"});
  ASSERT_EQ(r.exit_code, 0) << r;
  EXPECT_EQ(r.out, "push image 127.0.0.1:9/shop/pub:1 (service pub)\n") << r;
}

// Only compose's commands take --dry-run.
TEST_F(ProjectDryRunTest, DockerStyleGroupsRefuseIt) {
  expect_lit_error(lit({"--dry-run", "container", "ls"}),
                   "--dry-run: a flag of the project (compose) commands, not of lit container");
}

}  // namespace
}  // namespace lit::test
