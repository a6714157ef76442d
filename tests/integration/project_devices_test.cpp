// A service's devices: in its containers, short and long syntax; changing
// them recreates the service; a path that is no device stops `up` naming it.
#include <fstream>

#include "tests/integration/expect.hpp"
#include "tests/integration/project_fixture.hpp"

namespace lit::test {
namespace {

std::string compose(const std::string& devices) {
  return R"(name: devs
services:
  app:
    image: localhost/lit-test:latest
    command: ["sleep", "600"]
    devices:
)" + devices;
}

TEST_F(ProjectFixture, ServiceDevicesAreInItsContainerAndChangesRecreate) {
  write(
      compose("      - /dev/zero:/dev/myzero:r\n"
              "      - {source: /dev/null, target: /dev/sub/mynull}\n"));
  Result r = project({"up", "-d"});
  ASSERT_EQ(r.exit_code, 0) << r;
  Result read = lit({"container", "exec", "devs-app-1", "sh", "-c",
                     "dd if=/dev/myzero bs=2 count=1 2>/dev/null | od -An -tx1;"
                     "ls -l /dev/sub/mynull"});
  EXPECT_EQ(read.exit_code, 0) << read;
  EXPECT_NE(read.out.find("00 00"), std::string::npos) << read;
  EXPECT_NE(read.out.find("1,   3"), std::string::npos) << read;

  write(compose("      - /dev/zero:/dev/myzero:r\n"));
  Result dry = project({"up", "--dry-run"});
  EXPECT_TRUE(contains_line_with(dry.out, {"recreate container devs-app-1", "config changed"}))
      << dry;
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

}  // namespace
}  // namespace lit::test
