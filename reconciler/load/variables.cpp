#include "reconciler/load/variables.hpp"

#include <cctype>
#include <string_view>

namespace lit::reconciler::load {

namespace {

bool name_start(char c) { return std::isalpha(static_cast<unsigned char>(c)) || c == '_'; }
bool name_char(char c) { return std::isalnum(static_cast<unsigned char>(c)) || c == '_'; }

void scan(std::string_view s, std::map<std::string, Variable>& out);

// Index of the '}' closing a '${' whose body starts at `from`; npos if none.
std::size_t closing(std::string_view s, std::size_t from) {
  int depth = 1;
  for (std::size_t i = from; i < s.size(); ++i) {
    if (s[i] == '$' && i + 1 < s.size() && (s[i + 1] == '$' || s[i + 1] == '{')) {
      if (s[i + 1] == '{') ++depth;
      ++i;
    } else if (s[i] == '}' && --depth == 0) {
      return i;
    }
  }
  return std::string_view::npos;
}

Variable& note(std::map<std::string, Variable>& out, const std::string& name) {
  Variable& v = out[name];
  v.name = name;
  return v;
}

// The body of ${...}: NAME, then an optional [:]- [:]? [:]+ and its argument.
void braced(std::string_view body, std::map<std::string, Variable>& out) {
  std::size_t n = 0;
  while (n < body.size() && name_char(body[n])) ++n;
  if (n == 0 || !name_start(body[0])) return;
  Variable& v = note(out, std::string(body.substr(0, n)));
  std::string_view rest = body.substr(n);
  if (!rest.empty() && rest[0] == ':') rest.remove_prefix(1);
  if (rest.empty()) return;
  std::string arg(rest.substr(1));
  if (rest[0] == '-')
    v.default_value = arg;
  else if (rest[0] == '?')
    v.required = true;
  else if (rest[0] == '+')
    v.alternate_value = arg;
  scan(arg, out);  // nested ${...} in the argument are variables too
}

void scan(std::string_view s, std::map<std::string, Variable>& out) {
  for (std::size_t i = 0; i + 1 < s.size(); ++i) {
    if (s[i] != '$') continue;
    char next = s[i + 1];
    if (next == '$') {
      ++i;
    } else if (next == '{') {
      std::size_t end = closing(s, i + 2);
      if (end == std::string_view::npos) return;
      braced(s.substr(i + 2, end - i - 2), out);
      i = end;
    } else if (name_start(next)) {
      std::size_t j = i + 1;
      while (j < s.size() && name_char(s[j])) ++j;
      note(out, std::string(s.substr(i + 1, j - i - 1)));
      i = j - 1;
    }
  }
}

void walk(const nlohmann::ordered_json& j, std::map<std::string, Variable>& out) {
  if (j.is_string()) {
    scan(j.get_ref<const std::string&>(), out);
  } else if (j.is_structured()) {
    for (const auto& v : j) walk(v, out);
  }
}

}  // namespace

std::map<std::string, Variable> extract_variables(const nlohmann::ordered_json& tree) {
  std::map<std::string, Variable> out;
  walk(tree, out);
  return out;
}

}  // namespace lit::reconciler::load
