// Resuming a cut blob transfer: every byte handed on once, whatever the registry answers.
#include "runtime/image/registry/blob_feed.hpp"

#include <gtest/gtest.h>

namespace {

using lit::image::BlobFeed;
using lit::image::sha256_digest;

TEST(BlobFeed, ResumedWith206Continues) {
  std::string out;
  BlobFeed f(10, [&](std::string_view c) {
    out.append(c);
    return true;
  });
  f.begin_attempt();
  EXPECT_TRUE(f.take("0123", 200));  // cut after 4 bytes
  EXPECT_EQ(f.fed(), 4u);
  f.begin_attempt();
  EXPECT_TRUE(f.take("45", 206));
  EXPECT_TRUE(f.take("6789", 206));
  EXPECT_TRUE(f.complete());
  EXPECT_EQ(out, "0123456789");
  EXPECT_EQ(f.digest(), sha256_digest("0123456789"));
}

TEST(BlobFeed, RangeIgnoredSkipsWhatWasFed) {
  std::string out;
  BlobFeed f(10, [&](std::string_view c) {
    out.append(c);
    return true;
  });
  f.begin_attempt();
  EXPECT_TRUE(f.take("012345", 200));
  f.begin_attempt();
  EXPECT_TRUE(f.take("0123", 200));  // the whole blob again
  EXPECT_TRUE(f.take("456789", 200));
  EXPECT_EQ(out, "0123456789");
  EXPECT_EQ(f.digest(), sha256_digest("0123456789"));
}

TEST(BlobFeed, TooManyBytesStop) {
  BlobFeed f(3, [](std::string_view) { return true; });
  f.begin_attempt();
  EXPECT_FALSE(f.take("0123", 200));
  EXPECT_TRUE(f.oversized());
}

TEST(BlobFeed, ConsumerStopping) {
  BlobFeed f(10, [](std::string_view) { return false; });
  f.begin_attempt();
  EXPECT_FALSE(f.take("01", 200));
}

}  // namespace
