// RUN on the build's network resolves with the host's nameservers, unless
// the host has only a local one another namespace cannot reach.
#include "runtime/image/builder/run_network.hpp"

#include <gtest/gtest.h>

namespace lit::image::builder {
namespace {

TEST(RunNetwork, RemoteNameserversAreThoseOutsideLoopback) {
  EXPECT_TRUE(has_remote_nameserver("nameserver 192.0.2.53\n"));
  EXPECT_TRUE(has_remote_nameserver("# x\nnameserver 127.0.0.53\nnameserver 10.0.0.2\n"));
  EXPECT_TRUE(has_remote_nameserver("nameserver 2001:db8::1\n"));
  EXPECT_FALSE(has_remote_nameserver("nameserver 127.0.0.53\noptions edns0\n"));
  EXPECT_FALSE(has_remote_nameserver("nameserver ::1\n"));
  EXPECT_FALSE(has_remote_nameserver("search example.test\n"));
  EXPECT_FALSE(has_remote_nameserver(""));
}

}  // namespace
}  // namespace lit::image::builder
