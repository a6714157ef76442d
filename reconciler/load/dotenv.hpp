#pragma once
// .env and env_file files as compose reads them: KEY=VALUE lines, `export`
// prefixes, # comments, 'single' (literal) and "double" (escapes) quotes,
// ${VAR} interpolation of unquoted and double-quoted values.
#include <string>
#include <utility>
#include <vector>

#include "reconciler/load/interpolate.hpp"

namespace lit::reconciler::load {

using EnvList = std::vector<std::pair<std::string, std::string>>;

// `display` names the file in errors ("FILE:LINE: ..."). Variables refer to
// earlier lines of the file first, then to `lookup`. A line "KEY" without '='
// takes KEY from lookup (skipped when unset).
EnvList parse_dotenv(const std::string& text, const std::string& display, const Lookup& lookup);

}  // namespace lit::reconciler::load
