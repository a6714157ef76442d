#include "runtime/shim/attach_protocol.hpp"

#include <gtest/gtest.h>

#include <string>
#include <vector>

namespace lit::shim::attach {
namespace {

TEST(AttachProtocol, FramesComeBackWholeAndInOrder) {
  std::string wire = frame(kStdout, "hello\n") + frame(kExit, "3");
  std::string buf;
  bool bad = false;
  // Byte by byte, as a stream socket may deliver them.
  std::vector<Frame> got;
  for (char c : wire) {
    buf += c;
    while (auto f = take_frame(buf, bad)) got.push_back(*f);
  }
  ASSERT_EQ(got.size(), 2u);
  EXPECT_EQ(got[0].kind, kStdout);
  EXPECT_EQ(got[0].payload, "hello\n");
  EXPECT_EQ(got[1].kind, kExit);
  EXPECT_EQ(got[1].payload, "3");
  EXPECT_TRUE(buf.empty());
  EXPECT_FALSE(bad);
}

TEST(AttachProtocol, AnOversizedFrameIsBad) {
  std::string buf = "i\xff\xff\xff\xff";
  bool bad = false;
  EXPECT_FALSE(take_frame(buf, bad));
  EXPECT_TRUE(bad);
}

TEST(AttachProtocol, ALongSocketPathIsReachedThroughItsDirectory) {
  sockaddr_un addr{};
  UniqueFd dir;
  ASSERT_TRUE(socket_address("/run/lit/attach.sock", addr, dir));
  EXPECT_STREQ(addr.sun_path, "/run/lit/attach.sock");
  EXPECT_FALSE(dir);
  std::string deep = "/tmp/" + std::string(120, 'x');
  EXPECT_FALSE(socket_address(deep + "/attach.sock", addr, dir));  // no such directory
  ASSERT_TRUE(
      socket_address(std::string(20, '/') + "tmp" + std::string(100, '/') + "a.sock", addr, dir));
  EXPECT_TRUE(dir);
  EXPECT_TRUE(std::string(addr.sun_path).starts_with("/proc/self/fd/")) << addr.sun_path;
  EXPECT_TRUE(std::string(addr.sun_path).ends_with("/a.sock")) << addr.sun_path;
}

}  // namespace
}  // namespace lit::shim::attach
