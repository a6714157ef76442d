// compose's global flags (--dry-run, --compatibility, --ansi) and up's and
// run's flags beyond the basics (-V, --always-recreate-deps,
// --attach-dependencies, run --use-aliases, -l, --cap-add), end to end.
#include <csignal>
#include <future>
#include <map>
#include <mutex>
#include <string>

#include "tests/integration/expect.hpp"
#include "tests/integration/project_fixture.hpp"

namespace lit::test {
namespace {

// init: true so the stop signal ends `sleep` at once (lit-init forwards it).
constexpr const char* kCompose = R"(name: shop
services:
  db:
    image: localhost/lit-test:latest
    command: ["sh", "-c", "echo db-says-hi; exec sleep 600"]
    init: true
  web:
    image: localhost/lit-test:latest
    command: ["sh", "-c", "echo web-says-hi; exec sleep 600"]
    init: true
    depends_on: [db]
    volumes: ["/data"]
    networks:
      default:
        aliases: [api]
)";

class ProjectFlagsTest : public ProjectFixture {
 protected:
  void SetUp() override {
    ProjectFixture::SetUp();
    if (IsSkipped() || HasFatalFailure()) return;
    write(kCompose);
  }

  void TearDown() override {
    if (!IsSkipped()) project({"down", "-v", "-t", "0", "--remove-orphans"});
    ProjectFixture::TearDown();
  }

  std::string in_web(const std::string& command) {
    return project({"exec", "-T", "web", "sh", "-c", command}).out;
  }
};

// compose keeps a recreated container's anonymous volumes (their data);
// -V gives it fresh ones.
TEST_F(ProjectFlagsTest, RecreateKeepsAnonymousVolumesUnlessRenewed) {
  ASSERT_EQ(project({"up", "-d"}).exit_code, 0);
  ASSERT_EQ(project({"exec", "-T", "web", "sh", "-c", "echo kept > /data/f"}).exit_code, 0);
  const std::string first = ids().at("web");

  Result r = project({"up", "-d", "--force-recreate", "web"});
  ASSERT_EQ(r.exit_code, 0) << r;
  EXPECT_NE(ids().at("web"), first);
  EXPECT_EQ(in_web("cat /data/f"), "kept\n");

  r = project({"up", "-d", "--force-recreate", "-V", "web"});
  ASSERT_EQ(r.exit_code, 0) << r;
  EXPECT_EQ(in_web("cat /data/f 2>/dev/null || echo gone"), "gone\n");
}

// --force-recreate is for the services named; --always-recreate-deps
// recreates their dependencies too.
TEST_F(ProjectFlagsTest, AlwaysRecreateDepsRecreatesTheDependencies) {
  ASSERT_EQ(project({"up", "-d"}).exit_code, 0);
  auto before = ids();
  ASSERT_EQ(project({"up", "-d", "--force-recreate", "web"}).exit_code, 0);
  auto after = ids();
  EXPECT_EQ(after.at("db"), before.at("db"));
  EXPECT_NE(after.at("web"), before.at("web"));

  Result r = project({"up", "-d", "--force-recreate", "--always-recreate-deps", "web"});
  ASSERT_EQ(r.exit_code, 0) << r;
  EXPECT_NE(ids().at("db"), after.at("db"));
  expect_lit_error(project({"up", "-d", "--no-recreate", "--always-recreate-deps"}),
                   "--always-recreate-deps");
}

TEST_F(ProjectFlagsTest, GlobalDryRunChangesNothing) {
  Result r = project({"--dry-run", "up", "-d"});
  ASSERT_EQ(r.exit_code, 0) << r;
  EXPECT_NE(r.out.find("create container shop-web-1 (missing)"), std::string::npos) << r;
  EXPECT_TRUE(states().empty());

  ASSERT_EQ(project({"up", "-d"}).exit_code, 0);
  r = project({"--dry-run", "down"});
  ASSERT_EQ(r.exit_code, 0) << r;
  EXPECT_NE(r.out.find("remove container shop-web-1"), std::string::npos) << r;
  EXPECT_EQ(states(), (std::map<std::string, std::string>{{"shop-db-1", "running"},
                                                          {"shop-web-1", "running"}}));
  // A command that only reads runs as it is.
  r = project({"--dry-run", "ps", "--services"});
  EXPECT_EQ(r.exit_code, 0) << r;
  EXPECT_EQ(r.out, "db\nweb\n") << r;
  EXPECT_EQ(states().at("shop-web-1"), "running");
}

// The other commands that change containers print what they would do.
TEST_F(ProjectFlagsTest, GlobalDryRunOnStopKillPauseRmChangesNothing) {
  ASSERT_EQ(project({"up", "-d"}).exit_code, 0);
  const std::map<std::string, std::string> running = {{"shop-db-1", "running"},
                                                      {"shop-web-1", "running"}};
  Result r = project({"--dry-run", "stop", "web"});
  ASSERT_EQ(r.exit_code, 0) << r;
  EXPECT_EQ(r.out, "stop container shop-web-1\n") << r;
  r = project({"--dry-run", "restart", "web"});
  ASSERT_EQ(r.exit_code, 0) << r;
  EXPECT_EQ(r.out, "restart container shop-web-1\n") << r;
  r = project({"--dry-run", "kill"});
  ASSERT_EQ(r.exit_code, 0) << r;
  EXPECT_EQ(r.out, "kill container shop-db-1\nkill container shop-web-1\n") << r;
  r = project({"--dry-run", "pause", "db"});
  ASSERT_EQ(r.exit_code, 0) << r;
  EXPECT_EQ(r.out, "pause container shop-db-1\n") << r;
  r = project({"--dry-run", "rm", "-s", "-f", "web"});
  ASSERT_EQ(r.exit_code, 0) << r;
  EXPECT_EQ(r.out,
            "stop container shop-web-1\nGoing to remove shop-web-1\nremove container shop-web-1\n")
      << r;
  EXPECT_EQ(states(), running);

  ASSERT_EQ(project({"stop", "web"}).exit_code, 0);
  r = project({"--dry-run", "start"});
  ASSERT_EQ(r.exit_code, 0) << r;
  EXPECT_EQ(r.out, "start container shop-web-1\n") << r;
  EXPECT_EQ(states().at("shop-web-1"), "exited");
}

TEST_F(ProjectFlagsTest, CompatibilityNamesContainersAsComposeV1) {
  Result r = project({"--compatibility", "up", "-d"});
  ASSERT_EQ(r.exit_code, 0) << r;
  EXPECT_EQ(states(), (std::map<std::string, std::string>{{"shop_db_1", "running"},
                                                          {"shop_web_1", "running"}}));
  // Also from the environment, as compose's COMPOSE_COMPATIBILITY; nothing changes then.
  r = project({"up", "-d"}, {"COMPOSE_COMPATIBILITY=true"});
  ASSERT_EQ(r.exit_code, 0) << r;
  EXPECT_EQ(states().count("shop_web_1"), 1u);
  // Without it, as compose, the same containers (by their labels): nothing
  // is recreated and they keep their names.
  const auto before = ids();
  r = project({"up", "-d"});
  ASSERT_EQ(r.exit_code, 0) << r;
  EXPECT_EQ(ids(), before);
  EXPECT_EQ(states(), (std::map<std::string, std::string>{{"shop_db_1", "running"},
                                                          {"shop_web_1", "running"}}));
}

TEST_F(ProjectFlagsTest, AnsiDecidesTheColorsOfLogPrefixes) {
  ASSERT_EQ(project({"up", "-d"}).exit_code, 0);
  auto logs = [&](const char* ansi) {
    Result r = project({"--ansi", ansi, "logs", "web"});
    EXPECT_EQ(r.exit_code, 0) << r;
    return r.out;
  };
  EXPECT_TRUE(eventually([&] { return logs("never").find("web-says-hi") != std::string::npos; }));
  EXPECT_EQ(logs("never").find('\x1b'), std::string::npos);
  EXPECT_NE(logs("always").find("\x1b["), std::string::npos);  // not a terminal: still colored
  EXPECT_EQ(logs("auto").find('\x1b'), std::string::npos);
  expect_lit_error(project({"--ansi", "sometimes", "ps"}), "--ansi");
}

// Attached up SERVICE shows only that service's output; with
// --attach-dependencies its dependencies' too.
TEST_F(ProjectFlagsTest, AttachDependenciesShowsTheDependenciesOutput) {
  write(R"(name: shop
services:
  db:
    image: localhost/lit-test:latest
    command: ["echo", "db-says-hi"]
  web:
    image: localhost/lit-test:latest
    command: ["sh", "-c", "sleep 1; echo web-says-hi"]
    depends_on: [db]
)");
  Result r = project({"up", "web"});
  ASSERT_EQ(r.exit_code, 0) << r;
  EXPECT_NE(r.out.find("web-says-hi"), std::string::npos) << r;
  EXPECT_EQ(r.out.find("db-says-hi"), std::string::npos) << r;
  r = project({"up", "--attach-dependencies", "web"});
  ASSERT_EQ(r.exit_code, 0) << r;
  EXPECT_NE(r.out.find("db-says-hi"), std::string::npos) << r;
  EXPECT_NE(r.out.find("web-says-hi"), std::string::npos) << r;
}

// A one-off gets the service's network aliases only with --use-aliases;
// -l and --cap-add reach its container.
TEST_F(ProjectFlagsTest, RunUseAliasesLabelsAndCapabilities) {
  ASSERT_EQ(project({"up", "-d"}).exit_code, 0);
  ASSERT_EQ(project({"stop", "-t", "0", "web"}).exit_code, 0);  // the replica no longer answers
  Result r = project({"run", "-d", "--name", "plain", "web", "sleep", "600"});
  ASSERT_EQ(r.exit_code, 0) << r;
  r = project({"run", "-d", "--name", "aliased", "--use-aliases", "-l", "team=shop", "--cap-add",
               "NET_ADMIN", "web", "sleep", "600"});
  ASSERT_EQ(r.exit_code, 0) << r;
  auto lookup = [&](const char* name) {
    return project({"exec", "-T", "db", "nslookup", name}).exit_code;
  };
  EXPECT_TRUE(eventually([&] { return lookup("api") == 0; })) << "--use-aliases gave no alias";
  Result inspect = lit({"container", "inspect", "aliased"});
  EXPECT_NE(inspect.out.find("\"team\": \"shop\""), std::string::npos) << inspect;
  Result caps = lit({"container", "exec", "aliased", "sh", "-c", "grep CapEff /proc/self/status"});
  Result plain_caps =
      lit({"container", "exec", "plain", "sh", "-c", "grep CapEff /proc/self/status"});
  EXPECT_NE(caps.out, plain_caps.out) << caps << plain_caps;
  ASSERT_EQ(lit({"container", "rm", "-f", "aliased"}).exit_code, 0);
  EXPECT_TRUE(eventually([&] { return lookup("api") != 0; }))
      << "a one-off without --use-aliases answers the alias";
}

// Legacy links: a dependency, and the alias names the linked service.
TEST_F(ProjectFlagsTest, LinksAreDependenciesAndAliases) {
  write(R"(name: shop
services:
  web:
    image: localhost/lit-test:latest
    command: ["sleep", "600"]
    init: true
    links: ["db:database"]
  db:
    image: localhost/lit-test:latest
    command: ["sleep", "600"]
    init: true
)");
  Result r = project({"up", "-d", "web"});  // db comes up with it: the link is a dependency
  ASSERT_EQ(r.exit_code, 0) << r;
  EXPECT_EQ(states(), (std::map<std::string, std::string>{{"shop-db-1", "running"},
                                                          {"shop-web-1", "running"}}));
  Result lookup = project({"exec", "-T", "web", "nslookup", "database"});
  EXPECT_EQ(lookup.exit_code, 0) << lookup;
  Result config = project({"config"});
  EXPECT_NE(config.out.find("    links:\n      - db:database\n"), std::string::npos) << config;
}

// logs -f follows the containers that appear while it runs (a scale-up).
TEST_F(ProjectFlagsTest, LogsFollowPicksUpNewContainers) {
  ASSERT_EQ(project({"up", "-d", "db"}).exit_code, 0);
  std::mutex m;
  pid_t pid = 0;
  std::string out;
  RunOptions opts;
  opts.on_stdout = [&](pid_t p, const std::string& so_far) {
    std::lock_guard lock(m);
    pid = p;
    out = so_far;
  };
  auto seen = [&](const std::string& text) {
    std::lock_guard lock(m);
    return out.find(text) != std::string::npos;
  };
  auto follower = std::async(std::launch::async, [&] {
    return project_with({"logs", "-f", "--no-color", "db"}, opts);
  });
  ASSERT_TRUE(eventually([&] { return seen("db-1  | db-says-hi"); }));
  Result r = project({"up", "-d", "--scale", "db=2", "db"});
  ASSERT_EQ(r.exit_code, 0) << r;
  EXPECT_TRUE(eventually([&] { return seen("db-2  | db-says-hi"); })) << out;
  {
    std::lock_guard lock(m);
    kill(pid, SIGINT);
  }
  Result done = follower.get();
  EXPECT_FALSE(done.timed_out) << done;
}

}  // namespace
}  // namespace lit::test
