#pragma once
// `lit config` in YAML: any JSON value (the canonical to_json(Project)) written
// as YAML, keys in the JSON's order. One generic conversion, so the YAML and
// the JSON form cannot disagree: a YAML reader gets back exactly the JSON value
// (strings that would read as a number, bool or null are quoted).
#include <nlohmann/json.hpp>
#include <string>

namespace lit::reconciler {

std::string to_yaml(const nlohmann::json& value);

}  // namespace lit::reconciler
