#include "runtime/spec/userns.hpp"

#include <gtest/gtest.h>

#include "runtime/spec/namespaces.hpp"
#include "tests/unit/error_of.hpp"

using namespace lit::runtime;
using lit::testing::error_of;

TEST(IdMapping, MapsContainerIdsIntoTheHostRangeAndBack) {
  IdMapping m{0, 100000, 65536};
  EXPECT_EQ(to_host(m, 0), 100000u);
  EXPECT_EQ(to_host(m, 1000), 101000u);
  EXPECT_EQ(to_host(m, 65535), 165535u);
  EXPECT_EQ(to_host(m, 65536), std::nullopt);  // past the range: the kernel's overflow id
  EXPECT_EQ(to_container(m, 100000), 0u);
  EXPECT_EQ(to_container(m, 165535), 65535u);
  EXPECT_EQ(to_container(m, 99999), std::nullopt);
  EXPECT_EQ(to_container(m, 165536), std::nullopt);
  EXPECT_EQ(to_container(m, 0), std::nullopt);  // host root is nobody inside
}

TEST(IdMapping, HandlesAnOffsetInsideAndTheTopOfTheIdSpace) {
  IdMapping m{1, 4294967295u - 9, 10};
  EXPECT_EQ(to_host(m, 0), std::nullopt);
  EXPECT_EQ(to_host(m, 10), 4294967295u);
  EXPECT_EQ(to_host(m, 11), std::nullopt);
  EXPECT_EQ(to_container(m, 4294967295u), 10u);
}

TEST(IdMapping, LineIsWhatUidMapTakes) {
  EXPECT_EQ(id_map_line({0, 100000, 65536}), "0 100000 65536\n");
}

TEST(UsernsMode, ParsesHostAutoAndSize) {
  EXPECT_EQ(parse_userns("", "--userns"), UsernsRequest{});
  EXPECT_EQ(parse_userns("host", "--userns"), UsernsRequest{});
  EXPECT_EQ(parse_userns("auto", "--userns"), (UsernsRequest{UsernsRequest::Mode::Auto, 0}));
  EXPECT_EQ(parse_userns("auto:size=1024", "--userns"),
            (UsernsRequest{UsernsRequest::Mode::Auto, 1024}));
  EXPECT_EQ(userns_text(parse_userns("auto:size=1024", "x")), "auto:size=1024");
  EXPECT_EQ(userns_text(parse_userns("auto", "x")), "auto");
  EXPECT_EQ(userns_text(parse_userns("", "x")), "host");
}

TEST(UsernsMode, RejectsWhatItDoesNotKnowNamingTheFlag) {
  EXPECT_EQ(error_of([] { parse_userns("keep-id", "--userns"); }),
            "--userns \"keep-id\": unknown user namespace mode");
  EXPECT_EQ(error_of([] { parse_userns("auto:size=0", "--userns"); }),
            "--userns \"auto:size=0\": size must be a positive number of ids");
  EXPECT_EQ(error_of([] { parse_userns("auto:size=12x", "--userns"); }),
            "--userns \"auto:size=12x\": size must be a positive number of ids");
  EXPECT_EQ(error_of([] { parse_userns("auto:size=", "--userns"); }),
            "--userns \"auto:size=\": size must be a positive number of ids");
}

TEST(UsernsMode, RefusesNamespacesItsInitCannotJoin) {
  NamespaceShare priv, host{NamespaceMode::Host, ""};
  EXPECT_EQ(
      error_of([&] { check_userns_combination(true, NetworkMode::Bridge, host, priv, false); }),
      "conflicting options: --userns auto and --pid host");
  EXPECT_EQ(
      error_of([&] { check_userns_combination(true, NetworkMode::Container, priv, priv, false); }),
      "conflicting options: --userns auto and --network container:NAME");
  EXPECT_EQ(
      error_of([&] { check_userns_combination(false, NetworkMode::Container, host, host, true); }),
      "");
  EXPECT_EQ(error_of([&] { check_userns_combination(true, NetworkMode::Host, priv, priv, false); }),
            "");
}
