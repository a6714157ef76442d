#include "app/views/format_template.hpp"

#include <gtest/gtest.h>

#include "runtime/util/error.hpp"

namespace lit::app {
namespace {

FormatSpec spec() {
  FormatSpec s;
  s.headers = {{"ID", "CONTAINER ID"},   {"Names", "NAMES"},        {"State", "STATE"},
               {"Ports", "PORTS"},       {"ExitCode", "EXIT CODE"}, {"Publishers", "PUBLISHERS"},
               {"Networks", "NETWORKS"}, {"Config", "CONFIG"}};
  s.default_table = "table {{.ID}}\\t{{.Names}}";
  s.labels = true;
  return s;
}

std::vector<FormatRow> rows() {
  FormatRow a;
  a.fields = {{"ID", "0123456789ab"},
              {"Names", "shop-web-1"},
              {"State", "running"},
              {"Ports", "0.0.0.0:8080->80/tcp"},
              {"ExitCode", 0},
              {"Publishers", nlohmann::ordered_json::array({{{"URL", "0.0.0.0"},
                                                             {"TargetPort", 80},
                                                             {"PublishedPort", 8080},
                                                             {"Protocol", "tcp"}}})},
              {"Networks", nlohmann::ordered_json::array({"shop_default", "front"})},
              {"Config", {{"Image", "busybox"}, {"User", "app"}}}};
  a.labels = {{"lit.service", "web"}};
  FormatRow b;
  b.fields = {{"ID", "ba9876543210"},
              {"Names", "db"},
              {"State", "exited"},
              {"Ports", ""},
              {"ExitCode", 137},
              {"Publishers", nlohmann::ordered_json::array()},
              {"Networks", nlohmann::ordered_json::array()},
              {"Config", {{"Image", "postgres"}, {"User", ""}}}};
  return {a, b};
}

std::string render(const std::string& format) {
  return OutputFormat(format, spec()).render(rows());
}

std::string error_of(const std::string& format) {
  try {
    OutputFormat f(format, spec());
    f.render(rows());
  } catch (const Error& e) {
    return e.what();
  }
  return "no error";
}

TEST(FormatTemplate, FieldsAndLiteralText) {
  EXPECT_EQ(render("{{.Names}}"), "shop-web-1\ndb\n");
  EXPECT_EQ(render("name={{.Names}} state={{.State}}!"),
            "name=shop-web-1 state=running!\nname=db state=exited!\n");
  EXPECT_EQ(render("{{ .Names }}"), "shop-web-1\ndb\n");
  EXPECT_EQ(render("{{.ExitCode}}"), "0\n137\n");
  EXPECT_EQ(render("plain"), "plain\nplain\n");
}

TEST(FormatTemplate, EscapesAreReadAsDockerDoes) {
  EXPECT_EQ(render("{{.Names}}\\t{{.State}}"), "shop-web-1\trunning\ndb\texited\n");
  EXPECT_EQ(render("{{.Names}}\\n-"), "shop-web-1\n-\ndb\n-\n");
  EXPECT_EQ(render("  {{.Names}}  "), "shop-web-1\ndb\n");  // docker trims spaces
}

TEST(FormatTemplate, NestedFieldsAndLists) {
  EXPECT_EQ(render("{{.Config.Image}}"), "busybox\npostgres\n");
  EXPECT_EQ(render("{{.Networks}}"), "[shop_default front]\n[]\n");
  EXPECT_EQ(render("{{.Publishers}}"), "[{0.0.0.0 80 8080 tcp}]\n[]\n");
  EXPECT_EQ(render("{{join .Networks \",\"}}"), "shop_default,front\n\n");
}

TEST(FormatTemplate, LabelLooksUpOneLabel) {
  EXPECT_EQ(render("{{.Label \"lit.service\"}}|"), "web|\n|\n");
}

TEST(FormatTemplate, JsonFunctionAndJsonFormat) {
  EXPECT_EQ(render("{{json .Names}}"), "\"shop-web-1\"\n\"db\"\n");
  EXPECT_EQ(render("{{json .Networks}}"), "[\"shop_default\",\"front\"]\n[]\n");
  std::string line =
      "{\"ID\":\"0123456789ab\",\"Names\":\"shop-web-1\",\"State\":\"running\",\"Ports\":\"0.0.0.0:"
      "8080->80/tcp\",\"ExitCode\":0,\"Publishers\":[{\"URL\":\"0.0.0.0\",\"TargetPort\":80,"
      "\"PublishedPort\":8080,\"Protocol\":\"tcp\"}],\"Networks\":[\"shop_default\",\"front\"],"
      "\"Config\":{\"Image\":\"busybox\",\"User\":\"app\"}}";
  EXPECT_EQ(render("{{json .}}").substr(0, line.size() + 1), line + "\n");
  EXPECT_EQ(render("json"), render("{{json .}}"));
  EXPECT_TRUE(OutputFormat("json", spec()).json());
}

TEST(FormatTemplate, StringFunctions) {
  EXPECT_EQ(render("{{upper .State}}"), "RUNNING\nEXITED\n");
  EXPECT_EQ(render("{{.State | upper}}"), "RUNNING\nEXITED\n");
  EXPECT_EQ(render("{{lower \"AbC\"}}"), "abc\nabc\n");
  EXPECT_EQ(render("{{title .Names}}"), "Shop-Web-1\nDb\n");
  EXPECT_EQ(render("{{truncate .ID 4}}"), "0123\nba98\n");
  EXPECT_EQ(render("[{{pad .Names 1 2}}]"), "[ shop-web-1  ]\n[ db  ]\n");
  EXPECT_EQ(render("{{split .Names \"-\"}}"), "[shop web 1]\n[db]\n");
}

TEST(FormatTemplate, TrimMarkers) {
  EXPECT_EQ(render("a   {{- .State -}}   b"), "arunningb\naexitedb\n");
}

TEST(FormatTemplate, TableHasDockerHeadersAndAlignment) {
  EXPECT_EQ(render("table {{.Names}}\\t{{.State}}"),
            "NAMES        STATE\n"
            "shop-web-1   running\n"
            "db           exited\n");
  // Columns are at least 10 wide (docker's tabwriter minwidth), padding 3.
  EXPECT_EQ(render("table {{.State}}\\t{{.ExitCode}}\\t{{.ID}}"),
            "STATE     EXIT CODE   CONTAINER ID\n"
            "running   0           0123456789ab\n"
            "exited    137         ba9876543210\n");
  // Functions show the header of their argument.
  EXPECT_EQ(render("table {{upper .Names}}\\t{{json .State}}"),
            "NAMES        STATE\n"
            "SHOP-WEB-1   \"running\"\n"
            "DB           \"exited\"\n");
}

TEST(FormatTemplate, TableAloneIsTheDefaultTable) {
  std::string expected =
      "CONTAINER ID   NAMES\n"
      "0123456789ab   shop-web-1\n"
      "ba9876543210   db\n";
  EXPECT_EQ(render("table"), expected);
  EXPECT_EQ(render(""), expected);
  EXPECT_TRUE(OutputFormat("", spec()).table());
}

TEST(FormatTemplate, EmptyTableIsItsHeader) {
  EXPECT_EQ(OutputFormat("table {{.Names}}\\t{{.ID}}", spec()).render({}),
            "NAMES     CONTAINER ID\n");
  EXPECT_EQ(OutputFormat("{{.Names}}", spec()).render({}), "");
}

TEST(FormatTemplate, UnknownFieldNamesFieldAndFlag) {
  EXPECT_EQ(error_of("{{.Nope}}"),
            "invalid value \"{{.Nope}}\" for flag --format: no field \"Nope\" (fields: Config, "
            "ExitCode, ID, Names, Networks, Ports, Publishers, State, Label \"KEY\")");
}

TEST(FormatTemplate, OtherErrorsAreOneLine) {
  EXPECT_EQ(error_of("{{.Names"), "invalid value \"{{.Names\" for flag --format: unclosed action");
  EXPECT_EQ(error_of("{{frob .Names}}"),
            "invalid value \"{{frob .Names}}\" for flag --format: function \"frob\" not defined");
  EXPECT_EQ(error_of("{{upper}}"),
            "invalid value \"{{upper}}\" for flag --format: wrong number of args for upper: want "
            "1 got 0");
  EXPECT_EQ(error_of("{{.Names \"x\"}}"),
            "invalid value \"{{.Names \"x\"}}\" for flag --format: can't give argument to "
            "non-function .Names");
  EXPECT_EQ(error_of("{{.Config.Nope}}"),
            "--format: can't evaluate field .Config.Nope: no such field");
  EXPECT_EQ(error_of("{{join .Names \",\"}}"), "--format: join wants a list, got shop-web-1");
}

TEST(FormatTemplate, FlagNameComesFromTheSpec) {
  FormatSpec s = spec();
  s.flag = "psFormat in /root/.docker/config.json";
  try {
    OutputFormat format("{{.X}}", s);
    FAIL();
  } catch (const Error& e) {
    EXPECT_EQ(std::string(e.what()).find("for flag psFormat in /root/.docker/config.json: no "
                                         "field \"X\""),
              std::string("invalid value \"{{.X}}\" ").size());
  }
}

TEST(FieldHeader, SplitsWordsAsDocker) {
  EXPECT_EQ(field_header("Names"), "NAMES");
  EXPECT_EQ(field_header("RunningFor"), "RUNNING FOR");
  EXPECT_EQ(field_header("ID"), "ID");
  EXPECT_EQ(field_header("LocalVolumes"), "LOCAL VOLUMES");
  EXPECT_EQ(field_header("HTTPPort"), "HTTP PORT");
}

TEST(Tabwrite, PadsColumnsAsGoTabwriter) {
  EXPECT_EQ(tabwrite("a\tbb\tc\nxxxxxxxxxxxx\ty\tz\n"),
            "a              bb        c\n"
            "xxxxxxxxxxxx   y         z\n");
  // The last cell is never padded; an empty last cell leaves the padding before it.
  EXPECT_EQ(tabwrite("a\t\nb\tc\n"), "a         \nb         c\n");
  // A line without tabs ends a column block: widths start again after it.
  EXPECT_EQ(tabwrite("aaaaaaaaaaaa\tb\n--\nc\td\n"), "aaaaaaaaaaaa   b\n--\nc         d\n");
  // A shorter line ends the inner column's block only.
  EXPECT_EQ(tabwrite("a\tb\tc\nd\te\n", 0, 1), "a b c\nd e\n");
  EXPECT_EQ(tabwrite("é\tx\nab\ty\n", 0, 1), "é  x\nab y\n");
  EXPECT_EQ(tabwrite("no newline\tat end", 0, 1), "no newline at end");
  EXPECT_EQ(tabwrite(""), "");
}

}  // namespace
}  // namespace lit::app
