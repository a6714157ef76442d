// `lit up` / `lit down` on compose files, end to end in the test's sandbox:
// services reach each other by name, a published port answers, a change
// recreates only its service, a second up changes nothing, a service whose
// dependency is unhealthy is not started, a killed `up` is recovered, and
// `down` leaves nothing.
#include <signal.h>
#include <sys/wait.h>

#include <thread>

#include "tests/integration/project_fixture.hpp"

namespace lit::test {
namespace {

constexpr const char* kCompose = R"(name: shop
services:
  web:
    image: localhost/lit-test:latest
    command: ["httpd", "-f", "-p", "80", "-h", "/etc"]
    ports: ["8081:80"]
    environment:
      COLOR: ${COLOR:-blue}
    healthcheck:
      test: ["CMD", "wget", "-q", "-O", "/dev/null", "http://127.0.0.1/hostname"]
      interval: 500ms
      retries: 10
  api:
    image: localhost/lit-test:latest
    command: ["sleep", "600"]
    depends_on:
      web: {condition: service_healthy}
    volumes: ["data:/data"]
volumes:
  data: {}
)";

class ProjectTest : public ProjectFixture {
 protected:
  void SetUp() override {
    ProjectFixture::SetUp();
    if (IsSkipped() || HasFatalFailure()) return;
    write(kCompose);
  }

  static std::string fetch(const std::string& url) {
    Result r = run_process({"busybox", "timeout", "3", "busybox", "wget", "-q", "-O", "-", url});
    return r.exit_code == 0 ? r.out : "";
  }
};

TEST_F(ProjectTest, UpRunsServicesThatReachEachOtherAndDownLeavesNothing) {
  Result r = project({"up", "-d", "--wait"});
  ASSERT_EQ(r.exit_code, 0) << r;
  auto before = ids();
  ASSERT_EQ(before.size(), 2u) << project({"ps", "-a"});
  // The published port answers; api reaches web by its service name.
  EXPECT_EQ(fetch("http://127.0.0.1:8081/hostname"), before["web"] + "\n");
  Result byname = lit({"container", "exec", "shop-api-1", "wget", "-q", "-O", "-", "http://web/hostname"});
  EXPECT_EQ(byname.out, before["web"] + "\n") << byname;

  // Nothing changed: nothing to do, the same containers.
  Result dry = project({"up", "--dry-run"});
  EXPECT_EQ(dry.out, "nothing to do\n") << dry;
  ASSERT_EQ(project({"up", "-d"}).exit_code, 0);
  EXPECT_EQ(ids(), before);

  // One service changed (its interpolated environment): only it is recreated.
  dry = project({"up", "--dry-run"}, {"COLOR=red"});
  EXPECT_TRUE(contains_line_with(dry.out, {"recreate container shop-web-1", "config changed"})) << dry;
  EXPECT_EQ(dry.out.find("shop-api-1"), std::string::npos) << dry;
  r = project({"up", "-d", "--wait"}, {"COLOR=red"});
  ASSERT_EQ(r.exit_code, 0) << r;
  auto after = ids();
  EXPECT_NE(after["web"], before["web"]);
  EXPECT_EQ(after["api"], before["api"]);
  Result env = lit({"container", "exec", "shop-web-1", "sh", "-c", "echo $COLOR"});
  EXPECT_EQ(env.out, "red\n");

  r = project({"down", "-v", "-t", "1"});
  EXPECT_EQ(r.exit_code, 0) << r;
  EXPECT_TRUE(ids().empty());
  EXPECT_EQ(lit({"network", "ls", "-q"}).out, "");
  EXPECT_FALSE(fs::exists(root_ / "volumes" / "shop_data"));
  EXPECT_EQ(fetch("http://127.0.0.1:8081/hostname"), "");
}

TEST_F(ProjectTest, AServiceWhoseDependencyIsUnhealthyIsNotStarted) {
  write(R"(name: shop
services:
  web:
    image: localhost/lit-test:latest
    command: ["sleep", "600"]
    healthcheck:
      test: ["CMD", "false"]
      interval: 200ms
      retries: 2
  api:
    image: localhost/lit-test:latest
    command: ["sleep", "600"]
    depends_on:
      web: {condition: service_healthy}
)");
  Result r = project({"up", "-d"});
  EXPECT_NE(r.exit_code, 0) << r;
  EXPECT_NE(r.err.find("web is unhealthy"), std::string::npos) << r;
  auto now = ids();
  EXPECT_TRUE(now.contains("web"));
  EXPECT_FALSE(now.contains("api")) << "api was started although web is unhealthy";
}

TEST_F(ProjectTest, UpKilledMidwayIsRecoveredByTheNextUpAndDown) {
  // SIGKILL `lit up` while it waits for web to be healthy, after web exists.
  std::vector<std::string> argv = project_argv({"up", "-d"});
  pid_t pid = fork();
  if (pid == 0) {
    std::vector<char*> args;
    for (auto& a : argv) args.push_back(a.data());
    args.push_back(nullptr);
    execv(args[0], args.data());
    _exit(127);
  }
  for (int i = 0; i < 200 && !ids().contains("web"); ++i) std::this_thread::sleep_for(20ms);
  kill(pid, SIGKILL);
  waitpid(pid, nullptr, 0);

  Result r = project({"up", "-d", "--wait"});
  ASSERT_EQ(r.exit_code, 0) << r;
  EXPECT_EQ(ids().size(), 2u);
  r = project({"down", "-v", "-t", "1"});
  EXPECT_EQ(r.exit_code, 0) << r;
  EXPECT_TRUE(ids().empty());
  EXPECT_EQ(lit({"network", "ls", "-q"}).out, "");
}

TEST_F(ProjectTest, BadFileIsAClearErrorAndChangesNothing) {
  write("services:\n  web:\n    image: localhost/lit-test:latest\n    ports: [\"80:80:80\"]\n");
  Result r = project({"up", "-d"});
  EXPECT_EQ(r.exit_code, 125) << r;
  EXPECT_NE(r.err.find("compose.yaml:4"), std::string::npos) << r;
  EXPECT_NE(r.err.find("ports"), std::string::npos) << r;
  EXPECT_TRUE(container_ids().empty());
}

}  // namespace
}  // namespace lit::test
