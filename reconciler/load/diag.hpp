#pragma once
// Errors and warnings of the loader, all in the form "FILE:LINE:COL: key.path: what".
#include <string>
#include <vector>

#include "reconciler/load/tree.hpp"

namespace lit::reconciler::load {

// "FILE:LINE:COL: path: msg" (path omitted when empty).
std::string located(const Loc& loc, const std::string& path, const std::string& msg);

// Throws lit::Error with the located message.
[[noreturn]] void fail(const Loc& loc, const std::string& path, const std::string& msg);
[[noreturn]] inline void fail(const Node& n, const std::string& path, const std::string& msg) {
  fail(n.loc, path, msg);
}

// Collects warnings; with strict, an unsupported key is an error instead.
struct Diag {
  bool strict = false;
  std::vector<std::string> warnings;
  void warn(const Loc& loc, const std::string& path, const std::string& msg);
  // A key lit does not support: a warning, or an error with --strict.
  void unsupported(const Loc& loc, const std::string& path);
};

// Joins a key path: "services" + "web" -> "services.web"; index -> "ports[1]".
std::string sub(const std::string& path, const std::string& key);
std::string idx(const std::string& path, std::size_t i);

}  // namespace lit::reconciler::load
