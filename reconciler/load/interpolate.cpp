#include "reconciler/load/interpolate.hpp"

#include <cctype>

#include "runtime/util/error.hpp"

namespace lit::reconciler::load {

namespace {

bool name_start(char c) { return std::isalpha(static_cast<unsigned char>(c)) || c == '_'; }
bool name_char(char c) { return std::isalnum(static_cast<unsigned char>(c)) || c == '_'; }

struct Interp {
  const Lookup& lookup;
  const std::function<void(const std::string&)>& on_unset;
  std::string_view whole;

  [[noreturn]] void invalid() const {
    throw Error("invalid interpolation format in '" + std::string(whole) + "'", {}, 0);
  }

  // Index of the '}' closing the '${' whose body starts at `from`.
  std::size_t closing(std::string_view s, std::size_t from) const {
    int depth = 1;
    for (std::size_t i = from; i < s.size(); ++i) {
      if (s[i] == '$' && i + 1 < s.size() && s[i + 1] == '$')
        ++i;
      else if (s[i] == '$' && i + 1 < s.size() && s[i + 1] == '{')
        ++depth, ++i;
      else if (s[i] == '}' && --depth == 0)
        return i;
    }
    invalid();
  }

  std::string braced(std::string_view body) const {
    std::size_t n = 0;
    while (n < body.size() && name_char(body[n])) ++n;
    if (n == 0 || !name_start(body[0])) invalid();
    std::string name(body.substr(0, n));
    std::string_view rest = body.substr(n);
    std::optional<std::string> v = lookup(name);
    if (rest.empty()) return value_or_unset(name, v);
    bool colon = rest[0] == ':';
    if (colon) rest.remove_prefix(1);
    if (rest.empty()) invalid();
    char op = rest[0];
    std::string_view arg = rest.substr(1);
    bool missing = !v || (colon && v->empty());
    switch (op) {
      case '-':
        return missing ? run(arg) : *v;
      case '+':
        return missing ? std::string() : run(arg);
      case '?':
        if (missing) {
          std::string msg = run(arg);
          throw Error("required variable " + name + " is missing a value" +
                      (msg.empty() ? std::string() : ": " + msg));
        }
        return *v;
      default:
        invalid();
    }
  }

  std::string value_or_unset(const std::string& name, const std::optional<std::string>& v) const {
    if (v) return *v;
    if (on_unset) on_unset(name);
    return {};
  }

  std::string run(std::string_view s) const {
    std::string out;
    for (std::size_t i = 0; i < s.size(); ++i) {
      if (s[i] != '$' || i + 1 == s.size()) {
        out += s[i];
        continue;
      }
      char c = s[i + 1];
      if (c == '$') {
        out += '$';
        ++i;
      } else if (c == '{') {
        std::size_t end = closing(s, i + 2);
        out += braced(s.substr(i + 2, end - i - 2));
        i = end;
      } else if (name_start(c)) {
        std::size_t j = i + 1;
        while (j < s.size() && name_char(s[j])) ++j;
        std::string name(s.substr(i + 1, j - i - 1));
        out += value_or_unset(name, lookup(name));
        i = j - 1;
      } else {
        out += '$';  // "$1", "$ ": kept as written, as compose does
      }
    }
    return out;
  }
};

}  // namespace

std::string interpolate(std::string_view s, const Lookup& lookup,
                        const std::function<void(const std::string&)>& on_unset) {
  return Interp{lookup, on_unset, s}.run(s);
}

void interpolate_tree(Node& n, const Lookup& lookup, const std::string& path, Diag& diag) {
  switch (n.kind) {
    case Node::Kind::null:
      return;
    case Node::Kind::scalar: {
      if (n.text.find('$') == std::string::npos) return;
      auto unset = [&](const std::string& name) {
        diag.warn(n.loc, path, "variable " + name + " is not set, defaulting to a blank string");
      };
      try {
        n.text = interpolate(n.text, lookup, unset);
      } catch (const Error& e) {
        fail(n, path, e.what());
      }
      return;
    }
    case Node::Kind::seq:
      for (std::size_t i = 0; i < n.items.size(); ++i)
        interpolate_tree(n.items[i], lookup, idx(path, i), diag);
      return;
    case Node::Kind::map:
      for (auto& e : n.entries) interpolate_tree(e.value, lookup, sub(path, e.key), diag);
      return;
  }
}

}  // namespace lit::reconciler::load
