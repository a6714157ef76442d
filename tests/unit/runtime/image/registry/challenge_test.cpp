// WWW-Authenticate parsing, as registries send the header.
#include "runtime/image/registry/challenge.hpp"

#include <gtest/gtest.h>

namespace {

using lit::image::parse_www_authenticate;

TEST(Challenge, DockerHubBearer) {
  auto c = parse_www_authenticate(
      R"(Bearer realm="https://auth.docker.io/token",service="registry.docker.io",)"
      R"(scope="repository:library/busybox:pull")");
  ASSERT_EQ(c.size(), 1u);
  EXPECT_EQ(c[0].scheme, "bearer");
  EXPECT_EQ(c[0].param("realm"), "https://auth.docker.io/token");
  EXPECT_EQ(c[0].param("service"), "registry.docker.io");
  EXPECT_EQ(c[0].param("scope"), "repository:library/busybox:pull");
}

TEST(Challenge, BasicWithCaseSpacesAndTokens) {
  auto c = parse_www_authenticate(R"(BASIC  Realm = "Registry Realm" , charset=UTF-8)");
  ASSERT_EQ(c.size(), 1u);
  EXPECT_EQ(c[0].scheme, "basic");
  EXPECT_EQ(c[0].param("realm"), "Registry Realm");
  EXPECT_EQ(c[0].param("charset"), "UTF-8");
}

TEST(Challenge, SeveralChallengesAndEscapes) {
  auto c = parse_www_authenticate(
      R"(Basic realm="a \"quoted\" realm", Bearer realm="https://t/x",error="insufficient_scope")");
  ASSERT_EQ(c.size(), 2u);
  EXPECT_EQ(c[0].scheme, "basic");
  EXPECT_EQ(c[0].param("realm"), "a \"quoted\" realm");
  EXPECT_EQ(c[1].scheme, "bearer");
  EXPECT_EQ(c[1].param("realm"), "https://t/x");
  EXPECT_EQ(c[1].param("error"), "insufficient_scope");
}

TEST(Challenge, GarbageNeverThrows) {
  EXPECT_TRUE(parse_www_authenticate("").empty());
  EXPECT_TRUE(parse_www_authenticate(",,, ").empty());
  auto c = parse_www_authenticate("Bearer realm=\"unterminated");
  ASSERT_EQ(c.size(), 1u);
  EXPECT_EQ(c[0].param("realm"), "unterminated");
  EXPECT_NO_THROW(parse_www_authenticate("=\"x\" @@ Bearer ==="));
}

}  // namespace
