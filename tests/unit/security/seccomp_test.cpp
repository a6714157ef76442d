#include "runtime/security/seccomp.hpp"

#include <gtest/gtest.h>
#include <sched.h>
#include <seccomp.h>
#include <sys/mount.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>

#include "runtime/security/security.hpp"
#include "tests/unit/security/in_child.hpp"

namespace lit::security {
namespace {

using runtime::SecuritySpec;
using testing::in_child;

bool blocks(const SeccompFilter& f, const std::string& name) {
  return std::find(f.blocked().begin(), f.blocked().end(), name) != f.blocked().end();
}

TEST(Seccomp, DefaultProfileBlocksDangerousSyscallsButNotPtrace) {
  auto f = build_default_seccomp(resolve_capabilities({}));
  for (const char* s : {"mount", "umount2", "unshare", "setns", "keyctl", "add_key", "bpf",
                        "kexec_load", "init_module", "reboot", "open_by_handle_at", "clone",
                        "clone3", "perf_event_open", "userfaultfd", "pivot_root"}) {
    EXPECT_TRUE(blocks(f, s)) << s;
  }
  EXPECT_FALSE(blocks(f, "ptrace"));
  EXPECT_FALSE(blocks(f, "read"));
  // Every rule is for a syscall this libseccomp knows.
  for (const auto& s : f.blocked())
    EXPECT_NE(seccomp_syscall_resolve_name(s.c_str()), __NR_SCMP_ERROR) << s;
}

TEST(Seccomp, PfcShowsErrnoActions) {
  auto f = build_default_seccomp(resolve_capabilities({}));
  std::string pfc = f.pfc();
  EXPECT_NE(pfc.find("ERRNO(1)"), std::string::npos);   // EPERM
  EXPECT_NE(pfc.find("ERRNO(38)"), std::string::npos);  // ENOSYS for clone3
#if defined(__x86_64__)
  EXPECT_NE(pfc.find("x86_64"), std::string::npos) << "native arch filtered";
#endif
}

TEST(Seccomp, KeptCapabilitiesRelaxTheirSyscalls) {
  SecuritySpec s;
  s.cap_add = {"SYS_ADMIN", "SYS_TIME"};
  auto f = build_default_seccomp(resolve_capabilities(s));
  for (const char* name :
       {"mount", "umount2", "unshare", "setns", "clone", "clone3", "settimeofday"}) {
    EXPECT_FALSE(blocks(f, name)) << name;
  }
  for (const char* name : {"kexec_load", "init_module", "reboot", "keyctl", "swapon"}) {
    EXPECT_TRUE(blocks(f, name)) << name;
  }
  auto defaults = build_default_seccomp(resolve_capabilities({}));
  EXPECT_LT(f.blocked().size(), defaults.blocked().size());
}

TEST(Seccomp, LoadedFilterRefusesNamespacesAndKeepsTheRest) {
  if (::geteuid() != 0) GTEST_SKIP() << "needs root: without the filter, root could unshare";
  auto msg = in_child([]() -> std::string {
    auto f = build_default_seccomp(resolve_capabilities({}));
    f.load();
    if (::unshare(CLONE_NEWNS) == 0 || errno != EPERM) return "unshare(CLONE_NEWNS) not refused";
    if (::mount("none", "/tmp", "tmpfs", 0, nullptr) == 0 || errno != EPERM)
      return "mount not refused";
    if (::syscall(SYS_clone, CLONE_NEWUTS | SIGCHLD, 0, 0, 0, 0) != -1 || errno != EPERM)
      return "clone(CLONE_NEWUTS) not refused";
    if (::syscall(SYS_clone3, nullptr, 0) != -1 || errno != ENOSYS) return "clone3 not ENOSYS";
    if (::getpid() <= 0) return "getpid broken";
    pid_t p = ::fork();  // plain fork still works
    if (p == 0) ::_exit(7);
    int st = 0;
    if (p < 0 || ::waitpid(p, &st, 0) != p || WEXITSTATUS(st) != 7) return "fork broken";
    return "";
  });
  EXPECT_EQ(msg, "");
}

}  // namespace
}  // namespace lit::security
