// The device cgroup as a user observes it: a default container may make a
// block device node but not open it; --device gives exactly the device it
// names (or every node of a directory), with the permissions given;
// --device-cgroup-rule allows without making a node; a privileged container
// opens anything and has the host's nodes in its /dev.
#include <sys/stat.h>
#include <sys/sysmacros.h>

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

// Makes a node for /dev/fuse (char 10:229, not in the defaults), opens it to read, then to write.
constexpr const char* kOpenFuseNode =
    "mknod /dev/f c 10 229 && echo made;"
    "if (exec 3</dev/f) 2>&1; then echo read-ok; fi;"
    "if (exec 3>/dev/f) 2>&1; then echo write-ok; fi";

TEST_F(RunTest, DeviceCgroupRuleAllowsANodeTheContainerMakes) {
  Result r = sh(kOpenFuseNode);
  EXPECT_EQ(r.exit_code, 0) << r;
  EXPECT_NE(r.out.find("made"), std::string::npos) << r;
  EXPECT_NE(r.out.find("Operation not permitted"), std::string::npos) << r;
  EXPECT_EQ(r.out.find("read-ok"), std::string::npos) << r;

  r = sh(kOpenFuseNode, {"--device-cgroup-rule", "c 10:229 rwm"});
  EXPECT_EQ(r.exit_code, 0) << r;
  EXPECT_NE(r.out.find("read-ok"), std::string::npos) << r;
  EXPECT_NE(r.out.find("write-ok"), std::string::npos) << r;
  EXPECT_EQ(r.out.find("Operation not permitted"), std::string::npos) << r;

  // Any minor, read only: reading works, writing is refused.
  r = sh(kOpenFuseNode, {"--device-cgroup-rule", "c 10:* r"});
  EXPECT_EQ(r.exit_code, 0) << r;
  EXPECT_NE(r.out.find("read-ok"), std::string::npos) << r;
  EXPECT_EQ(r.out.find("write-ok"), std::string::npos) << r;
  EXPECT_NE(r.out.find("Operation not permitted"), std::string::npos) << r;
}

TEST_F(RunTest, DeviceCgroupRuleIsKeptAcrossARestart) {
  Result r = run(
      {"-d", "--name", "rules", "--device-cgroup-rule", "c 10:229 r", kTestImage, "sleep", "600"});
  ASSERT_EQ(r.exit_code, 0) << r;
  ASSERT_EQ(lit({"container", "restart", "-t", "0", "rules"}).exit_code, 0);
  r = lit({"container", "exec", "rules", "sh", "-c", kOpenFuseNode});
  EXPECT_NE(r.out.find("read-ok"), std::string::npos) << r;
  EXPECT_EQ(r.out.find("write-ok"), std::string::npos) << r;
  EXPECT_EQ(lit({"container", "rm", "-f", "rules"}).exit_code, 0);
}

TEST_F(RunTest, BadDeviceCgroupRuleNamesTheFlag) {
  auto before = container_ids();
  Result r = run({"--rm", "--device-cgroup-rule", "c 10:229 rwx", kTestImage, "true"});
  EXPECT_EQ(r.exit_code, 125) << r;
  EXPECT_NE(r.err.find("invalid value \"c 10:229 rwx\" for flag --device-cgroup-rule: "
                       "permissions \"rwx\" are not a combination of r, w and m"),
            std::string::npos)
      << r;
  r = run({"--rm", "--device-cgroup-rule", "c 10", kTestImage, "true"});
  EXPECT_EQ(r.exit_code, 125) << r;
  EXPECT_NE(r.err.find("for flag --device-cgroup-rule: use TYPE MAJOR:MINOR ACCESS"),
            std::string::npos)
      << r;
  EXPECT_EQ(container_ids(), before);
}

TEST_F(RunTest, PrivilegedContainerHasTheHostsDeviceNodes) {
  std::string nodes;  // host nodes lit's default /dev does not have
  for (const char* n : {"/dev/loop-control", "/dev/kmsg", "/dev/fuse"}) {
    struct stat st {};
    if (::stat(n, &st) == 0 && S_ISCHR(st.st_mode)) nodes += std::string(" ") + n;
  }
  ASSERT_FALSE(nodes.empty()) << "none of the host nodes this test looks for";
  const std::string script = "for n in" + nodes +
                             "; do if test -c $n; then echo has-$n; else echo lacks-$n; fi; done;"
                             "ls -l /dev/null; test -L /dev/ptmx && echo ptmx-link;"
                             "grep -q '^devpts /dev/pts ' /proc/self/mounts && echo pts-ok;"
                             "grep -q ' /dev/shm ' /proc/self/mounts && echo shm-ok;"
                             "grep -q ' /dev/mqueue ' /proc/self/mounts && echo mqueue-ok";
  Result def = sh(script);
  Result priv = sh(script, {"--privileged"});
  EXPECT_EQ(def.exit_code, 0) << def;
  EXPECT_EQ(priv.exit_code, 0) << priv;
  EXPECT_EQ(def.out.find("has-"), std::string::npos) << def;
  EXPECT_EQ(priv.out.find("lacks-"), std::string::npos) << priv;
  EXPECT_NE(priv.out.find("has-/dev/"), std::string::npos) << priv;
  for (const char* kept : {"1,   3", "ptmx-link", "pts-ok", "shm-ok", "mqueue-ok"}) {
    EXPECT_NE(priv.out.find(kept), std::string::npos) << kept << "\n" << priv;
    EXPECT_NE(def.out.find(kept), std::string::npos) << kept << "\n" << def;
  }
}

TEST_F(RunTest, DeviceDirectoryGivesEveryNodeBeneathIt) {
  fs::path dir = base_ / "devdir";
  fs::create_directories(dir / "sub");
  ASSERT_EQ(::mknod((dir / "zero").c_str(), S_IFCHR | 0666, makedev(1, 5)), 0);
  ASSERT_EQ(::mknod((dir / "sub" / "null").c_str(), S_IFCHR | 0640, makedev(1, 3)), 0);
  std::ofstream(dir / "plain") << "x";
  Result r =
      sh("ls -l /dev/mine/zero /dev/mine/sub/null;"
         "dd if=/dev/mine/zero bs=4 count=1 2>/dev/null | od -An -tx1;"
         "test -e /dev/mine/plain || echo no-plain",
         {"--device", dir.string() + ":/dev/mine"});
  EXPECT_EQ(r.exit_code, 0) << r;
  EXPECT_NE(r.out.find("1,   5"), std::string::npos) << r;
  EXPECT_NE(r.out.find("crw-r-----"), std::string::npos) << r;  // sub/null keeps its mode
  EXPECT_NE(r.out.find("00 00 00 00"), std::string::npos) << r;
  EXPECT_NE(r.out.find("no-plain"), std::string::npos) << r;
}

TEST_F(RunTest, DeviceDirectoryWithoutNodesIsRefused) {
  fs::path dir = base_ / "empty-devdir";
  fs::create_directories(dir);
  std::ofstream(dir / "plain") << "x";
  auto before = container_ids();
  Result r = run({"--rm", "--device", dir.string() + ":/dev/x", kTestImage, "true"});
  EXPECT_EQ(r.exit_code, 125) << r;
  EXPECT_NE(r.err.find("invalid value \"" + dir.string() + ":/dev/x\" for flag --device: " +
                       dir.string() + " is a directory without device nodes"),
            std::string::npos)
      << r;
  EXPECT_EQ(container_ids(), before);
}

}  // namespace
}  // namespace lit::test
