// image history and prune output, as docker prints them.
#include "app/views/image_history.hpp"

#include <gtest/gtest.h>

namespace {

using lit::app::ellipsis;

TEST(HistoryView, EllipsisCutsToTheWidthInCodePoints) {
  EXPECT_EQ(ellipsis("short", 45), "short");
  EXPECT_EQ(ellipsis("abcdef", 6), "abcdef");
  EXPECT_EQ(ellipsis("abcdefg", 6), "abcde…");
  EXPECT_EQ(ellipsis("ééééééé", 6), "ééééé…");
  EXPECT_EQ(ellipsis("abc", 0), "");
}

TEST(HistoryView, TableLikeDocker) {
  std::vector<lit::image::HistoryRow> rows = {
      {"sha256:0123456789abcdef0123", "",
       "/bin/sh -c #(nop)\tCMD [\"sh\"] with a very long tail here", "", 0},
      {"", "", "ADD file:1234 in /", "imported", 4261460}};
  auto t = lit::app::history_table(rows, false, 0);
  ASSERT_EQ(t.size(), 3u);
  EXPECT_EQ(t[0], (std::vector<std::string>{"IMAGE", "CREATED", "CREATED BY", "SIZE", "COMMENT"}));
  EXPECT_EQ(t[1][0], "0123456789ab");
  EXPECT_EQ(t[1][2], "/bin/sh -c #(nop) CMD [\"sh\"] with a very lon…");
  EXPECT_EQ(t[1][3], "0B");
  EXPECT_EQ(t[2][0], "<missing>");
  EXPECT_EQ(t[2][1], "N/A");
  EXPECT_EQ(t[2][3], "4.26MB");
  EXPECT_EQ(t[2][4], "imported");
  auto full = lit::app::history_table(rows, true, 0);
  EXPECT_EQ(full[1][0], "sha256:0123456789abcdef0123");
  EXPECT_EQ(full[1][2], "/bin/sh -c #(nop) CMD [\"sh\"] with a very long tail here");
  EXPECT_EQ(lit::app::history_ids(rows, false),
            (std::vector<std::string>{"0123456789ab", "<missing>"}));
  auto j = lit::app::history_json(rows, 0);
  EXPECT_EQ(j[1]["ID"], "<missing>");
  EXPECT_EQ(j[1]["Size"], 4261460);
  EXPECT_EQ(j[0]["CreatedBy"], rows[0].created_by);
}

TEST(PruneView, ReportLikeDocker) {
  EXPECT_EQ(lit::app::prune_report({}), "Total reclaimed space: 0B\n");
  EXPECT_EQ(
      lit::app::prune_report({{"untagged: app:1", "deleted: sha256:ab"}, 1200000}),
      "Deleted Images:\nuntagged: app:1\ndeleted: sha256:ab\n\nTotal reclaimed space: 1.2MB\n");
}

}  // namespace
