// lit's AppArmor choices and its default profile. This kernel may have no
// AppArmor, so what the kernel does with the profile is not tested here; that
// apparmor_parser (installed by scripts/setup.sh) compiles it is.
#include "runtime/security/apparmor.hpp"

#include <gtest/gtest.h>
#include <sys/wait.h>

#include <cstdio>
#include <string>

#include "runtime/security/apparmor_profile.hpp"

namespace lit::security {
namespace {

TEST(AppArmorProfileFor, DefaultIsLitsProfileWhereTheHostHasAppArmor) {
  EXPECT_EQ(apparmor_profile_for("", false, true, true), "lit-default");
}

TEST(AppArmorProfileFor, NoneWithoutAppArmorWhateverWasAsked) {
  EXPECT_EQ(apparmor_profile_for("", false, false, true), "");
  EXPECT_EQ(apparmor_profile_for("my-profile", false, false, true), "");
}

TEST(AppArmorProfileFor, UnconfinedAndPrivilegedGetNone) {
  EXPECT_EQ(apparmor_profile_for("unconfined", false, true, true), "");
  EXPECT_EQ(apparmor_profile_for("", true, true, true), "");
}

TEST(AppArmorProfileFor, ANamedProfileIsAppliedEvenWhenPrivilegedOrRootless) {
  EXPECT_EQ(apparmor_profile_for("my-profile", false, true, true), "my-profile");
  EXPECT_EQ(apparmor_profile_for("my-profile", true, true, true), "my-profile");
  EXPECT_EQ(apparmor_profile_for("my-profile", false, true, false), "my-profile");
}

TEST(AppArmorProfileFor, RootlessLoadsNoDefault) {
  EXPECT_EQ(apparmor_profile_for("", false, true, false), "");
}

TEST(AppArmorProfileText, RefusesWhatDockersDefaultRefusesAndMore) {
  const std::string text = apparmor_profile_text("lit-default");
  EXPECT_NE(text.find("profile lit-default flags=(attach_disconnected,mediate_deleted) {"),
            std::string::npos);
  for (const char* rule :
       {"deny mount,", "deny pivot_root,", "deny @{PROC}/sysrq-trigger rwklx,",
        "deny @{PROC}/kcore rwklx,", "deny /sys/kernel/security/** rwklx,",
        "deny /sys/firmware/efi/efivars/** rwklx,", "signal (send,receive) peer=lit-default,",
        "ptrace (trace,read,tracedby,readby) peer=lit-default,"}) {
    EXPECT_NE(text.find(rule), std::string::npos) << rule;
  }
}

// apparmor_parser's exit status and binary size for `text` (compiled, not loaded).
std::pair<int, size_t> compile(const std::string& text) {
  char in[] = "/tmp/lit-apparmor-test-XXXXXX";
  int fd = mkstemp(in);
  if (fd < 0) return {-1, 0};
  FILE* f = fdopen(fd, "w");
  fputs(text.c_str(), f);
  fclose(f);
  const std::string cmd = std::string(
                              "PATH=$PATH:/usr/sbin:/sbin apparmor_parser --skip-kernel-load "
                              "--skip-cache --ofile /dev/stdout ") +
                          in + " 2>/dev/null | wc -c; exit ${PIPESTATUS[0]}";
  FILE* p = popen(("bash -c '" + cmd + "'").c_str(), "r");
  size_t size = 0;
  if (fscanf(p, "%zu", &size) != 1) size = 0;
  int status = pclose(p);
  std::remove(in);
  return {WIFEXITED(status) ? WEXITSTATUS(status) : -1, size};
}

TEST(AppArmorProfileText, CompilesWithApparmorParser) {
  auto [rc, size] = compile(apparmor_profile_text("lit-default"));
  ASSERT_EQ(rc, 0) << "apparmor_parser refused lit's profile (is Debian's apparmor installed?)";
  EXPECT_GT(size, 1000u);
  // The check can fail: a broken profile is refused.
  auto [bad_rc, bad_size] = compile("profile broken {\n  deny mount\n");
  EXPECT_NE(bad_rc, 0);
}

}  // namespace
}  // namespace lit::security
