// The default seccomp filter loaded for real (root only): namespaces and mounts
// are refused, the rest of the process keeps working; the same for a program
// read back from the cache.
#include <gtest/gtest.h>
#include <sched.h>
#include <sys/mount.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <filesystem>
#include <string>

#include "runtime/security/seccomp.hpp"
#include "runtime/security/security.hpp"
#include "runtime/util/fs.hpp"
#include "tests/unit/runtime/security/in_child.hpp"

namespace lit::security {
namespace {

namespace fs = std::filesystem;
using testing::in_child;

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

TEST(SeccompCache, ACachedProgramRefusesNamespaces) {
  if (::geteuid() != 0) GTEST_SKIP() << "needs root: without the filter, root could unshare";
  TempDir tmp(fs::temp_directory_path(), "lit-seccomp-cache-");
  const fs::path dir = tmp.path() / "cache";
  auto caps = resolve_capabilities({});
  default_seccomp_program(caps, dir);  // written
  auto msg = in_child([&]() -> std::string {
    load_program(default_seccomp_program(caps, dir));  // read back
    if (::unshare(CLONE_NEWNS) == 0 || errno != EPERM) return "unshare(CLONE_NEWNS) not refused";
    if (::getpid() <= 0) return "getpid broken";
    return "";
  });
  EXPECT_EQ(msg, "");
}

}  // namespace
}  // namespace lit::security
