#pragma once
// `lit config --variables` and `--environment` as docker compose prints them.
#include <map>
#include <nlohmann/json.hpp>
#include <string>

#include "reconciler/load/variables.hpp"

namespace lit::app {

using Variables = std::map<std::string, reconciler::load::Variable>;

// compose's table: NAME REQUIRED DEFAULT VALUE ALTERNATE VALUE, Go's tabwriter
// with cells at least 20 wide and 3 spaces of padding (the last column unpadded).
std::string variables_table(const Variables& vars);

// --variables --format json|yaml: {NAME: {Name, DefaultValue, PresenceValue,
// Required}} (json), the same keys lowercased (yaml), as compose marshals them.
nlohmann::ordered_json variables_object(const Variables& vars, bool yaml);

// "KEY=VALUE" lines, sorted: `environ` with `dotenv` under it.
std::string environment_lines(const std::map<std::string, std::string>& dotenv, char** environ);

}  // namespace lit::app
