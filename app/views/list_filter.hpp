#pragma once
// --filter KEY=VALUE on the list commands, as docker reads it: a key given
// several times matches when any of its values does, different keys must all
// match; label= filters must all match. Pure: the commands turn what they list
// into FilterSubjects and keep those that match.
#include <map>
#include <optional>
#include <string>
#include <vector>

namespace lit::app {

struct ListFilter {
  std::map<std::string, std::vector<std::string>> terms;  // key -> values, as given
  bool empty() const { return terms.empty(); }
  bool has(const std::string& key) const { return terms.contains(key); }
};

// Parses the --filter values, allowing only `keys`. Throws lit::Error in one
// line: a value without "=", an unknown key (naming the keys allowed), a bad
// status= or dangling= value.
ListFilter parse_filters(const std::vector<std::string>& values,
                         const std::vector<std::string>& keys,
                         const std::string& flag = "--filter");

// What a listed thing offers the filters.
struct FilterSubject {
  std::string id, name;
  std::map<std::string, std::string> labels;
  std::string status;            // containers: "running", "exited"...
  std::optional<bool> dangling;  // images: untagged
  std::string driver;            // networks
};

// label=KEY has the label, label=KEY=VALUE has it with that value; name= and
// id= match as docker's (the value equal to, or a regular expression found in,
// the name or id); status= and driver= equal; dangling= true or false.
bool filter_matches(const ListFilter& filter, const FilterSubject& subject);

}  // namespace lit::app
