#pragma once
// The loader's tree as JSON, for what lit prints as written: the x-* keys
// compose keeps, and `lit config --no-interpolate`.
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "reconciler/load/tree.hpp"

namespace lit::reconciler::load {

// Mappings in document order; an unquoted scalar typed as YAML reads it
// (null, true/false, an integer, a float), anything else a string.
nlohmann::ordered_json node_to_json(const Node& n);

// The x-* keys of a merged project tree: top-level ones, and under "services",
// "networks", "volumes", "secrets", "configs" -> key -> x-* (keys sorted).
nlohmann::ordered_json collect_extensions(const Node& root);

// A service node's `profiles:` entries.
std::vector<std::string> service_profiles(const Node& service);

}  // namespace lit::reconciler::load
