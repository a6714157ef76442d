#pragma once
// Typed reads of tree nodes. Each failure is a located lit::Error naming the
// key path and what was expected ("services.web.replicas: expected an integer, got 'two'").
#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "reconciler/load/diag.hpp"
#include "reconciler/load/tree.hpp"
#include "runtime/util/error.hpp"

namespace lit::reconciler::load {

std::string as_string(const Node& n, const std::string& path);
bool as_bool(const Node& n, const std::string& path);
std::int64_t as_int(const Node& n, const std::string& path);
double as_number(const Node& n, const std::string& path);
std::int64_t as_bytes(const Node& n, const std::string& path);  // 512m or a plain number
std::uint32_t as_mode(const Node& n, const std::string& path);  // octal "0440" or 0440
// "10s", "1m30s"; a bare number is seconds.
std::int64_t as_duration_ns(const Node& n, const std::string& path);
// A string or a list of strings.
std::vector<std::string> as_string_list(const Node& n, const std::string& path);
// A string (split into words) or a list of strings: command, entrypoint.
std::vector<std::string> as_command(const Node& n, const std::string& path);
// A mapping {K: V} or a list ["K=V"]; a missing value is nullopt ("K" or K: null).
std::vector<std::pair<std::string, std::optional<std::string>>> as_kv(const Node& n,
                                                                      const std::string& path);
// Checks that n is a mapping.
void expect_map(const Node& n, const std::string& path);

// Runs one of the runtime's parsers, so a file and a `container run` flag follow
// one set of rules; its error is located at n, keeping its hint.
template <class F>
auto runtime_parse(const Node& n, const std::string& path, F&& parse) {
  try {
    return parse();
  } catch (const Error& e) {
    throw Error(located(n.loc, path, e.what())).with_hint(e.hint());
  }
}

}  // namespace lit::reconciler::load
