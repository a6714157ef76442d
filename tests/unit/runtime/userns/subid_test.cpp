#include "runtime/userns/subid.hpp"

#include <gtest/gtest.h>

#include "runtime/state/ids.hpp"
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
  UsernsRanges ranges(dir.path(), dir.path() / "run");
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

// What `lit system check` holds against the records: each range, its owner
// and when it was taken (a create takes it just before it writes the record).
TEST(UsernsRanges, ARunRootRangeIsKeptThereAndNeverOverlapsADiskOne) {
  lit::TempDir dir("/tmp", "lit-userns-test-");
  lit::write_file_atomic(dir.path() / "subuid", "lit:100000:196608\n");
  lit::write_file_atomic(dir.path() / "subgid", "lit:100000:196608\n");
  SubidSource src{dir.path() / "subuid", dir.path() / "subgid", "lit"};
  const std::filesystem::path disk = dir.path() / "userns" / "ranges.json";
  const std::filesystem::path run = dir.path() / "run" / "userns" / "ranges.json";
  UsernsRanges ranges(dir.path(), dir.path() / "run");
  UserNamespace a = ranges.allocate("a", 65536, src);
  UserNamespace rm =
      ranges.allocate("rm", 65536, src, lit::Durability::NoSync, lit::runtime::RecordHome::RunRoot);
  EXPECT_EQ(rm.uid.host, 165536u);  // not a's
  EXPECT_EQ(lit::read_file(disk).find("\"rm\""), std::string::npos) << lit::read_file(disk);
  EXPECT_NE(lit::read_file(run).find("\"rm\""), std::string::npos) << lit::read_file(run);
  EXPECT_EQ(ranges.allocate("b", 65536, src).uid.host, 231072u);  // neither a's nor rm's
  EXPECT_EQ(ranges.allocate("rm", 65536, src), rm);               // found where it is
  EXPECT_EQ(ranges.held().size(), 3u);
  ranges.release("rm");
  EXPECT_EQ(lit::read_file(run).find("\"rm\""), std::string::npos) << lit::read_file(run);
  EXPECT_EQ(ranges.held().size(), 2u);
  EXPECT_EQ(ranges.allocate("c", 65536, src), rm);  // its ids are free again
  EXPECT_EQ(ranges.allocate("a", 65536, src), a);
}

TEST(UsernsRanges, HeldListsEachRangeAndWhenItWasTaken) {
  lit::TempDir dir("/tmp", "lit-userns-test-");
  lit::write_file_atomic(dir.path() / "subuid", "lit:100000:196608\n");
  lit::write_file_atomic(dir.path() / "subgid", "lit:100000:196608\n");
  SubidSource src{dir.path() / "subuid", dir.path() / "subgid", "lit"};
  UsernsRanges ranges(dir.path(), dir.path() / "run");
  EXPECT_TRUE(ranges.held().empty());
  UserNamespace a = ranges.allocate("a", 65536, src);
  auto held = ranges.held();
  ASSERT_EQ(held.size(), 1u);
  EXPECT_EQ(held[0].owner, "a");
  EXPECT_EQ(held[0].ns, a);
  auto taken = parse_rfc3339(held[0].allocated);
  ASSERT_TRUE(taken.has_value()) << held[0].allocated;
  EXPECT_LT(std::chrono::abs(std::chrono::system_clock::now() - *taken), std::chrono::minutes(1));

  // A file a lit from before wrote has no times: "" (as old as can be), kept so.
  lit::write_file_atomic(dir.path() / "userns" / "ranges.json",
                         R"({"ranges": [{"owner": "old", "uid": 100000, "gid": 100000, )"
                         R"("size": 65536}]})");
  EXPECT_EQ(ranges.allocate("b", 65536, src).uid.host, 165536u);
  held = ranges.held();
  ASSERT_EQ(held.size(), 2u);
  EXPECT_EQ(held[0].owner, "old");
  EXPECT_EQ(held[0].allocated, "");
  EXPECT_EQ(held[1].owner, "b");
  EXPECT_TRUE(parse_rfc3339(held[1].allocated).has_value()) << held[1].allocated;
}

TEST(UsernsRanges, NoEntrySaysWhatToAdd) {
  lit::TempDir dir("/tmp", "lit-userns-test-");
  lit::write_file_atomic(dir.path() / "subuid", "alice:100000:65536\n");
  SubidSource src{dir.path() / "subuid", dir.path() / "subgid", "lit"};
  lit::Error err("");
  try {
    UsernsRanges(dir.path(), dir.path() / "run").allocate("a", 65536, src);
  } catch (const lit::Error& e) {
    err = e;
  }
  EXPECT_EQ(std::string(err.what()), "--userns auto: " + (dir.path() / "subuid").string() +
                                         " has no range for user \"lit\"");
  EXPECT_EQ(err.hint(),
            "add a line such as lit:100000:6553600 to " + (dir.path() / "subuid").string());
}
