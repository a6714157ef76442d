// The device cgroup as a user observes it: a default container may make a
// block device node but not open it; --device gives exactly the device it
// names, with the permissions given; a privileged container opens anything.
#include <fstream>

#include "tests/integration/run_fixture.hpp"

namespace lit::test {
namespace {

// Makes a node for the host's loop0 (block 7:0) and tries to open it for reading.
constexpr const char* kOpenBlockNode =
    "mknod /dev/blk b 7 0 && echo made;"
    "if (exec 3</dev/blk) 2>&1; then echo opened; fi";

TEST_F(RunTest, DefaultContainerCannotOpenABlockDeviceItMakes) {
  Result r = sh(kOpenBlockNode);
  EXPECT_EQ(r.exit_code, 0) << r;
  EXPECT_NE(r.out.find("made"), std::string::npos) << r;  // mknod of any node stays allowed
  EXPECT_NE(r.out.find("Operation not permitted"), std::string::npos) << r;
  EXPECT_EQ(r.out.find("opened"), std::string::npos) << r;
}

TEST_F(RunTest, PrivilegedContainerOpensABlockDeviceItMakes) {
  Result r = sh(kOpenBlockNode, {"--privileged"});
  EXPECT_EQ(r.exit_code, 0) << r;
  EXPECT_NE(r.out.find("opened"), std::string::npos) << r;
  EXPECT_EQ(r.out.find("Operation not permitted"), std::string::npos) << r;
}

TEST_F(RunTest, DeviceFlagGivesThatDeviceOnly) {
  // /dev/zero under another name reads zeros; /dev/fuse (10:229), not named, is refused.
  Result r =
      sh("ls -l /dev/myzero; dd if=/dev/myzero bs=4 count=1 2>/dev/null | od -An -tx1;"
         "mknod /dev/f c 10 229 && if (exec 3</dev/f) 2>&1; then echo fuse-opened; fi",
         {"--device", "/dev/zero:/dev/myzero"});
  EXPECT_EQ(r.exit_code, 0) << r;
  EXPECT_NE(r.out.find("1,   5"), std::string::npos) << "not char 1:5\n" << r;
  EXPECT_NE(r.out.find("00 00 00 00"), std::string::npos) << r;
  EXPECT_NE(r.out.find("Operation not permitted"), std::string::npos) << r;
  EXPECT_EQ(r.out.find("fuse-opened"), std::string::npos) << r;
}

TEST_F(RunTest, DevicePermissionsAreEnforced) {
  // Read only: opening for reading works, for writing is refused; a path in a
  // new directory of /dev.
  Result r =
      sh("ls -l /dev/sub/fuse; if (exec 3</dev/sub/fuse) 2>&1; then echo read-ok; fi;"
         "if (exec 3>/dev/sub/fuse) 2>&1; then echo write-ok; fi",
         {"--device", "/dev/fuse:/dev/sub/fuse:r"});
  EXPECT_EQ(r.exit_code, 0) << r;
  EXPECT_NE(r.out.find("10, 229"), std::string::npos) << r;
  EXPECT_NE(r.out.find("read-ok"), std::string::npos) << r;
  EXPECT_EQ(r.out.find("write-ok"), std::string::npos) << r;
  EXPECT_NE(r.out.find("Operation not permitted"), std::string::npos) << r;
}

TEST_F(RunTest, DeviceFlagRefusesAPathThatIsNoDevice) {
  fs::path file = base_ / "not-a-device";
  std::ofstream(file) << "x";
  auto before = container_ids();
  Result r = run({"--rm", "--device", file.string() + ":/dev/x", kTestImage, "true"});
  EXPECT_EQ(r.exit_code, 125) << r;
  EXPECT_NE(r.err.find("invalid value \"" + file.string() +
                       ":/dev/x\" for flag --device: " + file.string() + " is not a device node"),
            std::string::npos)
      << r;
  EXPECT_EQ(container_ids(), before);
  r = run({"--rm", "--device", "/dev/zero:/dev/z:rwx", kTestImage, "true"});
  EXPECT_EQ(r.exit_code, 125) << r;
  EXPECT_NE(r.err.find("permissions \"rwx\" are not a combination of r, w and m"),
            std::string::npos)
      << r;
}

}  // namespace
}  // namespace lit::test
