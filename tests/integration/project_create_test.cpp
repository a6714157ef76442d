// compose's create (and up --no-start), up --no-deps and scale, end to end in
// the test's sandbox: which containers exist afterwards and in which state,
// as `ps -a --format json` shows them.
#include <fstream>
#include <map>
#include <nlohmann/json.hpp>
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
    command: ["sleep", "600"]
    init: true
  web:
    image: localhost/lit-test:latest
    command: ["sleep", "600"]
    init: true
    depends_on:
      db:
        condition: service_healthy
    healthcheck:
      test: ["CMD", "true"]
      interval: 1s
)";

class ProjectCreateTest : public ProjectFixture {
 protected:
  void SetUp() override {
    ProjectFixture::SetUp();
    if (IsSkipped() || HasFatalFailure()) return;
    write(kCompose);
  }
};

using States = std::map<std::string, std::string>;

// db has no health check, so web's service_healthy could never hold: create
// does not wait on it, it starts nothing.
TEST_F(ProjectCreateTest, CreateMakesTheContainersAndStartsNone) {
  Result r = project({"create", "--dry-run"});
  ASSERT_EQ(r.exit_code, 0) << r;
  EXPECT_NE(r.out.find("create container shop-web-1 (missing; not started)"), std::string::npos)
      << r;
  EXPECT_TRUE(states().empty());

  r = project({"create"});
  ASSERT_EQ(r.exit_code, 0) << r;
  EXPECT_TRUE(contains_line_with(r.err, {"Container shop-db-1", "Created"})) << r;
  EXPECT_TRUE(contains_line_with(r.err, {"Container shop-web-1", "Created"})) << r;
  EXPECT_EQ(states(), (States{{"shop-db-1", "created"}, {"shop-web-1", "created"}}));
  // Nothing to do the second time.
  r = project({"create", "--dry-run"});
  EXPECT_EQ(r.out, "nothing to do\n") << r;

  r = project({"start", "db"});
  ASSERT_EQ(r.exit_code, 0) << r;
  EXPECT_EQ(states(), (States{{"shop-db-1", "running"}, {"shop-web-1", "created"}}));
}

TEST_F(ProjectCreateTest, UpNoStartAfterAChangeRecreatesWithoutStarting) {
  ASSERT_EQ(project({"up", "--no-start"}).exit_code, 0);
  EXPECT_EQ(states(), (States{{"shop-db-1", "created"}, {"shop-web-1", "created"}}));
  std::string text = kCompose;
  text.replace(text.find("sleep\", \"600\"]\n    init: true\n  web"), 14, "sleep\", \"700\"]");
  write(text);
  Result r = project({"up", "--no-start"});
  ASSERT_EQ(r.exit_code, 0) << r;
  EXPECT_TRUE(contains_line_with(r.err, {"Container shop-db-1", "Recreated"})) << r;
  EXPECT_EQ(states(), (States{{"shop-db-1", "created"}, {"shop-web-1", "created"}}));
  expect_lit_error(project({"up", "--no-start", "-d"}), "--no-start");
}

TEST_F(ProjectCreateTest, UpNoDepsStartsOnlyTheNamedService) {
  std::string with_plain_dep = std::string(kCompose);
  with_plain_dep.replace(with_plain_dep.find("    depends_on:"), std::string::npos,
                         "    depends_on: [db]\n");
  write(with_plain_dep);
  Result r = project({"up", "-d", "--no-deps", "web"});
  ASSERT_EQ(r.exit_code, 0) << r;
  EXPECT_EQ(states(), (States{{"shop-web-1", "running"}}));
  // Without --no-deps the dependency comes too.
  ASSERT_EQ(project({"up", "-d", "web"}).exit_code, 0);
  EXPECT_EQ(states(), (States{{"shop-db-1", "running"}, {"shop-web-1", "running"}}));
}

// up --wait SERVICE waits on what that up starts (the service and its
// dependencies), not on the services it leaves alone.
TEST_F(ProjectCreateTest, UpWaitOfAServiceWaitsOnlyOnWhatItStarts) {
  write(R"(name: shop
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
  broken:
    image: localhost/lit-test:latest
    command: ["sleep", "600"]
    init: true
    healthcheck:
      test: ["CMD", "false"]
      interval: 1s
      retries: 1
)");
  RunOptions bounded;
  bounded.timeout = 60s;
  Result r = project({"up", "-d", "--wait", "--wait-timeout", "30", "web"}, {}, bounded);
  ASSERT_EQ(r.exit_code, 0) << r;
  EXPECT_EQ(states(), (States{{"shop-db-1", "running"}, {"shop-web-1", "running"}}));
  // With no service named, every one is waited on, and broken's health fails it.
  r = project({"up", "-d", "--wait", "--wait-timeout", "30"}, {}, bounded);
  EXPECT_EQ(r.exit_code, 1) << r;
  EXPECT_NE(r.err.find("shop-broken-1 is unhealthy"), std::string::npos) << r;
}

// down SERVICE removes only that service's containers (the network stays);
// --rmi local then removes the image built for the project, not the pulled one.
TEST_F(ProjectCreateTest, DownOfAServiceAndDownRmiLocal) {
  fs::create_directories(dir_ / "web");
  std::ofstream(dir_ / "web" / "Dockerfile")
      << "FROM localhost/lit-test:latest\nCMD [\"sleep\", \"600\"]\n";
  write(R"(name: shop
services:
  db:
    image: localhost/lit-test:latest
    command: ["sleep", "600"]
    init: true
  web:
    build: ./web
    init: true
)");
  Result up = project({"up", "-d"});
  ASSERT_EQ(up.exit_code, 0) << up;
  EXPECT_EQ(states(), (States{{"shop-db-1", "running"}, {"shop-web-1", "running"}}));
  Result r = project({"down", "-t", "1", "web"});
  ASSERT_EQ(r.exit_code, 0) << r;
  EXPECT_EQ(states(), (States{{"shop-db-1", "running"}}));
  EXPECT_EQ(lit({"network", "ls", "--format", "{{.Name}}"}).out, "shop_default\n");
  EXPECT_NE(lit({"image", "ls", "--format", "{{.Repository}}"}).out.find("shop-web"),
            std::string::npos);
  expect_lit_error(project({"down", "nope"}), "no such service: nope");

  r = project({"down", "-t", "1", "--rmi", "local"});
  ASSERT_EQ(r.exit_code, 0) << r;
  EXPECT_TRUE(contains_line_with(r.err, {"Image shop-web", "Removed"})) << r;
  EXPECT_TRUE(states().empty());
  const std::string images = lit({"image", "ls", "--format", "{{.Repository}}"}).out;
  EXPECT_EQ(images.find("shop-web"), std::string::npos) << images;
  EXPECT_NE(images.find("lit-test"), std::string::npos) << images;
}

TEST_F(ProjectCreateTest, ScaleSetsTheReplicasOfTheNamedServicesOnly) {
  write(R"(name: shop
services:
  db:
    image: localhost/lit-test:latest
    command: ["sleep", "600"]
    init: true
  web:
    image: localhost/lit-test:latest
    command: ["sleep", "600"]
    init: true
)");
  ASSERT_EQ(project({"up", "-d"}).exit_code, 0);
  const std::string db = ids().at("db");
  Result r = project({"scale", "web=3"});
  ASSERT_EQ(r.exit_code, 0) << r;
  EXPECT_EQ(states(), (States{{"shop-db-1", "running"},
                              {"shop-web-1", "running"},
                              {"shop-web-2", "running"},
                              {"shop-web-3", "running"}}));
  EXPECT_EQ(ids().at("db"), db);  // untouched
  r = project({"scale", "web=1"});
  ASSERT_EQ(r.exit_code, 0) << r;
  EXPECT_EQ(states(), (States{{"shop-db-1", "running"}, {"shop-web-1", "running"}}));
  expect_lit_error(project({"scale", "web=many"}), "web=many");
  expect_lit_error(project({"scale", "nope=2"}), "nope");
}

}  // namespace
}  // namespace lit::test
