#include "runtime/userns/subid.hpp"

#include <gtest/gtest.h>

#include "runtime/userns/allocation.hpp"
#include "runtime/util/fs.hpp"
#include "tests/unit/error_of.hpp"

using namespace lit::runtime;
using lit::testing::error_of;

TEST(Subid, ReadsTheUsersRangesInFileOrder) {
  const char* text =
      "# lit's ranges\n"
      "alice:100000:65536\n"
      "\n"
      "lit:200000:65536\n"
      "  lit:400000:131072  \r\n"
      "containers:1000000:1000000";
  EXPECT_EQ(parse_subid(text, "/etc/subuid", "lit"),
            (std::vector<SubidRange>{{200000, 65536}, {400000, 131072}}));
  EXPECT_EQ(parse_subid(text, "/etc/subuid", "bob"), std::vector<SubidRange>{});
}

TEST(Subid, MalformedLinesNameFileAndLine) {
  EXPECT_EQ(error_of([] { parse_subid("lit:1:2\nlit:100000\n", "/etc/subuid", "lit"); }),
            "/etc/subuid:2: malformed line \"lit:100000\"");
  EXPECT_EQ(error_of([] { parse_subid("lit:1:2:3\n", "/etc/subgid", "lit"); }),
            "/etc/subgid:1: malformed line \"lit:1:2:3\"");
  EXPECT_EQ(error_of([] { parse_subid(":1:2\n", "/etc/subuid", "lit"); }),
            "/etc/subuid:1: malformed line \":1:2\"");
  EXPECT_EQ(error_of([] { parse_subid("lit:abc:2\n", "/etc/subuid", "lit"); }),
            "/etc/subuid:1: start \"abc\" is not a number");
  EXPECT_EQ(error_of([] { parse_subid("lit:1:-5\n", "/etc/subuid", "lit"); }),
            "/etc/subuid:1: count \"-5\" is not a number");
  EXPECT_EQ(error_of([] { parse_subid("lit:4294967295:2\n", "/etc/subuid", "lit"); }),
            "/etc/subuid:1: the range 4294967295+2 is empty or goes past 4294967295");
  EXPECT_EQ(error_of([] { parse_subid("lit:5:0\n", "/etc/subuid", "lit"); }),
            "/etc/subuid:1: the range 5+0 is empty or goes past 4294967295");
}

TEST(FirstFit, TakesTheFirstGapLargeEnough) {
  std::vector<SubidRange> avail{{100000, 65536 * 3}};
  EXPECT_EQ(first_fit(avail, {}, 65536), 100000u);
  EXPECT_EQ(first_fit(avail, {{100000, 65536}}, 65536), 165536u);
  // A freed range in the middle is taken again.
  EXPECT_EQ(first_fit(avail, {{100000, 65536}, {231072, 65536}}, 65536), 165536u);
  EXPECT_EQ(first_fit(avail, {{100000, 65536}, {165536, 65536}, {231072, 65536}}, 65536),
            std::nullopt);
  EXPECT_EQ(first_fit(avail, {{100010, 5}}, 65536), 100015u);
}

TEST(FirstFit, MovesOnToTheNextRangeAndNeverSpansTwo) {
  std::vector<SubidRange> avail{{1000, 100}, {1100, 100}, {5000, 300}};
  EXPECT_EQ(first_fit(avail, {}, 150), 5000u);  // 1000-1199 is two entries: not joined
  EXPECT_EQ(first_fit(avail, {{5000, 100}}, 150), 5100u);
  EXPECT_EQ(first_fit(avail, {}, 0), std::nullopt);
  EXPECT_EQ(first_fit({{4294967295u - 99, 100}}, {}, 100), 4294967295u - 99);
}

TEST(UsernsRanges, AllocatesDisjointRangesReusesAndFrees) {
  lit::TempDir dir("/tmp", "lit-userns-test-");
  lit::write_file_atomic(dir.path() / "subuid", "lit:100000:131072\n");
  lit::write_file_atomic(dir.path() / "subgid", "lit:300000:131072\n");
  SubidSource src{dir.path() / "subuid", dir.path() / "subgid", "lit"};
  UsernsRanges ranges(dir.path());
  UserNamespace a = ranges.allocate("a", 65536, src);
  UserNamespace b = ranges.allocate("b", 65536, src);
  EXPECT_EQ(a.uid, (IdMapping{0, 100000, 65536}));
  EXPECT_EQ(a.gid, (IdMapping{0, 300000, 65536}));
  EXPECT_EQ(b.uid.host, 165536u);
  EXPECT_EQ(ranges.allocate("a", 65536, src), a);  // a restart: the same ids
  EXPECT_EQ(error_of([&] { ranges.allocate("c", 65536, src); }),
            "--userns auto: no free range of 65536 ids left in " +
                (dir.path() / "subuid").string() + " for user \"lit\"");
  ranges.release("a");
  ranges.release("never-allocated");
  EXPECT_EQ(ranges.allocate("c", 65536, src), a);
}

TEST(UsernsRanges, NoEntrySaysWhatToAdd) {
  lit::TempDir dir("/tmp", "lit-userns-test-");
  lit::write_file_atomic(dir.path() / "subuid", "alice:100000:65536\n");
  SubidSource src{dir.path() / "subuid", dir.path() / "subgid", "lit"};
  lit::Error err("");
  try {
    UsernsRanges(dir.path()).allocate("a", 65536, src);
  } catch (const lit::Error& e) {
    err = e;
  }
  EXPECT_EQ(std::string(err.what()), "--userns auto: " + (dir.path() / "subuid").string() +
                                         " has no range for user \"lit\"");
  EXPECT_EQ(err.hint(),
            "add a line such as lit:100000:6553600 to " + (dir.path() / "subuid").string());
}
