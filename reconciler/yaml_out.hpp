#pragma once
// `lit config` in YAML: any JSON value (the compose file of compose_out.hpp)
// written as YAML the way compose's encoder lays it out (2-space indents, lists
// indented under their key, `null`), keys in the JSON's order. One generic
// conversion, so the YAML and the JSON form cannot disagree: a YAML reader gets
// back exactly the JSON value (strings that would read as a number, bool or
// null are quoted).
#include <nlohmann/json.hpp>
#include <string>

namespace lit::reconciler {

std::string to_yaml(const nlohmann::json& value);
// The same, keys in the object's insertion order (`lit config`'s compose file).
std::string to_yaml(const nlohmann::ordered_json& value);

}  // namespace lit::reconciler
