// compose's lifecycle hooks end to end: post_start runs in the container once
// it started (up, start, restart), with the hook's user, working directory,
// environment and privileges; pre_stop runs before a running container is
// stopped (stop, down, restart, recreate); a failing hook fails the command
// with compose's line; the hooks' output is printed with compose's prefix.
#include <signal.h>

#include <fstream>
#include <sstream>

#include "tests/integration/expect.hpp"
#include "tests/integration/project_fixture.hpp"

namespace lit::test {
namespace {

std::string slurp(const fs::path& p) {
  std::ifstream in(p);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

bool has_line(const std::string& text, const std::string& line) {
  std::istringstream in(text);
  for (std::string l; std::getline(in, l);)
    if (l == line) return true;
  return false;
}

class ProjectHooksTest : public ProjectFixture {
 protected:
  // `lit exec SERVICE cat PATH`'s output.
  std::string cat(const std::string& service, const std::string& path) {
    Result r = project({"exec", service, "cat", path});
    EXPECT_EQ(r.exit_code, 0) << r;
    return r.out;
  }
};

// The first hook runs as the container's user (root), the second as 1001,
// each with its working directory and environment.
constexpr const char* kPostStart = R"yaml(name: shop
services:
  web:
    image: localhost/lit-test:latest
    command: ["sleep", "600"]
    init: true
    environment:
      FROM_SERVICE: svc
    post_start:
      - command: ["sh", "-c", "mkdir -p /tmp/h && chmod 777 /tmp/h && id -u > /tmp/h/root-uid && echo run >> /tmp/h/runs && echo hook ran"]
      - command: sh -c 'id -u > /tmp/h/uid; echo "$$STAGE $$FROM_SERVICE $$(pwd)" > /tmp/h/env'
        user: "1001"
        working_dir: /etc
        environment:
          STAGE: post
)yaml";

TEST_F(ProjectHooksTest, PostStartRunsInTheContainerWithItsUserDirAndEnvironment) {
  write(kPostStart);
  Result r = project({"up", "-d"});
  ASSERT_EQ(r.exit_code, 0) << r;
  // compose's prefix for a hook's output: the container, then "->".
  EXPECT_EQ(r.out, "web-1 -> | hook ran\n") << r;
  EXPECT_EQ(cat("web", "/tmp/h/root-uid"), "0\n");
  EXPECT_EQ(cat("web", "/tmp/h/uid"), "1001\n");
  EXPECT_EQ(cat("web", "/tmp/h/env"), "post svc /etc\n");
  EXPECT_EQ(cat("web", "/tmp/h/runs"), "run\n");

  // Nothing changed: nothing runs again.
  ASSERT_EQ(project({"up", "-d"}).exit_code, 0);
  EXPECT_EQ(cat("web", "/tmp/h/runs"), "run\n");
  // restart, and stop then start, start the container again: the hooks run.
  r = project({"restart", "-t", "1"});
  ASSERT_EQ(r.exit_code, 0) << r;
  EXPECT_EQ(r.out, "web-1 -> | hook ran\n") << r;
  EXPECT_EQ(cat("web", "/tmp/h/runs"), "run\nrun\n");
  ASSERT_EQ(project({"stop", "-t", "1"}).exit_code, 0);
  ASSERT_EQ(project({"start"}).exit_code, 0);
  EXPECT_EQ(cat("web", "/tmp/h/runs"), "run\nrun\nrun\n");
}

TEST_F(ProjectHooksTest, PrivilegedHookHasEveryCapability) {
  write(R"(name: shop
services:
  web:
    image: localhost/lit-test:latest
    command: ["sleep", "600"]
    init: true
    cap_drop: [ALL]
    post_start:
      - command: ["sh", "-c", "grep CapEff /proc/self/status > /tmp/plain"]
      - command: ["sh", "-c", "grep CapEff /proc/self/status > /tmp/privileged"]
        privileged: true
)");
  Result r = project({"up", "-d"});
  ASSERT_EQ(r.exit_code, 0) << r;
  EXPECT_EQ(cat("web", "/tmp/plain"), "CapEff:\t0000000000000000\n");
  std::string privileged = cat("web", "/tmp/privileged");
  EXPECT_TRUE(privileged.starts_with("CapEff:\t")) << privileged;
  EXPECT_NE(privileged, "CapEff:\t0000000000000000\n");
  EXPECT_NE(privileged.find("ff"), std::string::npos) << privileged;
}

TEST_F(ProjectHooksTest, FailingPostStartFailsUpWithComposesLine) {
  write(R"(name: shop
services:
  web:
    image: localhost/lit-test:latest
    command: ["sleep", "600"]
    init: true
    post_start:
      - command: ["sh", "-c", "echo about to fail; exit 3"]
      - command: ["touch", "/tmp/second"]
  front:
    image: localhost/lit-test:latest
    command: ["sleep", "600"]
    init: true
    depends_on: [web]
)");
  Result r = project({"up", "-d"});
  EXPECT_EQ(r.exit_code, 1) << r;
  EXPECT_TRUE(has_line(r.err, "lit: create container shop-web-1: web hook exited with status 3"))
      << r;
  EXPECT_EQ(r.out, "web-1 -> | about to fail\n") << r;
  // As compose: the container stays started, the next hooks and its
  // dependants do not run.
  EXPECT_EQ(states(), (std::map<std::string, std::string>{{"shop-web-1", "running"}}));
  EXPECT_NE(project({"exec", "web", "test", "-e", "/tmp/second"}).exit_code, 0);
}

// pre_stop appends to a file of the host (a bind mount) each time it runs.
constexpr const char* kPreStop = R"(name: shop
services:
  web:
    image: localhost/lit-test:latest
    command: ["sleep", "600"]
    init: true
    environment:
      VERSION: "%s"
    volumes: ["./out:/out"]
    pre_stop:
      - command: ["sh", "-c", "echo \"stopping $$VERSION\" >> /out/log"]
)";

std::string pre_stop_compose(const std::string& version) {
  std::string text = kPreStop;
  text.replace(text.find("%s"), 2, version);
  return text;
}

TEST_F(ProjectHooksTest, PreStopRunsBeforeStopDownRestartAndRecreate) {
  fs::create_directories(dir_ / "out");
  write(pre_stop_compose("v1"));
  ASSERT_EQ(project({"up", "-d"}).exit_code, 0);
  fs::path log = dir_ / "out" / "log";
  EXPECT_FALSE(fs::exists(log));

  ASSERT_EQ(project({"stop", "-t", "1"}).exit_code, 0);
  EXPECT_EQ(slurp(log), "stopping v1\n");
  // Already stopped: stop and start run no pre_stop.
  ASSERT_EQ(project({"stop", "-t", "1"}).exit_code, 0);
  EXPECT_EQ(slurp(log), "stopping v1\n");
  ASSERT_EQ(project({"start"}).exit_code, 0);

  ASSERT_EQ(project({"restart", "-t", "1"}).exit_code, 0);
  EXPECT_EQ(slurp(log), "stopping v1\nstopping v1\n");

  // A changed service is recreated: the old container's pre_stop runs first.
  write(pre_stop_compose("v2"));
  Result r = project({"up", "-d"});
  ASSERT_EQ(r.exit_code, 0) << r;
  EXPECT_EQ(slurp(log), "stopping v1\nstopping v1\nstopping v1\n");

  r = project({"down", "-t", "1"});
  ASSERT_EQ(r.exit_code, 0) << r;
  EXPECT_EQ(slurp(log), "stopping v1\nstopping v1\nstopping v1\nstopping v2\n");
}

TEST_F(ProjectHooksTest, AHookChangeRecreatesTheContainer) {
  write(R"(name: shop
services:
  web:
    image: localhost/lit-test:latest
    command: ["sleep", "600"]
    init: true
    post_start:
      - command: ["true"]
)");
  ASSERT_EQ(project({"up", "-d"}).exit_code, 0);
  std::string before = ids().at("web");
  write(R"(name: shop
services:
  web:
    image: localhost/lit-test:latest
    command: ["sleep", "600"]
    init: true
    post_start:
      - command: ["true"]
        user: "1001"
)");
  // compose's config hash covers the hooks.
  Result r = project({"up", "-d", "--dry-run"});
  EXPECT_NE(r.out.find("recreate container shop-web-1"), std::string::npos) << r;
  ASSERT_EQ(project({"up", "-d"}).exit_code, 0);
  EXPECT_NE(ids().at("web"), before);
}

TEST_F(ProjectHooksTest, FailingPreStopFailsStopAndLeavesTheContainerRunning) {
  write(R"(name: shop
services:
  web:
    image: localhost/lit-test:latest
    command: ["sleep", "600"]
    init: true
    pre_stop:
      - command: ["sh", "-c", "test -e /tmp/may-stop"]
)");
  ASSERT_EQ(project({"up", "-d"}).exit_code, 0);
  Result r = project({"stop", "-t", "1"});
  EXPECT_EQ(r.exit_code, 1) << r;
  EXPECT_TRUE(has_line(r.err, "lit: stop container shop-web-1: web hook exited with status 1"))
      << r;
  EXPECT_EQ(states().at("shop-web-1"), "running");
  ASSERT_EQ(project({"exec", "web", "touch", "/tmp/may-stop"}).exit_code, 0);
  r = project({"stop", "-t", "1"});
  EXPECT_EQ(r.exit_code, 0) << r;
  EXPECT_EQ(states().at("shop-web-1"), "exited");
}

// A detached one-off (`run -d`) runs its service's post_start hooks too.
TEST_F(ProjectHooksTest, RunDetachedRunsPostStart) {
  write(kPostStart);
  Result r = project({"run", "-d", "--name", "once", "web", "sleep", "600"});
  ASSERT_EQ(r.exit_code, 0) << r;
  EXPECT_TRUE(has_line(r.out, "once -> | hook ran")) << r;
  Result uid = lit({"container", "exec", "once", "cat", "/tmp/h/uid"});
  EXPECT_EQ(uid.out, "1001\n") << uid;
  ASSERT_EQ(lit({"container", "rm", "-f", "once"}).exit_code, 0);
}

// A one-off in the foreground runs post_start beside it, as compose's run
// does: the command sees what the hooks did (it waits for them, 10 s at most).
TEST_F(ProjectHooksTest, RunInTheForegroundRunsPostStartBesideIt) {
  write(kPostStart);
  Result r = project({"run", "--rm", "-T", "web", "sh", "-c",
                      "i=0; while [ ! -s /tmp/h/env ] && [ $i -lt 100 ]; do sleep 0.1; "
                      "i=$((i+1)); done; cat /tmp/h/uid /tmp/h/env"});
  EXPECT_EQ(r.exit_code, 0) << r;
  EXPECT_EQ(r.out, "1001\npost svc /etc\n") << r;
}

// A failing hook fails a foreground run that itself succeeded (exit 1), with
// the hook's output and compose's line on stderr.
TEST_F(ProjectHooksTest, FailingPostStartFailsAForegroundRun) {
  write(R"(name: shop
services:
  web:
    image: localhost/lit-test:latest
    post_start:
      - command: ["sh", "-c", "echo nope; touch /tmp/hooked; exit 3"]
)");
  const std::string wait_hook =
      "i=0; while [ ! -e /tmp/hooked ] && [ $i -lt 100 ]; do sleep 0.1; i=$((i+1)); done; "
      "sleep 1; exit ";
  Result r = project({"run", "--rm", "-T", "--name", "once", "web", "sh", "-c", wait_hook + "0"});
  EXPECT_EQ(r.exit_code, 1) << r;
  EXPECT_TRUE(has_line(r.err, "once -> | nope")) << r;
  EXPECT_TRUE(has_line(r.err, "lit: run web: web hook exited with status 3")) << r;
  // The one-off's own failure wins.
  r = project({"run", "--rm", "-T", "--name", "once", "web", "sh", "-c", wait_hook + "5"});
  EXPECT_EQ(r.exit_code, 5) << r;
}

// Ctrl-C in attached up runs pre_stop before stopping, as compose's stop does.
TEST_F(ProjectHooksTest, CtrlCInAttachedUpRunsPreStop) {
  fs::create_directories(dir_ / "out");
  write(R"(name: shop
services:
  web:
    image: localhost/lit-test:latest
    command: ["sh", "-c", "echo ready; while true; do sleep 0.1; done"]
    init: true
    volumes: ["./out:/out"]
    pre_stop:
      - command: ["sh", "-c", "echo stopping >> /out/log; echo bye"]
)");
  bool sent = false;
  RunOptions opts;
  opts.on_stdout = [&](pid_t pid, const std::string& so_far) {
    if (!sent && so_far.find("web-1  | ready") != std::string::npos) {
      kill(pid, SIGINT);
      sent = true;
    }
  };
  Result r = project_with({"up", "--no-color", "-t", "1"}, opts);
  ASSERT_TRUE(sent) << r;
  EXPECT_EQ(r.exit_code, 130) << r;
  EXPECT_EQ(slurp(dir_ / "out" / "log"), "stopping\n") << r;
  EXPECT_TRUE(has_line(r.out, "web-1 -> | bye")) << r;
  EXPECT_EQ(states().at("shop-web-1"), "exited") << r;
}

}  // namespace
}  // namespace lit::test
