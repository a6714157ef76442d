// The versions `lit up` records: `up --atomic` returns the services it changed
// to the current version when they do not become healthy, and `lit rollback`
// goes back one version on demand; services that did not change are left alone.
#include <fstream>

#include "tests/integration/project_fixture.hpp"

namespace lit::test {
namespace {

// web at `version`, healthy or never; db never changes.
std::string shop(int version, bool healthy) {
  return std::string(R"(name: shop
services:
  db:
    image: localhost/lit-test:latest
    command: ["sh", "-c", "trap 'exit 0' TERM; while true; do sleep 0.1; done"]
  web:
    image: localhost/lit-test:latest
    command: ["sh", "-c", "trap 'exit 0' TERM; while true; do sleep 0.1; done"]
    environment:
      VERSION: ")") +
         std::to_string(version) + R"("
    healthcheck:
      test: ["CMD", ")" +
         (healthy ? "true" : "false") + R"("]
      interval: 200ms
      retries: 2
)";
}

class ProjectVersionsTest : public ProjectFixture {
 protected:
  std::string web_version() {
    Result r = project({"exec", "-T", "web", "sh", "-c", "echo $VERSION"});
    EXPECT_EQ(r.exit_code, 0) << r;
    return r.out;
  }
  Result up(const std::vector<std::string>& extra = {}) {
    std::vector<std::string> args{"up", "-d", "--wait", "--wait-timeout", "30"};
    args.insert(args.end(), extra.begin(), extra.end());
    return project(args);
  }
};

TEST_F(ProjectVersionsTest, AtomicUpReturnsAnUnhealthyChangeToTheCurrentVersion) {
  write(shop(1, true));
  ASSERT_EQ(up().exit_code, 0);
  const auto before = ids();
  write(shop(2, false));
  Result r = project({"up", "-d", "--atomic", "--wait-timeout", "20"});
  EXPECT_EQ(r.exit_code, 1) << r;
  EXPECT_TRUE(contains_line_with(
      r.err, {"lit: up --atomic: shop-web-1 is unhealthy; returning web to version 1"}))
      << r;
  EXPECT_TRUE(contains_line_with(r.err, {"lit: web: back to version 1"})) << r;
  EXPECT_EQ(web_version(), "1\n");
  auto ps = ps_all();
  EXPECT_EQ(ps["shop-web-1"].value("Health", ""), "healthy") << ps["shop-web-1"];
  auto after = ids();
  EXPECT_EQ(after["db"], before.at("db"));    // unchanged: never touched
  EXPECT_NE(after["web"], before.at("web"));  // recreated twice: to 2, and back to 1

  Result list = project({"rollback", "--list"});
  ASSERT_EQ(list.exit_code, 0) << list;
  EXPECT_TRUE(contains_line_with(list.out, {"1 (current)", "applied", "db,web"})) << list;
  EXPECT_TRUE(contains_line_with(
      list.out, {"2 ", "failed", "web", "shop-web-1 is unhealthy; back to version 1"}))
      << list;
}

TEST_F(ProjectVersionsTest, AtomicUpOfAHealthyChangeBecomesTheCurrentVersion) {
  write(shop(1, true));
  ASSERT_EQ(up().exit_code, 0);
  ASSERT_EQ(up().exit_code, 0);  // nothing changed: nothing recorded
  write(shop(2, true));
  Result r = project({"up", "-d", "--atomic", "--wait-timeout", "20"});
  EXPECT_EQ(r.exit_code, 0) << r;
  EXPECT_EQ(web_version(), "2\n");
  Result list = project({"rollback", "--list"});
  EXPECT_EQ(list.out_lines().size(), 3u) << list;  // the header, 1 and 2
  EXPECT_TRUE(contains_line_with(list.out, {"2 (current)", "applied", "web"})) << list;
}

TEST_F(ProjectVersionsTest, RollbackGoesBackOneVersionAndOnlyRecreatesWhatChanged) {
  write(shop(1, true));
  ASSERT_EQ(up().exit_code, 0);
  write(shop(2, true));
  ASSERT_EQ(up().exit_code, 0);
  EXPECT_EQ(web_version(), "2\n");
  const auto before = ids();
  Result r = project({"rollback"});
  ASSERT_EQ(r.exit_code, 0) << r;
  EXPECT_TRUE(contains_line_with(r.out, {"Rolled back shop from version 2 to version 1"})) << r;
  EXPECT_EQ(web_version(), "1\n");
  EXPECT_EQ(ids()["db"], before.at("db"));
  // The file still says 2: the next up would take web there again, and only web.
  Result dry = project({"up", "--dry-run"});
  EXPECT_TRUE(contains_line_with(dry.out, {"shop-web-1"})) << dry;
  EXPECT_FALSE(contains_line_with(dry.out, {"shop-db-1"})) << dry;

  Result again = project({"rollback"});
  EXPECT_EQ(again.exit_code, 1) << again;
  EXPECT_TRUE(contains_line_with(again.err, {"lit: rollback shop: version 1 is the first one "
                                             "recorded: nothing to go back to"}))
      << again;
  Result list = project({"rollback", "--list"});
  EXPECT_TRUE(contains_line_with(list.out, {"1 (current)", "applied"})) << list;
  EXPECT_TRUE(contains_line_with(list.out, {"2 ", "rolled back", "rolled back to version 1"}))
      << list;
}

// A service lit builds: `up --build` of a changed Containerfile moves the
// tag to a new image; a rollback points it back at the image version 1 ran.
TEST_F(ProjectVersionsTest, RollbackOfABuiltServiceRunsTheImageItBuiltThen) {
  auto containerfile = [&](const std::string& text) {
    std::ofstream(dir_ / "app" / "Containerfile") << "FROM localhost/lit-test:latest\n"
                                                  << "RUN echo " << text << " > /built\n";
  };
  fs::create_directories(dir_ / "app");
  containerfile("first");
  write(R"(name: shop
services:
  app:
    build: ./app
    command: ["sh", "-c", "trap 'exit 0' TERM; while true; do sleep 0.1; done"]
)");
  auto built = [&] {
    Result r = project({"exec", "-T", "app", "cat", "/built"});
    EXPECT_EQ(r.exit_code, 0) << r;
    return r.out;
  };
  ASSERT_EQ(up({"--build"}).exit_code, 0);
  EXPECT_EQ(built(), "first\n");
  containerfile("second");
  Result second = up({"--build"});
  ASSERT_EQ(second.exit_code, 0) << second;
  EXPECT_EQ(built(), "second\n");
  Result list = project({"rollback", "--list"});
  EXPECT_TRUE(contains_line_with(list.out, {"2 (current)", "applied"})) << list;

  Result r = project({"rollback"});
  ASSERT_EQ(r.exit_code, 0) << r;
  EXPECT_TRUE(contains_line_with(r.err, {"lit: app: shop-app", "names the image version 1 built"}))
      << r;
  EXPECT_EQ(built(), "first\n");
}

}  // namespace
}  // namespace lit::test
