#pragma once
// `include:` — other compose projects loaded whole (their own directory, their
// own .env or env_file, their own overrides and extends) and their services,
// networks, volumes, secrets and configs imported into the including file. A
// resource the including file also defines is an error naming both places,
// unless the two definitions are the same (compose's rule).
#include <string>
#include <vector>

#include "reconciler/load/files.hpp"

namespace lit::reconciler::load {

// Applies and removes root's `include:`. Relative paths resolve against `dir`
// (the including project's directory); `lookup` is the including project's
// variables; `chain` the files being included around this one (cycles).
void apply_include(Node& root, const std::string& dir, const Lookup& lookup, const FileSet& files,
                   std::vector<std::string>& chain);

}  // namespace lit::reconciler::load
