// deploy.update_config.order start-first, end to end: a changed service is
// replaced without a moment where its name does not answer (a client keeps
// asking it during the second `up`), the new container takes the canonical
// name; a replacement that never turns healthy is removed and the old
// container keeps serving; a fixed host port falls back to stop-first.
#include <gmock/gmock.h>

#include <algorithm>
#include <string>

#include "tests/integration/expect.hpp"
#include "tests/integration/project_fixture.hpp"

namespace lit::test {
namespace {

// web serves $COLOR; its health check runs $CHECK (wget unless set). client
// asks web by name in a loop and logs each answer ("ok blue") or failure.
constexpr const char* kCompose = R"(name: shop
services:
  web:
    image: localhost/lit-test:latest
    command: ["sh", "-c", "mkdir -p /www && echo $$COLOR > /www/index.html && exec httpd -f -p 80 -h /www"]
    environment:
      COLOR: ${COLOR:-blue}
    healthcheck:
      test: ["CMD", "${CHECK:-wget}", "-q", "-O", "/dev/null", "http://127.0.0.1/"]
      interval: 300ms
      retries: 5
    stop_grace_period: 1s
    deploy:
      update_config:
        order: start-first
        monitor: 500ms
  client:
    image: localhost/lit-test:latest
    command: ["sh", "-c", "while true; do if body=$$(timeout 5 wget -q -O - http://web/ 2>&1); then echo \"ok $$body\"; else echo \"fail $$body\"; fi; sleep 0.05; done >> /tmp/log"]
    depends_on:
      web: {condition: service_healthy}
)";

class ProjectUpdateTest : public ProjectFixture {
 protected:
  void SetUp() override {
    ProjectFixture::SetUp();
    if (IsSkipped() || HasFatalFailure()) return;
    write(kCompose);
    Result r = project({"up", "-d", "--wait"});
    ASSERT_EQ(r.exit_code, 0) << r;
    ASSERT_TRUE(eventually([&] { return client_log().find("ok blue") != std::string::npos; }))
        << client_log();
  }

  std::string client_log() {
    return lit({"container", "exec", "shop-client-1", "cat", "/tmp/log"}).out;
  }

  // What the client gets for http://NAME/ now.
  std::string ask(const std::string& name) {
    return lit({"container", "exec", "shop-client-1", "timeout", "5", "wget", "-q", "-O", "-",
                "http://" + name + "/"})
        .out;
  }

  static std::vector<std::string> lines_of(const std::string& text) {
    std::vector<std::string> out;
    for (std::size_t at = 0, nl; (nl = text.find('\n', at)) != std::string::npos; at = nl + 1)
      out.push_back(text.substr(at, nl - at));
    return out;
  }

  std::vector<std::string> names() {
    std::vector<std::string> out;
    for (const auto& [name, _] : states()) out.push_back(name);
    return out;
  }
};

TEST_F(ProjectUpdateTest, StartFirstReplacesWithoutAFailedRequestAndKeepsTheName) {
  const std::string old_id = ids()["web"];
  Result plan = project({"up", "-d", "--dry-run"}, {"COLOR=green"});
  EXPECT_NE(plan.out.find("replace container shop-web-1 (config changed"), std::string::npos)
      << plan;
  EXPECT_NE(plan.out.find("start-first"), std::string::npos) << plan;

  Result r = project({"up", "-d"}, {"COLOR=green"});
  ASSERT_EQ(r.exit_code, 0) << r;
  const std::size_t logged_during_up = lines_of(client_log()).size();
  EXPECT_THAT(names(), ::testing::ElementsAre("shop-client-1", "shop-web-1"));
  EXPECT_NE(ids()["web"], old_id);
  EXPECT_EQ(ask("web"), "green\n");
  EXPECT_EQ(ask("shop-web-1"), "green\n");

  // The client went on meanwhile; each of its requests was answered, by the
  // old or the new container, and after the up only by the new one (the line
  // of a request answered just before the old one went may follow the up).
  std::vector<std::string> lines;
  ASSERT_TRUE(eventually([&] {
    lines = lines_of(client_log());
    return lines.size() > logged_during_up + 3;
  }));
  for (std::size_t i = 0; i < lines.size(); ++i) {
    if (i > logged_during_up)
      EXPECT_EQ(lines[i], "ok green") << "line " << i;
    else
      EXPECT_TRUE(lines[i] == "ok blue" || lines[i] == "ok green")
          << "line " << i << ": " << lines[i];
  }

  // Nothing changed: a third up plans nothing.
  Result again = project({"up", "-d", "--dry-run"}, {"COLOR=green"});
  EXPECT_EQ(again.out, "nothing to do\n") << again;
}

TEST_F(ProjectUpdateTest, AnUnhealthyReplacementGoesAndTheOldContainerKeepsServing) {
  const std::string old_id = ids()["web"];
  Result r = project({"up", "-d"}, {"COLOR=green", "CHECK=false"});
  EXPECT_NE(r.exit_code, 0) << r;
  auto lines = r.err_lines();  // the progress shows it too; one error line says it
  EXPECT_EQ(std::count_if(lines.begin(), lines.end(),
                          [](const std::string& l) {
                            return l.starts_with("lit: ") &&
                                   l.find("service web") != std::string::npos &&
                                   l.find("unhealthy") != std::string::npos &&
                                   l.find("shop-web-1 keeps running") != std::string::npos;
                          }),
            1)
      << r;
  EXPECT_EQ(ids()["web"], old_id);
  EXPECT_THAT(names(), ::testing::ElementsAre("shop-client-1", "shop-web-1"));
  EXPECT_EQ(container_ids().size(), 2u);
  EXPECT_EQ(states()["shop-web-1"], "running");
  EXPECT_EQ(ask("web"), "blue\n");
  EXPECT_EQ(client_log().find("fail"), std::string::npos) << client_log();
}

TEST_F(ProjectUpdateTest, AFixedHostPortFallsBackToStopFirstAndSaysSo) {
  std::string text = kCompose;
  text.replace(text.find("    environment:"), 0, "    ports: [\"8083:80\"]\n");
  write(text);
  Result r = project({"up", "-d", "--dry-run"});
  EXPECT_NE(r.out.find("recreate container shop-web-1 (config changed"), std::string::npos) << r;
  EXPECT_NE(r.err.find("service web: update_config.order start-first falls back to stop-first: "
                       "two containers cannot both hold host port 8083/tcp"),
            std::string::npos)
      << r;
}

}  // namespace
}  // namespace lit::test
