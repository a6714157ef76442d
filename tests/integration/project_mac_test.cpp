// mac_address (the service's and per network) and interface_name, end to end:
// the container's interface on a network has the name and the MAC the file
// gives, its other networks keep ethN, names still resolve over the named
// interface, `lit config` prints the keys, a changed MAC recreates the
// service, and `down` leaves no link (the fixture's leak check). Also
// `lit container run --mac-address`.
#include <string>

#include "tests/integration/expect.hpp"
#include "tests/integration/project_fixture.hpp"

namespace lit::test {
namespace {

// web's primary network is back (same priority: the first by name), so front
// is the one joined after create, under its own name and MAC.
constexpr const char* kCompose = R"(name: shop
services:
  web:
    image: localhost/lit-test:latest
    command: ["sleep", "600"]
    stop_grace_period: 1s  # sleep as PID 1 ignores SIGTERM; web is recreated twice
    networks:
      front:
        mac_address: "02:42:ac:11:00:99"
        interface_name: front0
      back:
  db:
    image: localhost/lit-test:latest
    command: ["httpd", "-f", "-p", "80", "-h", "/etc"]
    networks: [front]
  solo:
    image: localhost/lit-test:latest
    command: ["sleep", "600"]
    mac_address: "02:42:AC:11:00:42"
networks:
  front: {}
  back: {}
)";

class ProjectMacTest : public ProjectFixture {
 protected:
  void SetUp() override {
    ProjectFixture::SetUp();
    if (IsSkipped() || HasFatalFailure()) return;
    write(kCompose);
  }

  Result in(const std::string& service, const std::string& command) {
    return project({"exec", "-T", service, "sh", "-c", command});
  }
};

TEST_F(ProjectMacTest, InterfacesHaveTheNamesAndMacsTheFileGives) {
  Result r = project({"up", "-d", "--wait"});
  ASSERT_EQ(r.exit_code, 0) << r;

  // web: front0 with the MAC asked, back as eth0 (as before), nothing else.
  EXPECT_EQ(in("web", "cat /sys/class/net/front0/address").out, "02:42:ac:11:00:99\n");
  EXPECT_EQ(in("web", "ls /sys/class/net | sort | tr '\\n' ' '").out, "eth0 front0 lo ");
  // back's MAC is still derived from its address (02:6c + the IPv4 bytes).
  EXPECT_EQ(in("web", "cat /sys/class/net/eth0/address").out.substr(0, 6), "02:6c:");
  // db is on front only: reached by name, over front0.
  r = in("web", "wget -q -O - http://db/hostname");
  EXPECT_EQ(r.out, ids().at("db") + "\n") << r;
  r = in("web", "cat /sys/class/net/front0/statistics/rx_packets");
  EXPECT_NE(r.out, "0\n") << r;

  // solo: the service-level MAC on its one network (eth0), lowercased.
  EXPECT_EQ(in("solo", "cat /sys/class/net/eth0/address").out, "02:42:ac:11:00:42\n");

  // `lit config` prints the keys as compose does.
  r = project({"config"});
  ASSERT_EQ(r.exit_code, 0) << r;
  EXPECT_NE(r.out.find("    mac_address: 02:42:AC:11:00:42\n    networks:\n      default: null\n"),
            std::string::npos)
      << r.out;
  EXPECT_NE(r.out.find("      front:\n        interface_name: front0\n"
                       "        mac_address: 02:42:ac:11:00:99\n"),
            std::string::npos)
      << r.out;

  // Nothing changed: nothing to do. A new MAC recreates web alone.
  EXPECT_EQ(project({"up", "--dry-run"}).out, "nothing to do\n");
  auto before = ids();
  std::string changed = kCompose;
  changed.replace(changed.find("02:42:ac:11:00:99"), 17, "02:42:ac:11:00:98");
  write(changed);
  r = project({"up", "-d", "--wait"});
  ASSERT_EQ(r.exit_code, 0) << r;
  auto after = ids();
  EXPECT_NE(after.at("web"), before.at("web"));
  EXPECT_EQ(after.at("db"), before.at("db"));
  EXPECT_EQ(after.at("solo"), before.at("solo"));
  EXPECT_EQ(in("web", "cat /sys/class/net/front0/address").out, "02:42:ac:11:00:98\n");
  // The interface name too is part of what the container is.
  changed.replace(changed.find("front0"), 6, "lan0");
  write(changed);
  ASSERT_EQ(project({"up", "-d", "--wait"}).exit_code, 0);
  EXPECT_EQ(in("web", "ls /sys/class/net | sort | tr '\\n' ' '").out, "eth0 lan0 lo ");

  r = project({"down", "-t", "1"});
  EXPECT_EQ(r.exit_code, 0) << r;
  EXPECT_EQ(run_process({"sh", "-c", "ip -o link | grep -c ' lit' || true"}).out, "0\n");
}

TEST_F(ProjectMacTest, BadValuesAreRefusedWithTheirPlace) {
  write(R"(name: shop
services:
  web:
    image: localhost/lit-test:latest
    networks:
      front:
        mac_address: "01:00:5e:00:00:01"
networks:
  front: {}
)");
  Result r = project({"up", "-d"});
  EXPECT_EQ(r.exit_code, 1) << r;
  EXPECT_NE(r.err.find("compose.yaml:7:22: services.web.networks.front.mac_address: invalid value "
                       "\"01:00:5e:00:00:01\" for flag --mac-address: a multicast address"),
            std::string::npos)
      << r;
  // Two replicas cannot share one MAC: the second is refused before it is made.
  write(R"(name: shop
services:
  web:
    image: localhost/lit-test:latest
    command: ["sleep", "600"]
    mac_address: "02:42:ac:11:00:99"
)");
  r = project({"up", "-d", "--scale", "web=2"});
  EXPECT_NE(r.exit_code, 0) << r;
  EXPECT_NE((r.out + r.err)
                .find("service web: mac_address: replica 2 cannot have replica 1's MAC "
                      "02:42:ac:11:00:99 on network default"),
            std::string::npos)
      << r;
  EXPECT_EQ(ps_all().count("shop-web-2"), 0u) << project({"ps", "-a"});
}

TEST_F(ProjectMacTest, ContainerRunTakesMacAddress) {
  ASSERT_EQ(lit({"network", "create", "n1"}).exit_code, 0);
  Result r = lit({"container", "run", "--rm", "--network", "n1", "--mac-address",
                  "02:42:AC:11:00:07", kTestImage, "cat", "/sys/class/net/eth0/address"});
  EXPECT_EQ(r.out, "02:42:ac:11:00:07\n") << r;
  r = lit({"container", "run", "--rm", "--mac-address", "02:42:ac:11:00:07", kTestImage, "true"});
  EXPECT_EQ(r.exit_code, 125) << r;
  EXPECT_NE(r.err.find("--mac-address needs a lit network"), std::string::npos) << r;
  r = lit({"container", "run", "--rm", "--network", "n1", "--mac-address", "03:00:00:00:00:01",
           kTestImage, "true"});
  EXPECT_EQ(r.exit_code, 125) << r;
  EXPECT_NE(r.err.find("invalid value \"03:00:00:00:00:01\" for flag --mac-address"),
            std::string::npos)
      << r;
  EXPECT_EQ(lit({"network", "rm", "n1"}).exit_code, 0);
}

}  // namespace
}  // namespace lit::test
