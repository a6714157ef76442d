#include <gtest/gtest.h>

#include <cerrno>

#include "runtime/util/error.hpp"

TEST(Error, MessageCarriesContextChainAndErrno) {
  lit::Error e = lit::Error::sys("mount overlay on", "/x/merged", EINVAL);
  e.context("start c1").context("run web-1");
  EXPECT_STREQ(e.what(), "run web-1: start c1: mount overlay on /x/merged: Invalid argument");
  EXPECT_EQ(e.err(), EINVAL);
}

// A full disk is common on small devices: the error says what to do.
TEST(Error, AFullFileSystemSaysWhatToDo) {
  lit::Error e = lit::Error::sys("write", "/var/lib/lit/images/tmp/x", ENOSPC);
  EXPECT_STREQ(e.what(), "write /var/lib/lit/images/tmp/x: No space left on device");
  EXPECT_NE(e.hint().find("the file system is full"), std::string::npos) << e.hint();
  EXPECT_NE(e.hint().find("lit system prune"), std::string::npos) << e.hint();
  EXPECT_TRUE(lit::Error::sys("write", "/x", EIO).hint().empty());
}
