#include <gtest/gtest.h>

#include <cerrno>

#include "runtime/util/error.hpp"

TEST(Error, MessageCarriesContextChainAndErrno) {
  lit::Error e = lit::Error::sys("mount overlay on", "/x/merged", EINVAL);
  e.context("start c1").context("run web-1");
  EXPECT_STREQ(e.what(), "run web-1: start c1: mount overlay on /x/merged: Invalid argument");
  EXPECT_EQ(e.err(), EINVAL);
}
