// --sysctl: only namespaced keys, and net.* only in a network namespace of its own.
#include "runtime/spec/sysctl.hpp"

#include <gtest/gtest.h>

#include "runtime/util/error.hpp"

namespace lit::runtime {
namespace {

TEST(Sysctls, OnlyNamespacedKeysAreAccepted) {
  EXPECT_NO_THROW(
      validate_sysctls({{"kernel.shmmax", "1"}, {"net.ipv4.ip_forward", "1"}}, NetworkMode::None));
  EXPECT_THROW(validate_sysctls({{"net.ipv4.ip_forward", "1"}}, NetworkMode::Host), Error);
  EXPECT_THROW(validate_sysctls({{"kernel.hostname", "x"}}, NetworkMode::None), Error);
  EXPECT_THROW(validate_sysctls({{"net/../../kernel", "x"}}, NetworkMode::None), Error);
}

}  // namespace
}  // namespace lit::runtime
