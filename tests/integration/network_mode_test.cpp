// A container in another container's network namespace (`container run
// --network container:NAME`), end to end: it sees the target's interface and
// reaches its server on 127.0.0.1, gets its /etc/hosts and resolv.conf, keeps
// its own hostname, cannot publish ports, fails in one line when the target
// does not run, and leaves nothing behind. (Compose's network_mode:
// service:NAME is in project_test.cpp.)
#include <fstream>
#include <nlohmann/json.hpp>

#include "tests/integration/expect.hpp"
#include "tests/integration/sandbox.hpp"

namespace lit::test {
namespace {

class NetworkModeTest : public LitTest {
 protected:
  void SetUp() override {
    LitTest::SetUp();
    if (IsSkipped() || HasFatalFailure()) return;
    load_test_image();
  }

  void TearDown() override {
    if (!IsSkipped()) {
      for (const auto& id : lit({"container", "ls", "-a", "-q"}).out_lines())
        lit({"container", "rm", "-f", id});
      for (const auto& n : lit({"network", "ls", "-q"}).out_lines()) lit({"network", "rm", n});
    }
    LitTest::TearDown();
  }

  nlohmann::json inspect(const std::string& name) {
    Result r = lit({"container", "inspect", name});
    EXPECT_EQ(r.exit_code, 0) << r;
    return nlohmann::json::parse(r.out).at(0);
  }

  Result exec(const std::string& container, const std::string& command) {
    return lit({"container", "exec", container, "sh", "-c", command});
  }

  // `wget http://127.0.0.1/hostname` in `container`, retried while the server starts.
  std::string fetch_local(const std::string& container) {
    std::string body;
    eventually([&] {
      Result r = exec(container, "timeout 3 wget -q -O - http://127.0.0.1/hostname");
      body = r.exit_code == 0 ? r.out : "";
      return !body.empty();
    });
    return body;
  }

  // A busybox httpd on a lit network, serving /etc (so /hostname names it).
  void start_web() {
    ASSERT_EQ(lit({"network", "create", "front"}).exit_code, 0);
    Result r = run({"-d", "--name", "web", "--network", "front", kTestImage, "httpd", "-f", "-p",
                    "80", "-h", "/etc"});
    ASSERT_EQ(r.exit_code, 0) << r;
  }
};

TEST_F(NetworkModeTest, ContainerJoinsTheTargetsNetworkNamespace) {
  start_web();
  const auto web = inspect("web");
  const std::string web_ip = web.at("networks").at(0).at("ip");
  const std::string web_id = web.at("id").get<std::string>().substr(0, 12);
  Result r =
      run({"-d", "--name", "side", "--network", "container:web", kTestImage, "sleep", "600"});
  ASSERT_EQ(r.exit_code, 0) << r;

  // web's eth0 and its address, web's server on 127.0.0.1.
  Result addr = exec("side", "ip -4 addr show eth0");
  EXPECT_NE(addr.out.find("inet " + web_ip + "/"), std::string::npos) << addr;
  EXPECT_EQ(fetch_local("side"), web_id + "\n");
  // web's hosts and resolv.conf, its own hostname; no network of its own.
  EXPECT_EQ(exec("side", "cat /etc/hosts").out, exec("web", "cat /etc/hosts").out);
  EXPECT_EQ(exec("side", "cat /etc/resolv.conf").out, exec("web", "cat /etc/resolv.conf").out);
  const auto side = inspect("side");
  EXPECT_EQ(exec("side", "hostname").out, side.at("id").get<std::string>().substr(0, 12) + "\n");
  EXPECT_EQ(side.at("spec").at("network"), "container:" + web.at("id").get<std::string>());
  EXPECT_TRUE(side.at("networks").empty()) << side.dump();
}

TEST_F(NetworkModeTest, PublishingPortsIsRefused) {
  start_web();
  Result r =
      run({"--name", "side", "--network", "container:web", "-p", "8080:80", kTestImage, "true"});
  expect_lit_error(r, "conflicting options: port publishing and the container type network mode");
  EXPECT_EQ(lit({"container", "ls", "-a", "-q"}).out_lines().size(), 1u);  // web only
}

TEST_F(NetworkModeTest, TargetNotRunningIsAOneLineError) {
  start_web();
  ASSERT_EQ(lit({"container", "stop", "-t", "1", "web"}).exit_code, 0);
  Result r = run({"--rm", "--network", "container:web", kTestImage, "true"});
  expect_lit_error(r, "cannot join the network namespace of container web: it is exited");
  EXPECT_EQ(lit({"container", "ls", "-a", "-q"}).out_lines().size(), 1u);  // --rm: web only

  r = run({"--rm", "--network", "container:nosuch", kTestImage, "true"});
  expect_lit_error(r, "nosuch");
}

}  // namespace
}  // namespace lit::test
