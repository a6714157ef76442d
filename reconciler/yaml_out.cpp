#include "reconciler/yaml_out.hpp"

#include <yaml-cpp/yaml.h>

#include <algorithm>
#include <cctype>
#include <cstdlib>

namespace lit::reconciler {

namespace {

using nlohmann::json;

std::string lower(std::string s) {
  std::transform(s.begin(), s.end(), s.begin(), [](unsigned char c) { return std::tolower(c); });
  return s;
}

// YAML 1.1's base-60 number ("06:00:00:00:00:01", "12:30"), as go-yaml
// quotes it: [-+]?[0-9][0-9_]*(:[0-5]?[0-9])+(\.[0-9_]*)?
bool base60(const std::string& s) {
  std::size_t i = s.starts_with('-') || s.starts_with('+') ? 1 : 0;
  auto digit = [&](std::size_t at) {
    return at < s.size() && std::isdigit(static_cast<unsigned char>(s[at]));
  };
  if (!digit(i)) return false;
  while (digit(i) || (i < s.size() && s[i] == '_')) ++i;
  bool sixty = false;
  while (i < s.size() && s[i] == ':') {
    ++i;
    if (digit(i) && s[i] <= '5' && digit(i + 1)) ++i;
    if (!digit(i)) return false;
    ++i;
    sixty = true;
  }
  if (i < s.size() && s[i] == '.')
    for (++i; digit(i) || (i < s.size() && s[i] == '_');) ++i;
  return sixty && i == s.size();
}

// A plain scalar YAML readers would take for something else than this string:
// null, a YAML 1.1 / 1.2 bool, a number (also .inf, .nan, 0x1F, 0o17, 1:30).
bool reads_as_non_string(const std::string& s) {
  if (base60(s)) return true;
  if (s.empty() || YAML::IsNullString(s)) return true;
  static const char* const kWords[] = {"true", "false", "yes",  "no",    "on",    "off",
                                       "y",    "n",     ".inf", "-.inf", "+.inf", ".nan"};
  std::string l = lower(s);
  for (const char* w : kWords)
    if (l == w) return true;
  char* end = nullptr;
  std::strtod(s.c_str(), &end);
  if (end != s.c_str() && *end == '\0') return true;
  return l.starts_with("0o") || l.starts_with("0x") || l.starts_with("0b");
}

template <class J>
void emit(YAML::Emitter& out, const J& v) {
  switch (v.type()) {
    case J::value_t::object:
      if (v.empty()) {
        out << YAML::Flow << YAML::BeginMap << YAML::EndMap;
        return;
      }
      out << YAML::BeginMap;
      for (const auto& [k, item] : v.items()) {
        out << YAML::Key;
        if (reads_as_non_string(k)) out << YAML::DoubleQuoted;
        out << k << YAML::Value;
        emit(out, item);
      }
      out << YAML::EndMap;
      return;
    case J::value_t::array:
      if (v.empty()) {
        out << YAML::Flow << YAML::BeginSeq << YAML::EndSeq;
        return;
      }
      out << YAML::BeginSeq;
      for (const auto& item : v) emit(out, item);
      out << YAML::EndSeq;
      return;
    case J::value_t::string: {
      const auto& s = v.template get_ref<const std::string&>();
      if (reads_as_non_string(s) || s.find('\n') != std::string::npos) out << YAML::DoubleQuoted;
      out << s;
      return;
    }
    case J::value_t::null:
      out << YAML::Null;
      return;
    default:
      // Numbers and bools as JSON writes them: the shortest text that reads back exactly.
      out << v.dump();
      return;
  }
}

template <class J>
std::string yaml_of(const J& value) {
  YAML::Emitter out;
  out.SetIndent(2);
  out.SetNullFormat(YAML::LowerNull);  // `null`, as compose prints it
  emit(out, value);
  return std::string(out.c_str()) + "\n";
}

}  // namespace

std::string to_yaml(const json& value) { return yaml_of(value); }
std::string to_yaml(const nlohmann::ordered_json& value) { return yaml_of(value); }

}  // namespace lit::reconciler
