#include "reconciler/load/diag.hpp"

#include "runtime/util/error.hpp"

namespace lit::reconciler::load {

std::string located(const Loc& loc, const std::string& path, const std::string& msg) {
  std::string s = loc.str();
  if (!s.empty()) s += ": ";
  if (!path.empty()) s += path + ": ";
  return s + msg;
}

void fail(const Loc& loc, const std::string& path, const std::string& msg) {
  throw Error(located(loc, path, msg));
}

void Diag::warn(const Loc& loc, const std::string& path, const std::string& msg) {
  std::string w = located(loc, path, msg);
  for (const auto& old : warnings)
    if (old == w) return;  // a node reached twice (extends, anchors) warns once
  warnings.push_back(std::move(w));
}

void Diag::unsupported(const Loc& loc, const std::string& path) {
  if (strict) fail(loc, path, "not supported by lit (--strict)");
  warn(loc, path, "not supported by lit, ignored");
}

std::string sub(const std::string& path, const std::string& key) {
  return path.empty() ? key : path + "." + key;
}

std::string idx(const std::string& path, std::size_t i) {
  return path + "[" + std::to_string(i) + "]";
}

}  // namespace lit::reconciler::load
