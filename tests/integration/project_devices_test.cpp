// A service's devices: in its containers, short and long syntax; changing
// them recreates the service; a path that is no device stops `up` naming it.
// device_cgroup_rules: allowed in the containers' device cgroup, shown by
// `lit config`, part of the config hash; a bad rule names file, line and key.
#include <fstream>

#include "tests/integration/expect.hpp"
#include "tests/integration/project_fixture.hpp"

namespace lit::test {
namespace {

// Service app with `key:` and its list `items` (YAML lines at the list's indent).
std::string app_with(const std::string& key, const std::string& items) {
  return R"(name: devs
services:
  app:
    image: localhost/lit-test:latest
    command: ["sleep", "600"]
    stop_grace_period: 1s
    )" + key +
         ":\n" + items;
}
std::string compose(const std::string& devices) { return app_with("devices", devices); }
std::string with_rules(const std::string& rules) { return app_with("device_cgroup_rules", rules); }

// After a change to the file: `up --dry-run` (its result `dry`) would recreate the one container.
void expect_plan_recreates_app(const Result& dry) {
  EXPECT_TRUE(contains_line_with(dry.out, {"recreate container devs-app-1", "config changed"}))
      << dry;
}

TEST_F(ProjectFixture, ServiceDevicesAreInItsContainerAndChangesRecreate) {
  write(
      compose("      - /dev/zero:/dev/myzero:r\n"
              "      - {source: /dev/null, target: /dev/sub/mynull}\n"));
  Result r = project({"up", "-d"});
  ASSERT_EQ(r.exit_code, 0) << r;
  const std::string script =
      "dd if=/dev/myzero bs=2 count=1 2>/dev/null | od -An -tx1;"
      "ls -l /dev/sub/mynull";
  Result read = lit({"container", "exec", "devs-app-1", "sh", "-c", script});
  EXPECT_EQ(read.exit_code, 0) << read;
  EXPECT_NE(read.out.find("00 00"), std::string::npos) << read;
  EXPECT_NE(read.out.find("1,   3"), std::string::npos) << read;

  write(compose("      - /dev/zero:/dev/myzero:r\n"));
  expect_plan_recreates_app(project({"up", "--dry-run"}));
  EXPECT_EQ(project({"down"}).exit_code, 0);
}

TEST_F(ProjectFixture, ServiceDeviceThatIsNoDeviceStopsUp) {
  fs::path file = base_ / "plain-file";
  std::ofstream(file) << "x";
  write(compose("      - " + file.string() + ":/dev/x\n"));
  Result r = project({"up", "-d"});
  EXPECT_NE(r.exit_code, 0) << r;
  EXPECT_NE(r.err.find("service app: devices: " + file.string() + " is not a device node"),
            std::string::npos)
      << r;
  EXPECT_TRUE(ids().empty()) << project({"ps", "-a"});
}

TEST_F(ProjectFixture, ServiceDeviceCgroupRulesAllowAndChangesRecreate) {
  write(with_rules("      - c 10:229 r\n"));
  Result r = project({"up", "-d"});
  ASSERT_EQ(r.exit_code, 0) << r;
  // /dev/fuse's numbers: not in the defaults, readable by the rule, not writable.
  const std::string script =
      "mknod /dev/f c 10 229 && if (exec 3</dev/f) 2>&1; then echo read-ok; fi;"
      "if (exec 3>/dev/f) 2>&1; then echo write-ok; fi";
  Result open = lit({"container", "exec", "devs-app-1", "sh", "-c", script});
  EXPECT_NE(open.out.find("read-ok"), std::string::npos) << open;
  EXPECT_EQ(open.out.find("write-ok"), std::string::npos) << open;
  EXPECT_NE(open.out.find("Operation not permitted"), std::string::npos) << open;

  Result config = project({"config"});
  EXPECT_EQ(config.exit_code, 0) << config;
  std::size_t key = config.out.find("device_cgroup_rules:");
  ASSERT_NE(key, std::string::npos) << config;
  EXPECT_NE(config.out.find("c 10:229 r", key), std::string::npos) << config;

  write(with_rules("      - c 10:229 rw\n"));
  expect_plan_recreates_app(project({"up", "--dry-run"}));
  EXPECT_EQ(project({"down"}).exit_code, 0);
}

TEST_F(ProjectFixture, BadDeviceCgroupRuleStopsUpNamingTheKey) {
  write(with_rules("      - c 10:229 rw\n      - \"c 10 rw\"\n"));
  Result r = project({"up", "-d"});
  EXPECT_NE(r.exit_code, 0) << r;
  EXPECT_NE(r.err.find("compose.yaml:9:9: services.app.device_cgroup_rules[1]: invalid value "
                       "\"c 10 rw\" for device_cgroup_rules: use TYPE MAJOR:MINOR ACCESS"),
            std::string::npos)
      << r;
  EXPECT_TRUE(ids().empty()) << project({"ps", "-a"});
}

}  // namespace
}  // namespace lit::test
