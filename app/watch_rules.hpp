#pragma once
// `lit watch`: the services' develop.watch rules as compose applies them, and
// which rule a changed host path triggers. Pure (no file system access apart
// from reading a build context's .dockerignore), unit-tested.
#include <optional>
#include <string>
#include <vector>

#include "reconciler/model.hpp"
#include "runtime/image/build/ignore.hpp"

namespace lit::app {

struct ActiveRule {
  std::string service;
  reconciler::WatchRule rule;
  image::build::IgnoreMatcher ignore;   // the rule's ignore, relative to its path
  image::build::IgnoreMatcher include;  // empty: everything
  // The build context's .dockerignore (relative to the context), as compose adds it.
  image::build::IgnoreMatcher dockerignore;
  std::string context;  // the build context ("" without build:)
};

// The rules of the selected services (all when empty), checked as compose
// does: a rebuild rule needs build:, and no rule at all is an error. A sync
// rule on a path a bind mount already shares is skipped with a warning
// (appended to `warnings`), as compose does.
std::vector<ActiveRule> watch_rules(const reconciler::Project& project,
                                    const std::vector<std::string>& services,
                                    std::vector<std::string>& warnings);

// Where a changed host path goes: nullopt when the rule does not apply to it
// (outside its path, not included, ignored, under .git, an editor's temporary
// file); else the path in the container for the sync actions ("" for the others).
std::optional<std::string> match(const ActiveRule& r, const std::string& host_path);

// Go's %q of a list of names, as compose prints it: ["web" "api"].
std::string quoted_list(const std::vector<std::string>& names);

}  // namespace lit::app
