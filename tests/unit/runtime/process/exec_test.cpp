// The init's PATH lookup uses the container's environment.
#include "runtime/process/exec.hpp"

#include <gtest/gtest.h>

#include "runtime/util/error.hpp"

namespace lit::runtime {
namespace {

TEST(Exec, PathComesFromTheContainersEnvironment) {
  EXPECT_EQ(path_from_env({"A=1", "PATH=/opt/bin"}), "/opt/bin");
  EXPECT_EQ(path_from_env({"A=1"}), kDefaultPath);
}

}  // namespace
}  // namespace lit::runtime
