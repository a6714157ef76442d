// How images are shown: sizes, ages, ids and JSON, as docker shows them.
#include "app/views/image_display.hpp"

#include <gtest/gtest.h>

#include <chrono>

#include "app/views/status_text.hpp"
#include "runtime/state/ids.hpp"

namespace {

using namespace lit::app;
using lit::image::Image;

// docker's HumanDuration of whole seconds (app's takes nanoseconds).
std::string human_duration_s(std::int64_t s) { return human_duration(s * 1'000'000'000); }

// Seconds since the epoch of an RFC 3339 time, or -1 when it does not parse.
std::int64_t seconds_of(const std::string& text) {
  auto tp = lit::runtime::parse_rfc3339(text);
  return tp ? std::chrono::floor<std::chrono::seconds>(tp->time_since_epoch()).count() : -1;
}

TEST(Display, HumanSizeUsesThreeSignificantDecimalDigits) {
  EXPECT_EQ(human_size(0), "0B");
  EXPECT_EQ(human_size(999), "999B");
  EXPECT_EQ(human_size(1000), "1kB");
  EXPECT_EQ(human_size(1200000), "1.2MB");
  EXPECT_EQ(human_size(4261460), "4.26MB");
  EXPECT_EQ(human_size(1982579), "1.98MB");
  EXPECT_EQ(human_size(77800000000), "77.8GB");
}

TEST(Display, HumanDurationLikeDocker) {
  EXPECT_EQ(human_duration_s(0), "Less than a second");
  EXPECT_EQ(human_duration_s(1), "1 second");
  EXPECT_EQ(human_duration_s(45), "45 seconds");
  EXPECT_EQ(human_duration_s(90), "About a minute");
  EXPECT_EQ(human_duration_s(5 * 60 + 3), "5 minutes");
  EXPECT_EQ(human_duration_s(3600), "About an hour");
  EXPECT_EQ(human_duration_s(5 * 3600), "5 hours");
  EXPECT_EQ(human_duration_s(3 * 86400), "3 days");
  EXPECT_EQ(human_duration_s(21 * 86400), "3 weeks");
  EXPECT_EQ(human_duration_s(90 * 86400), "3 months");
  EXPECT_EQ(human_duration_s(3LL * 365 * 86400), "3 years");
}

TEST(Display, ParsesRfc3339WithFractionsAndOffsets) {
  EXPECT_EQ(seconds_of("2023-11-14T22:13:20Z"), 1700000000);
  EXPECT_EQ(seconds_of("2023-11-14T22:13:20.123456789Z"), 1700000000);
  EXPECT_EQ(seconds_of("2023-11-14T23:13:20+01:00"), 1700000000);
  EXPECT_EQ(seconds_of("2023-11-14T21:13:20-01:00"), 1700000000);
  EXPECT_FALSE(lit::runtime::parse_rfc3339("yesterday"));
  EXPECT_FALSE(lit::runtime::parse_rfc3339("2023-11-14T22:13:20"));
  EXPECT_EQ(created_ago("2023-11-14T22:13:20Z", 1700000000 + 300), "5 minutes ago");
  EXPECT_EQ(created_ago("", 1700000000), "N/A");
}

TEST(Display, InspectAndListRows) {
  Image img;
  img.id = "sha256:" + std::string(64, 'c');
  img.tags = {"docker.io/library/busybox:latest", "localhost/x:1"};
  img.diff_ids = {"sha256:" + std::string(64, 'd')};
  img.config.cmd = {"sh"};
  img.config.env = {"PATH=/bin"};
  img.config.exposed_ports = {"80/tcp"};
  img.size = 42;
  auto j = inspect_json(img);
  EXPECT_EQ(j["Id"], img.id);
  EXPECT_EQ(j["RepoTags"], nlohmann::json({"busybox:latest", "localhost/x:1"}));
  EXPECT_EQ(j["Config"]["Cmd"], nlohmann::json({"sh"}));
  EXPECT_TRUE(j["Config"]["Entrypoint"].is_null());
  EXPECT_TRUE(j["Config"]["ExposedPorts"].contains("80/tcp"));
  EXPECT_EQ(j["RootFS"]["Layers"], nlohmann::json(img.diff_ids));
  EXPECT_EQ(j["Size"], 42);
  auto rows = list_rows(img);
  ASSERT_EQ(rows.size(), 2u);
  EXPECT_EQ(rows[0].repository, "busybox");
  EXPECT_EQ(rows[0].tag, "latest");
  EXPECT_EQ(rows[1].repository, "localhost/x");
  EXPECT_EQ(short_id(img.id), std::string(12, 'c'));
  img.tags.clear();
  rows = list_rows(img);
  ASSERT_EQ(rows.size(), 1u);
  EXPECT_EQ(rows[0].repository, "<none>");
  EXPECT_EQ(rows[0].tag, "<none>");
}

}  // namespace

namespace {

using namespace lit::app;

TEST(ImageLs, RowsHaveDockerFieldsAndTable) {
  ListRow row{"busybox", "latest",
              "sha256:3f57d9401f8d42f986df300f0c69192fc41da28ccc8d797829467780db3dd741",
              "2024-05-01T12:00:00Z", 4261460};
  std::time_t now = seconds_of("2024-05-01T14:00:00Z");
  FormatRow r = image_ls_row(row, false, now);
  EXPECT_EQ(
      r.fields.dump(),
      "{\"Containers\":\"N/A\",\"CreatedAt\":\"2024-05-01 12:00:00 +0000 UTC\","
      "\"CreatedSince\":\"2 hours ago\",\"Digest\":\"<none>\",\"ID\":\"3f57d9401f8d\","
      "\"Repository\":\"busybox\",\"SharedSize\":\"N/A\",\"Size\":\"4.26MB\",\"Tag\":\"latest\","
      "\"UniqueSize\":\"N/A\",\"VirtualSize\":\"4.26MB\"}");
  EXPECT_EQ(image_ls_row(row, true, now).fields["ID"], row.id);
  EXPECT_EQ(OutputFormat("", image_ls_spec()).render({r}),
            "REPOSITORY   TAG       IMAGE ID       CREATED       SIZE\n"
            "busybox      latest    3f57d9401f8d   2 hours ago   4.26MB\n");
  EXPECT_EQ(OutputFormat("{{.Repository}}:{{.Tag}} {{.ID}}", image_ls_spec()).render({r}),
            "busybox:latest 3f57d9401f8d\n");
}

}  // namespace
