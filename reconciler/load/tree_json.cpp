#include "reconciler/load/tree_json.hpp"

#include <algorithm>
#include <cctype>
#include <cstdlib>
#include <map>

namespace lit::reconciler::load {

namespace {

using ojson = nlohmann::ordered_json;

bool is_digit(char c) { return std::isdigit(static_cast<unsigned char>(c)) != 0; }

// [-+]digits
bool is_integer(const std::string& t) {
  std::size_t i = (t[0] == '-' || t[0] == '+') ? 1 : 0;
  return i < t.size() && std::all_of(t.begin() + static_cast<std::ptrdiff_t>(i), t.end(), is_digit);
}

// A decimal float as YAML's core schema reads it ("1.5", "-.5", "1e3"), not inf/nan/hex.
bool is_float(const std::string& t) {
  if (!std::any_of(t.begin(), t.end(), is_digit)) return false;
  if (!std::all_of(t.begin(), t.end(), [](char c) {
        return is_digit(c) || c == '.' || c == 'e' || c == 'E' || c == '-' || c == '+';
      }))
    return false;
  char* end = nullptr;
  std::strtod(t.c_str(), &end);
  return end != t.c_str() && *end == '\0';
}

ojson scalar_to_json(const Node& n) {
  const std::string& t = n.text;
  if (n.quoted) return t;
  if (t.empty() || t == "~" || t == "null" || t == "Null" || t == "NULL") return nullptr;
  if (t == "true" || t == "True" || t == "TRUE") return true;
  if (t == "false" || t == "False" || t == "FALSE") return false;
  try {
    if (is_integer(t)) return std::stoll(t);
    if (is_float(t)) return std::stod(t);
  } catch (const std::out_of_range&) {
    return t;
  }
  return t;
}

// The x-* keys of a mapping node, sorted.
ojson x_keys(const Node& n) {
  std::map<std::string, ojson> sorted;
  if (n.is_map())
    for (const auto& e : n.entries)
      if (e.key.starts_with("x-")) sorted[e.key] = node_to_json(e.value);
  ojson j = ojson::object();
  for (auto& [k, v] : sorted) j[k] = std::move(v);
  return j;
}

}  // namespace

ojson node_to_json(const Node& n) {
  switch (n.kind) {
    case Node::Kind::null:
      return nullptr;
    case Node::Kind::scalar:
      return scalar_to_json(n);
    case Node::Kind::seq: {
      ojson j = ojson::array();
      for (const auto& item : n.items) j.push_back(node_to_json(item));
      return j;
    }
    case Node::Kind::map: {
      ojson j = ojson::object();
      for (const auto& e : n.entries) j[e.key] = node_to_json(e.value);
      return j;
    }
  }
  return nullptr;
}

ojson collect_extensions(const Node& root) {
  ojson out = x_keys(root);
  for (const char* section : {"services", "networks", "volumes", "secrets", "configs"}) {
    const Node* s = root.find(section);
    if (!s || !s->is_map()) continue;
    ojson per = ojson::object();
    for (const auto& e : s->entries)
      if (ojson x = x_keys(e.value); !x.empty()) per[e.key] = x;
    if (!per.empty()) out[section] = per;
  }
  return out;
}

std::vector<std::string> service_profiles(const Node& service) {
  std::vector<std::string> out;
  const Node* p = service.is_map() ? service.find("profiles") : nullptr;
  if (!p) return out;
  if (p->is_scalar()) out.push_back(p->text);
  for (const auto& item : p->items)
    if (item.is_scalar()) out.push_back(item.text);
  return out;
}

}  // namespace lit::reconciler::load
