// lit config's YAML: read back with yaml-cpp it is exactly the JSON form, for
// every golden project and for the strings that look like something else.
#include "reconciler/yaml_out.hpp"

#include <gtest/gtest.h>
#include <yaml-cpp/yaml.h>

#include <filesystem>
#include <fstream>
#include <regex>

namespace lit::reconciler {
namespace {

namespace fs = std::filesystem;
using nlohmann::json;

// A YAML reader's view: quoted scalars are strings; plain ones are resolved
// as YAML 1.2's core schema does (null, bool, int, float, else string).
json to_json(const YAML::Node& n) {
  if (n.IsMap()) {
    json j = json::object();
    for (const auto& kv : n) j[kv.first.Scalar()] = to_json(kv.second);
    return j;
  }
  if (n.IsSequence()) {
    json j = json::array();
    for (const auto& item : n) j.push_back(to_json(item));
    return j;
  }
  if (n.IsNull()) return nullptr;
  const std::string& s = n.Scalar();
  if (n.Tag() == "!") return s;
  if (s == "true" || s == "false") return s == "true";
  if (std::regex_match(s, std::regex("-?[0-9]+"))) return std::stoll(s);
  if (std::regex_match(s, std::regex("-?[0-9]+(\\.[0-9]+)?([eE][-+]?[0-9]+)?")))
    return std::stod(s);
  return s;
}

json round_trip(const json& j) { return to_json(YAML::Load(to_yaml(j))); }

TEST(YamlOut, EveryGoldenProjectReadsBackAsItsJson) {
  int cases = 0;
  for (const auto& e :
       fs::directory_iterator(fs::path(LIT_SOURCE_DIR) / "tests/unit/reconciler/golden")) {
    fs::path expected = e.path() / "expected.json";
    if (!fs::exists(expected)) continue;
    json j = json::parse(std::ifstream(expected));
    EXPECT_EQ(round_trip(j), j) << e.path().filename() << "\n" << to_yaml(j);
    ++cases;
  }
  EXPECT_GT(cases, 10);
}

TEST(YamlOut, StringsThatLookLikeOtherScalarsStayStrings) {
  json j = {{"a", "80"},   {"b", "true"}, {"c", "no"},   {"d", ""},     {"e", "null"},
            {"f", "~"},    {"g", "1e3"},  {"h", "0x1F"}, {"i", ".inf"}, {"k", "line1\nline2\n"},
            {"l", "a: b"}, {"m", "- x"},  {"n", "#c"},   {"o", "'q'"},  {"p", " lead"},
            {"q", "*ref"}, {"r", "80:80"}};
  EXPECT_EQ(round_trip(j), j) << to_yaml(j);
}

// YAML 1.1 reads 06:00:00:00:00:01 or 12:30 as a base-60 number: quoted, as
// go-yaml (docker compose) quotes them; a hex MAC or a port pair is plain.
TEST(YamlOut, BaseSixtyLookalikesAreQuoted) {
  EXPECT_EQ(to_yaml(json{{"mac", "06:00:00:00:00:01"}}), "mac: \"06:00:00:00:00:01\"\n");
  EXPECT_EQ(to_yaml(json{{"t", "12:30"}}), "t: \"12:30\"\n");
  EXPECT_EQ(to_yaml(json{{"t", "-1:05.5"}}), "t: \"-1:05.5\"\n");
  EXPECT_EQ(to_yaml(json{{"mac", "02:42:ac:11:00:99"}}), "mac: 02:42:ac:11:00:99\n");
  EXPECT_EQ(to_yaml(json{{"p", "8080:80"}}), "p: 8080:80\n");  // 80 is no base-60 digit pair
  EXPECT_EQ(to_yaml(json{{"p", "80:8"}}), "p: \"80:8\"\n");
}

TEST(YamlOut, ScalarsCollectionsAndKeyOrder) {
  json j = json::parse(R"({"name":"demo","n":3,"cpus":0.1,"on":true,"none":null,
                           "empty_list":[],"empty_map":{},"list":["x",1],"80":"port"})");
  EXPECT_EQ(to_yaml(j),
            "\"80\": port\n"
            "cpus: 0.1\n"
            "empty_list: []\n"
            "empty_map: {}\n"
            "list:\n  - x\n  - 1\n"
            "\"n\": 3\n"  // YAML 1.1 reads a plain n as false
            "name: demo\n"
            "none: null\n"
            "\"on\": true\n");
  EXPECT_EQ(round_trip(j), j);
}

}  // namespace
}  // namespace lit::reconciler
