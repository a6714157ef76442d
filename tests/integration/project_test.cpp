// `lit up` / `lit down` on compose files, end to end in the test's sandbox:
// services reach each other by name, a published port answers, a change
// recreates only its service, a second up changes nothing, a service whose
// dependency is unhealthy is not started, a killed `up` is recovered, and
// `down` leaves nothing.
#include <signal.h>
#include <sys/wait.h>

#include <algorithm>
#include <fstream>
#include <nlohmann/json.hpp>
#include <set>
#include <thread>

#include "tests/integration/expect.hpp"
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
};

TEST_F(ProjectTest, UpRunsServicesThatReachEachOtherAndDownLeavesNothing) {
  Result r = project({"up", "-d", "--wait"});
  ASSERT_EQ(r.exit_code, 0) << r;
  auto before = ids();
  ASSERT_EQ(before.size(), 2u) << project({"ps", "-a"});
  // The published port answers; api reaches web by its service name.
  EXPECT_EQ(fetch("http://127.0.0.1:8081/hostname"), before["web"] + "\n");
  Result byname =
      lit({"container", "exec", "shop-api-1", "wget", "-q", "-O", "-", "http://web/hostname"});
  EXPECT_EQ(byname.out, before["web"] + "\n") << byname;

  // Nothing changed: nothing to do, the same containers.
  Result dry = project({"up", "--dry-run"});
  EXPECT_EQ(dry.out, "nothing to do\n") << dry;
  ASSERT_EQ(project({"up", "-d"}).exit_code, 0);
  EXPECT_EQ(ids(), before);

  // One service changed (its interpolated environment): only it is recreated.
  dry = project({"up", "--dry-run"}, {"COLOR=red"});
  EXPECT_TRUE(contains_line_with(dry.out, {"recreate container shop-web-1", "config changed"}))
      << dry;
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
  // As with docker compose, api was made while web got ready, and left created.
  auto now = ps_all();
  EXPECT_TRUE(now.contains("shop-web-1"));
  ASSERT_TRUE(now.contains("shop-api-1")) << project({"ps", "-a"});
  EXPECT_EQ(now["shop-api-1"].value("State", ""), "created")
      << "api was started although web is unhealthy";
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
  EXPECT_EQ(r.exit_code, 1) << r;
  EXPECT_NE(r.err.find("compose.yaml:4"), std::string::npos) << r;
  EXPECT_NE(r.err.find("ports"), std::string::npos) << r;
  EXPECT_TRUE(container_ids().empty());
}

TEST_F(ProjectTest, ConfigPrintsYamlJsonAndListingsAndTheHashUpStores) {
  Result yaml = project({"config"});
  ASSERT_EQ(yaml.exit_code, 0) << yaml;
  EXPECT_TRUE(contains_line_with(yaml.out, {"name: shop"})) << yaml;
  EXPECT_TRUE(contains_line_with(yaml.out, {"COLOR: blue"})) << yaml;
  Result json = project({"config", "--format", "json"});
  ASSERT_EQ(json.exit_code, 0) << json;
  EXPECT_EQ(nlohmann::json::parse(json.out).at("name"), "shop");
  EXPECT_EQ(project({"config", "--services"}).out, "api\nweb\n");
  EXPECT_EQ(project({"config", "--volumes"}).out, "data\n");
  EXPECT_EQ(project({"config", "--networks"}).out, "default\n");
  EXPECT_EQ(project({"config", "--images"}).out,
            "localhost/lit-test:latest\nlocalhost/lit-test:latest\n");
  Result quiet = project({"config", "-q"});
  EXPECT_EQ(quiet.exit_code, 0) << quiet;
  EXPECT_EQ(quiet.out, "");

  Result hashes = project({"config", "--hash", "*"});
  ASSERT_EQ(hashes.exit_code, 0) << hashes;
  ASSERT_EQ(hashes.out_lines().size(), 2u) << hashes;
  EXPECT_TRUE(hashes.out_lines()[0].starts_with("api ")) << hashes;
  ASSERT_EQ(project({"up", "-d", "--wait"}).exit_code, 0);
  Result web = project({"config", "--hash", "web"});
  auto labels =
      nlohmann::json::parse(lit({"container", "inspect", "shop-web-1"}).out).at(0).at("labels");
  EXPECT_EQ(web.out, "web " + labels.at("lit.config-hash").get<std::string>() + "\n");
  EXPECT_NE(project({"config", "--hash", "web"}, {"COLOR=red"}).out, web.out);
  expect_lit_error(project({"config", "--hash", "nosuch"}), "--hash");
}

TEST_F(ProjectTest, NetworkModeServiceSidecarReachesWebOnLoopbackAndFollowsItsRecreation) {
  write(R"(name: shop
services:
  web:
    image: localhost/lit-test:latest
    command: ["httpd", "-f", "-p", "80", "-h", "/etc"]
    environment:
      COLOR: ${COLOR:-blue}
    stop_grace_period: 1s
  sidecar:
    image: localhost/lit-test:latest
    command: ["sleep", "600"]
    network_mode: service:web
    stop_grace_period: 1s  # sleep as PID 1 ignores SIGTERM: recreating waits for the kill
)");
  // web's page over the sidecar's 127.0.0.1: they share one network namespace.
  auto fetch_in_sidecar = [&] {
    std::string body;
    eventually([&] {
      Result r = lit({"container", "exec", "shop-sidecar-1", "timeout", "3", "wget", "-q", "-O",
                      "-", "http://127.0.0.1/hostname"});
      body = r.exit_code == 0 ? r.out : "";
      return !body.empty();
    });
    return body;
  };
  Result r = project({"up", "-d"});
  ASSERT_EQ(r.exit_code, 0) << r;
  auto before = ids();
  ASSERT_EQ(before.size(), 2u) << project({"ps", "-a"});
  EXPECT_EQ(fetch_in_sidecar(), before["web"] + "\n");

  // web recreated takes its namespace along: the sidecar is recreated into the new one.
  Result dry = project({"up", "--dry-run"}, {"COLOR=red"});
  EXPECT_TRUE(contains_line_with(dry.out, {"recreate container shop-web-1"})) << dry;
  EXPECT_TRUE(contains_line_with(dry.out, {"recreate container shop-sidecar-1"})) << dry;
  r = project({"up", "-d"}, {"COLOR=red"});
  ASSERT_EQ(r.exit_code, 0) << r;
  auto after = ids();
  EXPECT_NE(after["web"], before["web"]);
  EXPECT_NE(after["sidecar"], before["sidecar"]);
  EXPECT_EQ(fetch_in_sidecar(), after["web"] + "\n");
  EXPECT_EQ(project({"up", "--dry-run"}, {"COLOR=red"}).out, "nothing to do\n");

  // Ports belong to the namespace's owner: publishing them on the sidecar is refused.
  write(R"(name: shop
services:
  web:
    image: localhost/lit-test:latest
    command: ["httpd", "-f", "-p", "80", "-h", "/etc"]
  sidecar:
    image: localhost/lit-test:latest
    command: ["sleep", "600"]
    network_mode: service:web
    ports: ["8082:80"]
)");
  r = project({"up", "-d"});
  EXPECT_NE(r.exit_code, 0) << r;
  EXPECT_NE(r.err.find("conflicting options: port publishing and the container type network mode"),
            std::string::npos)
      << r;
}

TEST_F(ProjectTest, SecretFromEnvironmentAndConfigFromContentAreMountedAndTracked) {
  write(R"(name: shop
services:
  app:
    image: localhost/lit-test:latest
    command: ["sleep", "600"]
    stop_grace_period: 1s
    secrets: [token]
    configs:
      - source: settings
        target: /etc/app/settings.conf
secrets:
  token:
    environment: TOKEN
configs:
  settings:
    content: |
      level = debug
)");
  Result r = project({"up", "-d"}, {"TOKEN=first-s3cret"});
  ASSERT_EQ(r.exit_code, 0) << r;
  auto cat = [&](const std::string& path) {
    return lit({"container", "exec", "shop-app-1", "sh", "-c",
                "stat -c %a " + path + " && cat " + path})
        .out;
  };
  EXPECT_EQ(cat("/run/secrets/token"), "400\nfirst-s3cret");
  EXPECT_EQ(cat("/etc/app/settings.conf"), "444\nlevel = debug\n");
  EXPECT_NE(
      lit({"container", "exec", "shop-app-1", "sh", "-c", "echo x > /run/secrets/token"}).exit_code,
      0);
  // lit config shows the content, never the secret's value.
  Result config = project({"config"}, {"TOKEN=first-s3cret"});
  EXPECT_EQ(config.out.find("first-s3cret"), std::string::npos) << config;
  EXPECT_NE(config.out.find("level = debug"), std::string::npos) << config;

  // The same value: nothing to do. A new value: the service is recreated with it.
  EXPECT_EQ(project({"up", "--dry-run"}, {"TOKEN=first-s3cret"}).out, "nothing to do\n");
  // (By container, not `lit ps`: the project does not load without TOKEN.)
  auto app_id = [&] {
    return nlohmann::json::parse(lit({"container", "inspect", "shop-app-1"}).out).at(0).at("id");
  };
  auto before = app_id();
  r = project({"up", "-d"}, {"TOKEN=second-s3cret"});
  ASSERT_EQ(r.exit_code, 0) << r;
  EXPECT_NE(app_id(), before);
  EXPECT_EQ(cat("/run/secrets/token"), "400\nsecond-s3cret");

  // An unset variable: an error naming the file, line and key; nothing changes.
  r = project({"up", "-d"});
  EXPECT_EQ(r.exit_code, 1) << r;
  EXPECT_NE(r.err.find("compose.yaml:13:18: secrets.token.environment: variable TOKEN is not set"),
            std::string::npos)
      << r;
  EXPECT_EQ(cat("/run/secrets/token"), "400\nsecond-s3cret");
  EXPECT_EQ(project({"down", "-t", "1"}, {"TOKEN=second-s3cret"}).exit_code, 0);
  EXPECT_EQ(lit({"container", "ls", "-a", "-q"}).out, "");
}

}  // namespace
}  // namespace lit::test

namespace lit::test {
namespace {

TEST_F(ProjectTest, ProgressIsALiveViewOnATerminalAndLinesOrJsonOtherwise) {
  // Without a terminal: one plain line per phase, in order for each resource.
  Result r = project({"up", "-d", "--wait"});
  ASSERT_EQ(r.exit_code, 0) << r;
  auto lines = r.err_lines();
  auto at = [&](const std::string& line) {
    return std::find(lines.begin(), lines.end(), line) - lines.begin();
  };
  EXPECT_LT(at(" Network shop_default  Creating"), at(" Network shop_default  Created")) << r;
  EXPECT_LT(at(" Container shop-web-1  Started"), at(" Container shop-api-1  Waiting")) << r;
  EXPECT_LT(at(" Container shop-api-1  Waiting"), at(" Container shop-api-1  Started")) << r;
  EXPECT_LT(at(" Container shop-api-1  Started"), at(" Container shop-api-1  Running")) << r;
  // --wait reports each container's end state: web has a health check, api not.
  EXPECT_LT(at(" Container shop-web-1  Healthy"), static_cast<long>(lines.size())) << r;
  EXPECT_LT(at(" Container shop-api-1  Running"), static_cast<long>(lines.size())) << r;

  // --progress json: one object per event.
  r = project({"--progress", "json", "down", "-t", "1"});
  ASSERT_EQ(r.exit_code, 0) << r;
  std::set<std::string> done;
  for (const auto& line : r.err_lines()) {
    auto j = nlohmann::json::parse(line);
    if (j.at("state") == "done")
      done.insert(j.at("id").get<std::string>() + " " + j.at("status").get<std::string>());
  }
  EXPECT_EQ(done,
            (std::set<std::string>{"Container shop-web-1 Removed", "Container shop-api-1 Removed",
                                   "Network shop_default Removed"}))
      << r;

  // On a terminal: the view redrawn in place, ending with every item done.
  Result tty = run_on_pty(
      {LIT_BINARY, "--root", root_.string(), "--run-root", run_root_.string(),
       "--project-directory", dir_.string(), "-f", (dir_ / "compose.yaml").string(), "up", "-d"},
      24, 100);
  ASSERT_EQ(tty.exit_code, 0) << tty;
  EXPECT_NE(tty.out.find("\x1b[2K"), std::string::npos) << "no redraw: " << tty;
  EXPECT_NE(tty.out.find("[+] Running 3/3"), std::string::npos)
      << tty;  // the network and 2 containers (the volume stayed)
  EXPECT_NE(tty.out.find("✔\x1b[0m Container shop-api-1  Started"), std::string::npos) << tty;
}

}  // namespace
}  // namespace lit::test

namespace lit::test {
namespace {

TEST_F(ProjectTest, StopAndDownWorkWhenTheImageIsGone) {
  // Only `up` needs the images (for the config hashes); removing what exists must not.
  write(
      "name: shop\nservices:\n  api:\n    image: localhost/lit-test:latest\n"
      "    command: [\"sleep\", \"600\"]\n    stop_grace_period: 1s\n");
  ASSERT_EQ(project({"up", "-d"}).exit_code, 0);
  Result r = lit({"image", "rm", "-f", "localhost/lit-test:latest"});
  ASSERT_EQ(r.exit_code, 0) << r;
  expect_lit_error(project({"up", "-d"}), "localhost/lit-test");
  r = project({"stop"});
  EXPECT_EQ(r.exit_code, 0) << r;
  r = project({"down", "-t", "1"});
  EXPECT_EQ(r.exit_code, 0) << r;
  EXPECT_TRUE(ids().empty());
}

}  // namespace
}  // namespace lit::test
