#include "runtime/cdi/name.hpp"

#include "runtime/util/error.hpp"

namespace lit::runtime::cdi {
namespace {

bool alnum(char c) {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9');
}

// Starts and ends with a letter or digit; `inner` says what may stand between.
template <typename Inner>
std::optional<std::string> segment_problem(std::string_view what, std::string_view s,
                                           std::size_t max, Inner inner) {
  const std::string quoted = std::string(what) + " \"" + std::string(s) + "\"";
  if (s.empty()) return std::string(what) + " is empty";
  if (s.size() > max) return quoted + " is longer than " + std::to_string(max) + " characters";
  if (!alnum(s.front())) return quoted + " must start with a letter or digit";
  if (!alnum(s.back())) return quoted + " must end with a letter or digit";
  for (char c : s.substr(1, s.size() - 1))
    if (!alnum(c) && !inner(c))
      return quoted + " has '" + std::string(1, c) + "', which is not allowed";
  return std::nullopt;
}

std::optional<std::string> vendor_problem(std::string_view vendor) {
  if (auto why = segment_problem("vendor", vendor, 253,
                                 [](char c) { return c == '-' || c == '_' || c == '.'; }))
    return why;
  if (vendor.find("..") != std::string_view::npos)
    return "vendor \"" + std::string(vendor) + "\" has an empty label (\"..\")";
  for (std::size_t start = 0; start <= vendor.size();) {
    std::size_t dot = vendor.find('.', start);
    std::string_view label = vendor.substr(start, dot - start);
    if (!alnum(label.front()) || !alnum(label.back()))
      return "vendor \"" + std::string(vendor) + "\": each label between dots must start and " +
             "end with a letter or digit";
    if (dot == std::string_view::npos) break;
    start = dot + 1;
  }
  return std::nullopt;
}

}  // namespace

bool is_device_name(std::string_view value) {
  return !value.empty() && value.front() != '/' && value.find('=') != std::string_view::npos;
}

std::optional<std::string> kind_problem(std::string_view kind) {
  std::size_t slash = kind.find('/');
  if (slash == std::string_view::npos) return "no \"/\" between vendor and class";
  if (auto why = vendor_problem(kind.substr(0, slash))) return why;
  return segment_problem("class", kind.substr(slash + 1), 63,
                         [](char c) { return c == '-' || c == '_' || c == '.'; });
}

std::optional<std::string> device_name_problem(std::string_view name) {
  return segment_problem("name", name, 253,
                         [](char c) { return c == '-' || c == '_' || c == '.' || c == ':'; });
}

DeviceName parse_device_name(std::string_view value, std::string_view flag) {
  auto invalid = [&](const std::string& why) {
    return Error("invalid value \"" + std::string(value) + "\" for " + std::string(flag) + ": " +
                 why + " (a CDI device is VENDOR/CLASS=NAME, e.g. example.com/gpu=0)");
  };
  std::size_t eq = value.find('=');
  if (eq == std::string_view::npos) throw invalid("no \"=\" before the name");
  std::string_view kind = value.substr(0, eq);
  if (auto why = kind_problem(kind)) throw invalid(*why);
  if (auto why = device_name_problem(value.substr(eq + 1))) throw invalid(*why);
  std::size_t slash = kind.find('/');
  return {std::string(kind.substr(0, slash)), std::string(kind.substr(slash + 1)),
          std::string(value.substr(eq + 1))};
}

}  // namespace lit::runtime::cdi
