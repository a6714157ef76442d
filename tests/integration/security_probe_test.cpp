// tests/fixtures/security-probe.sh in a default container and in a privileged
// one: what a process inside may see and do, against what docker documents.
#include <fstream>
#include <map>
#include <sstream>

#include "tests/integration/run_fixture.hpp"

namespace lit::test {
namespace {

const fs::path kProbe = fs::path(LIT_SOURCE_DIR) / "tests/fixtures/security-probe.sh";

// docker's default capability set: CHOWN DAC_OVERRIDE FOWNER FSETID KILL
// SETGID SETUID SETPCAP NET_BIND_SERVICE NET_RAW SYS_CHROOT MKNOD AUDIT_WRITE SETFCAP.
constexpr const char* kDockerDefaultCaps = "00000000a80425fb";

std::string read_all(const fs::path& p) {
  std::ifstream in(p);
  std::stringstream s;
  s << in.rdbuf();
  return s.str();
}

// This process's value of a /proc/self/status field.
std::string own_status(const std::string& key) {
  std::ifstream in("/proc/self/status");
  std::string line;
  while (std::getline(in, line))
    if (line.rfind(key + ":", 0) == 0)
      return line.substr(line.find_first_not_of(" \t", key.size() + 1));
  return "";
}

class SecurityProbe : public RunTest {
 protected:
  // "key: value" lines of the probe run in a --rm container with these flags.
  std::map<std::string, std::string> probe(std::vector<std::string> flags) {
    Result r = sh(read_all(kProbe), std::move(flags));
    EXPECT_EQ(r.exit_code, 0) << r;
    std::map<std::string, std::string> out;
    for (const auto& l : r.out_lines()) {
      auto colon = l.find(": ");
      if (colon != std::string::npos)
        out[l.substr(0, colon)] = l.substr(colon + 2);
      else if (l.back() == ':')
        out[l.substr(0, l.size() - 1)] = "";
    }
    return out;
  }
};

// A masked path reads as nothing, or is absent from this kernel.
bool masked(const std::string& v) { return v == "0 bytes" || v == "0 entries" || v == "missing"; }

TEST_F(SecurityProbe, DefaultContainerIsConfinedAsDocumented) {
  auto got = probe({});
  EXPECT_EQ(got["fds"], "0 1 2") << "only stdio reaches the container";
  EXPECT_EQ(got["pids"], "1") << "no other process visible";
  EXPECT_EQ(got["CapEff"], kDockerDefaultCaps);
  EXPECT_EQ(got["CapBnd"], kDockerDefaultCaps);
  EXPECT_EQ(got["NoNewPrivs"], "1") << "lit's default, unlike docker's";
  EXPECT_EQ(got["Seccomp"], "2");
  for (const char* p : {"/proc/kcore", "/proc/keys", "/proc/timer_list", "/proc/sched_debug",
                        "/proc/acpi", "/proc/scsi", "/sys/firmware"}) {
    EXPECT_TRUE(masked(got[std::string("masked ") + p]))
        << p << ": " << got[std::string("masked ") + p];
  }
  EXPECT_EQ(got["mount /sys"], "ro");
  EXPECT_EQ(got["mount /proc/sys"], "ro");
  EXPECT_EQ(got["write /proc/sys"], "refused");
  EXPECT_EQ(got["mount"], "refused (permission denied (are you root?))");  // busybox's EPERM
  EXPECT_EQ(got["unshare"], "refused (Operation not permitted)");
  EXPECT_EQ(got["unshare user"], "refused (Operation not permitted)");
  EXPECT_EQ(got["insmod"], "refused (Operation not permitted)");
}

// no-new-privileges=false: the one default a user may want back (setuid binaries).
TEST_F(SecurityProbe, NoNewPrivilegesCanBeTurnedOff) {
  EXPECT_EQ(probe({"--security-opt", "no-new-privileges=false"})["NoNewPrivs"], "0");
  EXPECT_EQ(probe({"--security-opt", "no-new-privileges:false"})["Seccomp"], "2");
}

// docker's --privileged: every capability, no seccomp, no no_new_privs,
// /sys and /proc/sys writable, nothing masked, mount and unshare allowed.
TEST_F(SecurityProbe, PrivilegedContainerHasWhatDockerGives) {
  auto got = probe({"--privileged"});
  EXPECT_EQ(got["fds"], "0 1 2");
  EXPECT_EQ(got["pids"], "1");
  EXPECT_EQ(got["CapEff"], own_status("CapBnd")) << "everything lit holds";
  EXPECT_EQ(got["NoNewPrivs"], "0");
  EXPECT_EQ(got["Seccomp"], "0");
  EXPECT_EQ(got["masked /proc/timer_list"], "16 bytes");
  EXPECT_EQ(got["mount /sys"], "rw");
  EXPECT_EQ(got["write /proc/sys"], "allowed");
  EXPECT_EQ(got["mount"], "allowed");
  EXPECT_EQ(got["unshare"], "allowed");
}

}  // namespace
}  // namespace lit::test
