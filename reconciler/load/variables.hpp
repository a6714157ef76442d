#pragma once
// The variables a project's files use, as `docker compose config --variables`
// lists them: each ${NAME...} and $NAME with its default (${NAME:-x},
// ${NAME-x}), whether it is required (${NAME:?msg}, ${NAME?msg}) and its
// alternate value (${NAME:+x}, ${NAME+x}).
#include <map>
#include <nlohmann/json.hpp>
#include <string>

namespace lit::reconciler::load {

struct Variable {
  std::string name;
  bool required = false;
  std::string default_value;
  std::string alternate_value;
};

// Every variable in the string values of `tree` (the files as written), by
// name; defaults are kept as written (${A:-${B}} gives A the default "${B}",
// and B is listed too). Malformed expressions are skipped.
std::map<std::string, Variable> extract_variables(const nlohmann::ordered_json& tree);

}  // namespace lit::reconciler::load
