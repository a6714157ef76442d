#include "reconciler/load/values.hpp"

#include <algorithm>
#include <cctype>

#include "reconciler/load/units.hpp"
#include "runtime/util/error.hpp"

namespace lit::reconciler::load {

namespace {

std::string lower(std::string s) {
  std::transform(s.begin(), s.end(), s.begin(), [](unsigned char c) { return std::tolower(c); });
  return s;
}

const std::string& scalar_text(const Node& n, const std::string& path, const char* expected) {
  if (!n.is_scalar()) fail(n, path, std::string("expected ") + expected + ", got " + kind_name(n));
  return n.text;
}

}  // namespace

void expect_map(const Node& n, const std::string& path) {
  if (!n.is_map()) fail(n, path, "expected a mapping, got " + kind_name(n));
}

std::string as_string(const Node& n, const std::string& path) {
  return scalar_text(n, path, "a string");
}

bool as_bool(const Node& n, const std::string& path) {
  std::string t = lower(scalar_text(n, path, "true or false"));
  if (t == "true" || t == "yes" || t == "on") return true;
  if (t == "false" || t == "no" || t == "off") return false;
  fail(n, path, "expected true or false, got '" + n.text + "'");
}

std::int64_t as_int(const Node& n, const std::string& path) {
  const std::string& t = scalar_text(n, path, "an integer");
  std::size_t start = (!t.empty() && (t[0] == '-' || t[0] == '+')) ? 1 : 0;
  bool ok = t.size() > start && t.size() < 19 &&
            std::all_of(t.begin() + static_cast<long>(start), t.end(),
                        [](unsigned char c) { return std::isdigit(c); });
  if (!ok) fail(n, path, "expected an integer, got '" + t + "'");
  return std::stoll(t);
}

double as_number(const Node& n, const std::string& path) {
  const std::string& t = scalar_text(n, path, "a number");
  try {
    std::size_t used = 0;
    double v = std::stod(t, &used);
    if (used == t.size()) return v;
  } catch (const std::exception&) {
  }
  fail(n, path, "expected a number, got '" + t + "'");
}

std::int64_t as_bytes(const Node& n, const std::string& path) {
  const std::string& t = scalar_text(n, path, "a size");
  try {
    return parse_bytes(t);
  } catch (const Error& e) {
    fail(n, path, e.what());
  }
}

std::uint32_t as_mode(const Node& n, const std::string& path) {
  std::string t = scalar_text(n, path, "a file mode");
  if (t.rfind("0o", 0) == 0) t = t.substr(2);  // YAML 1.2 octal
  bool ok = !t.empty() && t.size() <= 6 &&
            std::all_of(t.begin(), t.end(), [](char c) { return c >= '0' && c <= '7'; });
  if (!ok) fail(n, path, "expected an octal file mode such as 0440, got '" + t + "'");
  return static_cast<std::uint32_t>(std::stoul(t, nullptr, 8));
}

std::int64_t as_duration_ns(const Node& n, const std::string& path) {
  const std::string& t = scalar_text(n, path, "a duration");
  if (!t.empty() &&
      std::all_of(t.begin(), t.end(), [](unsigned char c) { return std::isdigit(c); }))
    return as_int(n, path) * 1000000000LL;
  try {
    return parse_duration(t);
  } catch (const Error& e) {
    fail(n, path, e.what());
  }
}

std::vector<std::string> as_string_list(const Node& n, const std::string& path) {
  if (n.is_scalar()) return {n.text};
  if (!n.is_seq()) fail(n, path, "expected a string or a list of strings, got " + kind_name(n));
  std::vector<std::string> out;
  for (std::size_t i = 0; i < n.items.size(); ++i)
    out.push_back(as_string(n.items[i], idx(path, i)));
  return out;
}

std::vector<std::string> as_command(const Node& n, const std::string& path) {
  if (n.is_scalar()) {
    try {
      return shell_words(n.text);
    } catch (const Error& e) {
      fail(n, path, e.what());
    }
  }
  if (n.is_null()) return {};
  return as_string_list(n, path);
}

std::vector<std::pair<std::string, std::optional<std::string>>> as_kv(const Node& n,
                                                                      const std::string& path) {
  std::vector<std::pair<std::string, std::optional<std::string>>> out;
  if (n.is_null()) return out;
  if (n.is_map()) {
    for (const auto& e : n.entries) {
      if (e.value.is_null())
        out.emplace_back(e.key, std::nullopt);
      else
        out.emplace_back(e.key, as_string(e.value, sub(path, e.key)));
    }
    return out;
  }
  if (!n.is_seq()) fail(n, path, "expected a mapping or a list of KEY=VALUE, got " + kind_name(n));
  for (std::size_t i = 0; i < n.items.size(); ++i) {
    std::string item = as_string(n.items[i], idx(path, i));
    std::size_t eq = item.find('=');
    if (eq == 0) fail(n.items[i], idx(path, i), "expected KEY=VALUE, got '" + item + "'");
    if (eq == std::string::npos)
      out.emplace_back(item, std::nullopt);
    else
      out.emplace_back(item.substr(0, eq), item.substr(eq + 1));
  }
  return out;
}

}  // namespace lit::reconciler::load
