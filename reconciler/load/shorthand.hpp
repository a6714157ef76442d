#pragma once
// lit's single-service form (a file without `services:`) rewritten as a compose
// tree with one service, so everything after it sees one shape.
#include <vector>

#include "reconciler/load/diag.hpp"
#include "reconciler/load/tree.hpp"
#include "reconciler/model.hpp"

namespace lit::reconciler::load {

// True when root is a mapping without `services:` that uses a shorthand key.
bool is_shorthand(const Node& root);

// Rewrites root in place; filesystem.copy entries are returned (sources
// absolute against project_dir) for the service named by root's `name:`.
std::vector<CopySpec> expand_shorthand(Node& root, const std::string& project_dir, Diag& diag);

}  // namespace lit::reconciler::load
