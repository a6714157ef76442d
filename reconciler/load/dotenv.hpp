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

// env_file's `format: raw`: KEY=VALUE lines taken literally (no quotes, no
// escapes, no interpolation, no trailing comments); empty lines and lines
// starting with # are skipped; a line "KEY" takes KEY from lookup.
EnvList parse_raw_env(const std::string& text, const std::string& display, const Lookup& lookup);

}  // namespace lit::reconciler::load
