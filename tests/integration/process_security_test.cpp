// apply_process_security in forked children (root only): what /proc/self/status
// and the syscalls show afterwards.
#include <gtest/gtest.h>
#include <linux/capability.h>
#include <linux/keyctl.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>

#include "runtime/security/capabilities.hpp"
#include "runtime/security/security.hpp"
#include "runtime/util/error.hpp"
#include "tests/unit/runtime/security/in_child.hpp"

namespace lit::security {
namespace {

using runtime::SecuritySpec;
using testing::in_child;
using testing::status_field;

std::string mask_hex(const std::vector<int>& caps) {
  unsigned long long m = 0;
  for (int c : caps) m |= 1ULL << c;
  char buf[32];
  std::snprintf(buf, sizeof buf, "%016llx", m);
  return buf;
}

// "" when the field has the wanted value, else a message naming both.
std::string expect_field(const std::string& key, const std::string& want) {
  std::string got = status_field(key);
  return got == want ? "" : key + " is " + got + ", want " + want + "; ";
}

class ProcessSecurity : public ::testing::Test {
 protected:
  void SetUp() override {
    if (::geteuid() != 0) GTEST_SKIP() << "needs root to change capabilities and uid";
  }
};

TEST_F(ProcessSecurity, RootKeepsExactlyTheResolvedSet) {
  SecuritySpec s;
  s.cap_add = {"NET_ADMIN"};
  s.cap_drop = {"MKNOD"};
  std::string want = mask_hex(resolve_capabilities(s));
  auto msg = in_child([&] {
    apply_process_security(s, 0, 0, {});
    return expect_field("CapEff", want) + expect_field("CapPrm", want) +
           expect_field("CapBnd", want) + expect_field("CapInh", std::string(16, '0')) +
           expect_field("NoNewPrivs", "0") + expect_field("Seccomp", "2");
  });
  EXPECT_EQ(msg, "");
}

TEST_F(ProcessSecurity, NonRootUserHasNoEffectiveCapabilities) {
  SecuritySpec s;
  s.no_new_privileges = true;
  std::string bounding = mask_hex(resolve_capabilities(s));
  auto msg = in_child([&] {
    apply_process_security(s, 1000, 1001, {1001, 2000});
    std::string m = expect_field("CapEff", std::string(16, '0')) +
                    expect_field("CapPrm", std::string(16, '0')) +
                    expect_field("CapBnd", bounding) + expect_field("NoNewPrivs", "1") +
                    expect_field("Seccomp", "2") + expect_field("Uid", "1000\t1000\t1000\t1000") +
                    expect_field("Gid", "1001\t1001\t1001\t1001") +
                    expect_field("Groups", "1001 2000");
    if (::setuid(0) == 0) m += "could become root again; ";
    return m;
  });
  EXPECT_EQ(msg, "");
}

TEST_F(ProcessSecurity, SeccompLoadsWithoutNoNewPrivsForNonRoot) {
  SecuritySpec s;  // no_new_privileges false: the filter must go in before caps drop
  auto msg = in_child([&] {
    apply_process_security(s, 1000, 1000, {});
    std::string m = expect_field("Seccomp", "2") + expect_field("NoNewPrivs", "0");
    // keyctl is allowed by the kernel for anyone; only the filter refuses it.
    if (::syscall(SYS_keyctl, KEYCTL_GET_KEYRING_ID, KEY_SPEC_SESSION_KEYRING, 0) != -1 ||
        errno != EPERM)
      m += "keyctl not refused; ";
    if (::syscall(SYS_clone3, nullptr, 0) != -1 || errno != ENOSYS) m += "clone3 not ENOSYS; ";
    return m;
  });
  EXPECT_EQ(msg, "");
}

TEST_F(ProcessSecurity, SeccompDisabledAndPrivileged) {
  SecuritySpec off;
  off.seccomp = false;
  EXPECT_EQ(in_child([&] {
              apply_process_security(off, 0, 0, {});
              return expect_field("Seccomp", "0");
            }),
            "");
  SecuritySpec priv;
  priv.privileged = true;
  // Everything lit itself holds (a sandbox may withhold some the kernel knows).
  std::string all = mask_hex(permitted_capabilities());
  EXPECT_EQ(in_child([&] {
              apply_process_security(priv, 0, 0, {});
              return expect_field("Seccomp", "0") + expect_field("CapEff", all) +
                     expect_field("CapBnd", all);
            }),
            "");
}

TEST_F(ProcessSecurity, AskingForACapabilityLitLacksIsAClearError) {
  SecuritySpec s;
  s.cap_add = {"NET_ADMIN"};
  auto msg = in_child([&]() -> std::string {
    auto held = permitted_capabilities();  // lit without NET_ADMIN
    std::erase(held, CAP_NET_ADMIN);
    set_capabilities(held);
    try {
      apply_process_security(s, 0, 0, {});
      return "no error";
    } catch (const Error& e) {
      return std::string(e.what()) == "keep capability NET_ADMIN: Operation not permitted"
                 ? ""
                 : e.what();
    }
  });
  EXPECT_EQ(msg, "");
}

}  // namespace
}  // namespace lit::security
