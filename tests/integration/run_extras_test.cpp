// `lit container run` settings compose files use: --ulimit, --shm-size,
// --add-host, --dns/--dns-search/--dns-option and --sysctl, as the process
// inside sees them.
#include "tests/integration/expect.hpp"
#include "tests/integration/run_fixture.hpp"

namespace lit::test {
namespace {

TEST_F(RunTest, UlimitsAreSetBeforeTheCommandRuns) {
  Result r = sh("ulimit -n; ulimit -Hn; ulimit -u",
                {"--ulimit", "nofile=100:200", "--ulimit", "nproc=77"});
  EXPECT_EQ(r.exit_code, 0) << r;
  EXPECT_EQ(r.out, "100\n200\n77\n") << r;
}

TEST_F(RunTest, ShmSizeSetsDevShm) {
  Result r = sh("grep ' /dev/shm ' /proc/mounts", {"--shm-size", "3m"});
  EXPECT_EQ(r.exit_code, 0) << r;
  EXPECT_NE(r.out.find("size=3072k"), std::string::npos) << r;
  r = sh("grep ' /dev/shm ' /proc/mounts", {});
  EXPECT_NE(r.out.find("size=65536k"), std::string::npos) << r;  // docker's default
}

TEST_F(RunTest, AddHostAndDnsShapeEtcFiles) {
  Result r = sh("cat /etc/hosts /etc/resolv.conf",
                {"--add-host", "db.local:10.1.2.3", "--add-host", "v6:fd00::1", "--dns",
                 "192.0.2.53", "--dns-search", "corp.example", "--dns-option", "ndots:3"});
  EXPECT_EQ(r.exit_code, 0) << r;
  EXPECT_NE(r.out.find("10.1.2.3\tdb.local\n"), std::string::npos) << r;
  EXPECT_NE(r.out.find("fd00::1\tv6\n"), std::string::npos) << r;
  EXPECT_NE(r.out.find("nameserver 192.0.2.53\nsearch corp.example\noptions ndots:3\n"),
            std::string::npos)
      << r;
  EXPECT_EQ(r.out.find("nameserver 10."), std::string::npos)
      << "the host's resolvers are replaced\n"
      << r;
}

TEST_F(RunTest, SysctlIsAppliedInsideOnly) {
  Result r = sh("cat /proc/sys/kernel/shmmni", {"--sysctl", "kernel.shmmni=1234"});
  EXPECT_EQ(r.exit_code, 0) << r;
  EXPECT_EQ(r.out, "1234\n") << r;
}

TEST_F(RunTest, BadExtrasAreOneLineErrorsAndLeaveNothing) {
  auto before = container_ids();
  expect_lit_error(run({"--ulimit", "nofiles=1", kTestImage, "true"}), "--ulimit");
  expect_lit_error(run({"--ulimit", "nofile=10:5", kTestImage, "true"}), "--ulimit");
  expect_lit_error(run({"--add-host", "nohost", kTestImage, "true"}), "--add-host");
  expect_lit_error(run({"--add-host", "x:300.1.1.1", kTestImage, "true"}), "--add-host");
  expect_lit_error(run({"--dns", "resolver", kTestImage, "true"}), "--dns");
  expect_lit_error(run({"--sysctl", "kernel.hostname=x", kTestImage, "true"}), "kernel.hostname");
  expect_lit_error(run({"--shm-size", "lots", kTestImage, "true"}), "--shm-size");
  EXPECT_EQ(container_ids(), before);
}

}  // namespace
}  // namespace lit::test
