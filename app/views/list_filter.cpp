// docker's list filters over plain values.
#include "app/views/list_filter.hpp"

#include <algorithm>
#include <regex>

#include "runtime/state/status.hpp"
#include "runtime/util/error.hpp"

namespace lit::app {

namespace {

std::string joined(const std::vector<std::string>& words) {
  std::string out;
  for (const auto& w : words) out += (out.empty() ? "" : ", ") + w;
  return out;
}

void check_value(const std::string& key, const std::string& value, const std::string& flag) {
  auto bad = [&](const std::string& want) {
    throw Error("invalid value \"" + key + "=" + value + "\" for flag " + flag + ": " + key +
                " is one of " + want);
  };
  if (key == "status" && !runtime::parse_container_status(value))
    bad("created, restarting, running, removing, paused, exited, dead");
  if (key == "dangling" && value != "true" && value != "false" && value != "1" && value != "0")
    bad("true, false");
  if ((key == "name" || key == "id") && !value.empty()) {
    try {
      std::regex re(value);
    } catch (const std::regex_error&) {
      throw Error("invalid value \"" + key + "=" + value + "\" for flag " + flag +
                  ": not a regular expression");
    }
  }
}

// docker's Args.Match: equal, or the value as a regular expression found in it.
bool matches_text(const std::vector<std::string>& values, const std::string& source) {
  return std::any_of(values.begin(), values.end(), [&](const std::string& v) {
    return v == source || std::regex_search(source, std::regex(v));
  });
}

bool has_label(const std::map<std::string, std::string>& labels, const std::string& term) {
  auto eq = term.find('=');
  auto it = labels.find(term.substr(0, eq));
  if (it == labels.end()) return false;
  return eq == std::string::npos || it->second == term.substr(eq + 1);
}

bool term_matches(const std::string& key, const std::vector<std::string>& values,
                  const FilterSubject& s) {
  auto any_equal = [&](const std::string& actual) {
    return std::find(values.begin(), values.end(), actual) != values.end();
  };
  if (key == "label")
    return std::all_of(values.begin(), values.end(),
                       [&](const std::string& t) { return has_label(s.labels, t); });
  if (key == "name") return matches_text(values, s.name);
  if (key == "id") return matches_text(values, s.id);
  if (key == "status") return any_equal(s.status);
  if (key == "driver") return any_equal(s.driver);
  if (key == "dangling") {
    bool want = values.back() == "true" || values.back() == "1";
    return s.dangling.value_or(false) == want;
  }
  return true;
}

}  // namespace

ListFilter parse_filters(const std::vector<std::string>& values,
                         const std::vector<std::string>& keys, const std::string& flag) {
  ListFilter out;
  for (const auto& v : values) {
    auto eq = v.find('=');
    if (eq == std::string::npos)
      throw Error("invalid value \"" + v + "\" for flag " + flag +
                  ": bad format of filter (expected name=value)");
    std::string key = v.substr(0, eq), value = v.substr(eq + 1);
    if (std::find(keys.begin(), keys.end(), key) == keys.end())
      throw Error("invalid value \"" + v + "\" for flag " + flag + ": unknown filter \"" + key +
                  "\" (filters: " + joined(keys) + ")");
    check_value(key, value, flag);
    out.terms[key].push_back(value);
  }
  return out;
}

bool filter_matches(const ListFilter& filter, const FilterSubject& subject) {
  return std::all_of(filter.terms.begin(), filter.terms.end(), [&](const auto& term) {
    return term_matches(term.first, term.second, subject);
  });
}

}  // namespace lit::app
