#pragma once
// `extends:` — a service built on another one (same file, or `file:`), merged
// with compose's rules: the base first, the extending service on top.
#include <functional>
#include <string>

#include "reconciler/load/diag.hpp"
#include "reconciler/load/tree.hpp"

namespace lit::reconciler::load {

// Reads, interpolates and canonicalizes another file for `extends: {file: ...}`;
// `file` is as written, relative to the project dir.
using FileReader = std::function<Node(const std::string& file, const Loc& at)>;

// Resolves every service's extends in root's services, in place.
void resolve_extends(Node& root, const FileReader& read_file);

}  // namespace lit::reconciler::load
