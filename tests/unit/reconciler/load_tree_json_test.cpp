// The loader's tree as JSON (x-* keys, `lit config --no-interpolate`): scalars
// typed as YAML reads them, quoted ones kept strings, mappings in file order.
#include <gtest/gtest.h>

#include "reconciler/load/tree_json.hpp"

namespace lit::reconciler::load {
namespace {

TEST(TreeJson, ScalarsAreTypedAsYamlReadsThem) {
  Node root = parse_yaml(R"(z: 1
a: [-2, 1.5, .5, 1e3, "7", true, False, null, ~, 0x1F, .inf, 1.2.3, "${X}", ]
x-empty:
)",
                         "t.yml");
  EXPECT_EQ(
      node_to_json(root).dump(),
      R"({"z":1,"a":[-2,1.5,0.5,1000.0,"7",true,false,null,null,"0x1F",".inf","1.2.3","${X}"],"x-empty":null})");
}

TEST(TreeJson, ExtensionsAreCollectedWhereTheyWereWrittenSorted) {
  Node root = parse_yaml(R"(x-b: 2
x-a: 1
services:
  web: {image: x, x-note: hi}
  db: {image: y}
networks:
  back: {x-owner: ops}
)",
                         "t.yml");
  EXPECT_EQ(
      collect_extensions(root).dump(),
      R"({"x-a":1,"x-b":2,"services":{"web":{"x-note":"hi"}},"networks":{"back":{"x-owner":"ops"}}})");
}

}  // namespace
}  // namespace lit::reconciler::load
