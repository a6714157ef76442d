#include "runtime/lifecycle/attach.hpp"

#include <gtest/gtest.h>

#include <vector>

namespace lit::runtime {
namespace {

using Keys = std::vector<unsigned char>;

TEST(DetachKeys, ReadAsDockerReadsThem) {
  EXPECT_EQ(parse_detach_keys("ctrl-p,ctrl-q"), (Keys{16, 17}));
  EXPECT_EQ(parse_detach_keys("ctrl-a"), (Keys{1}));
  EXPECT_EQ(parse_detach_keys("a,b"), (Keys{'a', 'b'}));
  EXPECT_EQ(parse_detach_keys("ctrl-@,ctrl-[,ctrl-\\,ctrl-],ctrl-^,ctrl-_"),
            (Keys{0, 27, 28, 29, 30, 31}));
}

TEST(DetachKeys, AnythingElseIsRefused) {
  EXPECT_TRUE(parse_detach_keys("").empty());
  EXPECT_TRUE(parse_detach_keys("ctrl-").empty());
  EXPECT_TRUE(parse_detach_keys("ctrl-1").empty());
  EXPECT_TRUE(parse_detach_keys("alt-p").empty());
  EXPECT_TRUE(parse_detach_keys("ctrl-p,").empty());
}

}  // namespace
}  // namespace lit::runtime
