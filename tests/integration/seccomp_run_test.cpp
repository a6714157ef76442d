// The seccomp profile a container really runs under: lit's default (what it
// refuses beyond docker's), seccomp=unconfined, and seccomp=FILE in docker's format.
#include <fstream>
#include <map>

#include "runtime/util/fs.hpp"
#include "tests/integration/run_fixture.hpp"

namespace lit::test {
namespace {

const fs::path kProbeSource = fs::path(LIT_SOURCE_DIR) / "tests/fixtures/syscall-probe.c";

// "NAME: VALUE" lines -> {NAME: VALUE}.
std::map<std::string, std::string> lines_of(const Result& r) {
  std::map<std::string, std::string> out;
  for (const auto& l : r.out_lines()) {
    auto colon = l.rfind(": ");
    if (colon != std::string::npos) out[l.substr(0, colon)] = l.substr(colon + 2);
  }
  return out;
}

class SeccompRun : public RunTest {
 protected:
  void SetUp() override {
    RunTest::SetUp();
    if (IsSkipped() || HasFatalFailure()) return;
    // The test image is busybox alone: the probe comes static, built now.
    probe_ = base_ / "syscall-probe";
    Result cc =
        run_process({"gcc", "-static", "-O1", "-o", probe_.string(), kProbeSource.string()});
    if (cc.exit_code != 0)
      GTEST_SKIP() << "needs gcc and a static libc (libc6-dev) to build the probe: " << cc;
  }

  // The probe's report from a --rm container with these flags.
  std::map<std::string, std::string> probe(std::vector<std::string> flags) {
    std::vector<std::string> args{"--rm", "-v", probe_.string() + ":/syscall-probe:ro"};
    args.insert(args.end(), flags.begin(), flags.end());
    args.insert(args.end(), {kTestImage, "/syscall-probe"});
    Result r = run(args);
    EXPECT_EQ(r.exit_code, 0) << r;
    return lines_of(r);
  }

  fs::path probe_;
};

TEST_F(SeccompRun, DefaultProfileRefusesIoUringVsockAndPersonalityFlags) {
  auto got = probe({});
  EXPECT_EQ(got["io_uring_setup"], "EPERM");
  EXPECT_EQ(got["io_uring_enter"], "EPERM");
  EXPECT_EQ(got["socket AF_VSOCK"], "EPERM");
  EXPECT_EQ(got["socket AF_ALG"], "EPERM");
  EXPECT_EQ(got["personality ADDR_NO_RANDOMIZE"], "EPERM");
  EXPECT_EQ(got["keyctl"], "EPERM");
  EXPECT_EQ(got["socket AF_INET"], "ok");
  EXPECT_EQ(got["personality query"], "ok");

  // Unconfined, the same calls reach the kernel: what refused them was the filter.
  auto open = probe({"--security-opt", "seccomp=unconfined"});
  std::ifstream disabled("/proc/sys/kernel/io_uring_disabled");
  int io_uring_disabled = 0;
  disabled >> io_uring_disabled;
  if (io_uring_disabled != 2) {  // else the host's own refusal
    EXPECT_NE(open["io_uring_setup"], "EPERM");
  }
  EXPECT_NE(open["socket AF_ALG"], "EPERM");
  EXPECT_EQ(open["personality ADDR_NO_RANDOMIZE"], "ok");
  EXPECT_EQ(open["socket AF_INET"], "ok");
}

// seccomp=FILE: the profile's rule with its errno; the container keeps it
// across a restart, when the file is gone.
TEST_F(SeccompRun, ProfileFileRefusesMkdirWithItsErrno) {
  fs::path profile = base_ / "no-mkdir.json";
  std::ofstream(profile) << R"({
    "defaultAction": "SCMP_ACT_ALLOW",
    "syscalls": [{"names": ["mkdir", "mkdirat"], "action": "SCMP_ACT_ERRNO", "errnoRet": 122}]
  })";
  const std::string opt = "seccomp=" + profile.string();
  Result r = sh("mkdir /made; echo rc=$?; touch /file && echo touched", {"--security-opt", opt});
  ASSERT_EQ(r.exit_code, 0) << r;
  EXPECT_NE(r.err.find("Disk quota exceeded"), std::string::npos) << r;  // EDQUOT, 122
  EXPECT_NE(r.out.find("rc=1"), std::string::npos) << r;
  EXPECT_NE(r.out.find("touched"), std::string::npos) << r;

  Result d = run({"-d", "--name", "keeps", "--security-opt", opt, kTestImage, "sleep", "600"});
  ASSERT_EQ(d.exit_code, 0) << d;
  fs::remove(profile);
  Result restart = lit({"container", "restart", "-t", "1", "keeps"});
  EXPECT_EQ(restart.exit_code, 0) << restart;
  Result e = lit({"container", "exec", "keeps", "mkdir", "/made"});
  EXPECT_NE(e.exit_code, 0) << e;
  EXPECT_NE(e.err.find("Disk quota exceeded"), std::string::npos) << e;
  lit({"container", "rm", "-f", "keeps"});
}

// An exec (and so a health probe) runs under the program the container's start
// compiled and kept in <run-root>/seccomp; a cache file that does not check
// out is made again, never loaded.
TEST_F(SeccompRun, ExecRunsUnderTheContainersFilterFromTheCache) {
  Result d = run({"-d", "--name", "probed", "-v", probe_.string() + ":/syscall-probe:ro",
                  kTestImage, "sleep", "600"});
  ASSERT_EQ(d.exit_code, 0) << d;
  const fs::path cache = run_root_ / "seccomp";
  ASSERT_FALSE(fs::is_empty(cache)) << "the start kept its program";
  auto exec_probe = [&] {
    Result e = lit({"container", "exec", "probed", "/syscall-probe"});
    EXPECT_EQ(e.exit_code, 0) << e;
    return lines_of(e);
  };
  auto got = exec_probe();
  EXPECT_EQ(got["io_uring_setup"], "EPERM");
  EXPECT_EQ(got["socket AF_VSOCK"], "EPERM");
  EXPECT_EQ(got["socket AF_INET"], "ok");

  for (const auto& f : fs::directory_iterator(cache)) std::ofstream(f.path()) << "garbage";
  got = exec_probe();
  EXPECT_EQ(got["io_uring_setup"], "EPERM");
  EXPECT_EQ(got["socket AF_VSOCK"], "EPERM");
  EXPECT_EQ(got["socket AF_INET"], "ok");
  for (const auto& f : fs::directory_iterator(cache))
    EXPECT_NE(read_file(f.path()), "garbage") << f.path() << " was made again";
  lit({"container", "rm", "-f", "probed"});
}

TEST_F(SeccompRun, ABadProfileIsOneLineNamingTheField) {
  fs::path profile = base_ / "bad.json";
  std::ofstream(profile) << R"({"defaultAction": "SCMP_ACT_ALLOW",
    "syscalls": [{"names": ["mkdir"], "action": "SCMP_ACT_FOO"}]})";
  Result r = run({"--rm", "--security-opt", "seccomp=" + profile.string(), kTestImage, "true"});
  EXPECT_EQ(r.exit_code, 125) << r;
  EXPECT_NE(r.err.find("seccomp profile " + profile.string() +
                       ": syscalls[0].action: unknown action \"SCMP_ACT_FOO\""),
            std::string::npos)
      << r;
  EXPECT_TRUE(container_ids().empty()) << "nothing made";
}

}  // namespace
}  // namespace lit::test
