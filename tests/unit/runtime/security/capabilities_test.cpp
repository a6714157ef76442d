#include "runtime/security/capabilities.hpp"

#include <gtest/gtest.h>
#include <linux/capability.h>

#include <algorithm>

#include "runtime/security/security.hpp"
#include "runtime/util/error.hpp"

namespace lit::security {
namespace {

using runtime::SecuritySpec;

bool has(const std::vector<int>& caps, int c) {
  return std::find(caps.begin(), caps.end(), c) != caps.end();
}

TEST(Capabilities, NamesInAnyCaseWithOrWithoutPrefix) {
  EXPECT_EQ(capability_from_name("SYS_ADMIN"), CAP_SYS_ADMIN);
  EXPECT_EQ(capability_from_name("cap_sys_admin"), CAP_SYS_ADMIN);
  EXPECT_EQ(capability_from_name("Net_Admin"), CAP_NET_ADMIN);
  EXPECT_EQ(capability_from_name("CHECKPOINT_RESTORE"), CAP_CHECKPOINT_RESTORE);
  EXPECT_FALSE(capability_from_name("SYS_ADMINX"));
  EXPECT_FALSE(capability_from_name("CAP_"));
  EXPECT_EQ(capability_name(CAP_NET_RAW), "NET_RAW");
}

TEST(Capabilities, DefaultsAreDockers) {
  auto caps = resolve_capabilities({});
  const int want[] = {CAP_CHOWN,   CAP_DAC_OVERRIDE, CAP_FSETID,           CAP_FOWNER,
                      CAP_MKNOD,   CAP_NET_RAW,      CAP_SETGID,           CAP_SETUID,
                      CAP_SETFCAP, CAP_SETPCAP,      CAP_NET_BIND_SERVICE, CAP_SYS_CHROOT,
                      CAP_KILL,    CAP_AUDIT_WRITE};
  EXPECT_EQ(caps.size(), std::size(want));
  for (int c : want) EXPECT_TRUE(has(caps, c)) << capability_name(c);
  EXPECT_FALSE(has(caps, CAP_SYS_ADMIN));
  EXPECT_FALSE(has(caps, CAP_NET_ADMIN));
  EXPECT_TRUE(std::is_sorted(caps.begin(), caps.end()));
  EXPECT_EQ(default_capabilities().size(), std::size(want));
}

TEST(Capabilities, DropThenAdd) {
  SecuritySpec s;
  s.cap_drop = {"net_raw", "CAP_MKNOD"};
  s.cap_add = {"Net_Admin", "cap_sys_ptrace"};
  auto caps = resolve_capabilities(s);
  EXPECT_FALSE(has(caps, CAP_NET_RAW));
  EXPECT_FALSE(has(caps, CAP_MKNOD));
  EXPECT_TRUE(has(caps, CAP_NET_ADMIN));
  EXPECT_TRUE(has(caps, CAP_SYS_PTRACE));
  EXPECT_TRUE(has(caps, CAP_CHOWN));
  EXPECT_EQ(caps.size(), 14u);
}

TEST(Capabilities, DropAllKeepsOnlyAdded) {
  SecuritySpec s;
  s.cap_drop = {"all"};
  s.cap_add = {"chown"};
  EXPECT_EQ(resolve_capabilities(s), std::vector<int>{CAP_CHOWN});
  s.cap_add.clear();
  EXPECT_TRUE(resolve_capabilities(s).empty());
}

TEST(Capabilities, AddAllMinusNamedDrops) {
  SecuritySpec s;
  s.cap_add = {"ALL"};
  s.cap_drop = {"SYS_ADMIN"};
  auto caps = resolve_capabilities(s);
  EXPECT_EQ(caps.size(), static_cast<size_t>(last_capability()));
  EXPECT_FALSE(has(caps, CAP_SYS_ADMIN));
  EXPECT_TRUE(has(caps, CAP_SYS_MODULE));
}

TEST(Capabilities, AddWinsOverDrop) {
  SecuritySpec s;
  s.cap_drop = {"NET_RAW"};
  s.cap_add = {"NET_RAW"};
  EXPECT_TRUE(has(resolve_capabilities(s), CAP_NET_RAW));
}

TEST(Capabilities, PrivilegedGetsEveryKernelCapability) {
  SecuritySpec s;
  s.privileged = true;
  s.cap_drop = {"ALL"};
  auto caps = resolve_capabilities(s);
  ASSERT_EQ(caps.size(), static_cast<size_t>(last_capability() + 1));
  EXPECT_EQ(caps.front(), 0);
  EXPECT_EQ(caps.back(), last_capability());
}

TEST(Capabilities, UnknownNameIsAClearError) {
  SecuritySpec s;
  s.cap_add = {"ALL"};
  s.cap_drop = {"NET_ADMN"};  // a typo is reported even next to ALL
  try {
    resolve_capabilities(s);
    FAIL() << "expected an error";
  } catch (const Error& e) {
    EXPECT_EQ(e.op(), "unknown capability");
    EXPECT_NE(e.target().find("NET_ADMN"), std::string::npos);
    EXPECT_NE(e.hint().find("CAP_NET_ADMIN"), std::string::npos);
    EXPECT_NE(e.hint().find("cap_drop"), std::string::npos);
  }
  s.cap_drop.clear();
  s.cap_add = {"bogus"};
  EXPECT_THROW(resolve_capabilities(s), Error);
}

TEST(Capabilities, KernelKnowsAtLeastTheClassicSet) {
  EXPECT_GE(last_capability(), CAP_AUDIT_READ);
}

}  // namespace
}  // namespace lit::security
