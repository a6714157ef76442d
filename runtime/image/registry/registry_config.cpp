#include "runtime/image/registry/registry_config.hpp"

#include <yaml-cpp/yaml.h>

#include <algorithm>
#include <cctype>
#include <cerrno>
#include <cstdlib>
#include <fstream>
#include <sstream>

#include "runtime/image/registry/credentials.hpp"
#include "runtime/util/error.hpp"

namespace lit::image {
namespace {

struct Where {
  const std::string& file;
  [[noreturn]] void fail(const YAML::Node& at, const std::string& key,
                         const std::string& message) const {
    const YAML::Mark m = at.Mark();
    const std::string line = m.line >= 0 ? ":" + std::to_string(m.line + 1) : "";
    throw Error(file + line + ": " + key + ": " + message);
  }
};

// HOST[:PORT] (HOST a name, an IPv4 address or a bracketed IPv6 one).
bool valid_host(std::string_view s) {
  if (s.empty()) return false;
  std::string_view host = s, port;
  if (s.starts_with("[")) {
    const std::size_t close = s.find(']');
    if (close == std::string_view::npos || close == 1) return false;
    host = s.substr(1, close - 1);
    if (close + 1 < s.size()) {
      if (s[close + 1] != ':') return false;
      port = s.substr(close + 2);
      if (port.empty()) return false;
    }
    return std::ranges::all_of(host,
                               [](char c) {
                                 return std::isxdigit(static_cast<unsigned char>(c)) || c == ':' ||
                                        c == '.';
                               }) &&
           std::ranges::all_of(
               port, [](char c) { return std::isdigit(static_cast<unsigned char>(c)) != 0; }) &&
           port.size() <= 5;
  }
  if (const std::size_t colon = s.find(':'); colon != std::string_view::npos) {
    host = s.substr(0, colon);
    port = s.substr(colon + 1);
    if (port.empty() || port.size() > 5) return false;
  }
  return !host.empty() && std::ranges::all_of(host, [](char c) {
    return std::isalnum(static_cast<unsigned char>(c)) || c == '.' || c == '-' || c == '_';
  }) && std::ranges::all_of(port, [](char c) {
    return std::isdigit(static_cast<unsigned char>(c)) != 0;
  });
}

// The strings of a list, each with its node (for the line of an error).
std::vector<std::pair<YAML::Node, std::string>> string_list(const YAML::Node& n,
                                                            const std::string& key,
                                                            const Where& w) {
  if (n.IsNull()) return {};
  if (!n.IsSequence()) w.fail(n, key, "expected a list");
  std::vector<std::pair<YAML::Node, std::string>> out;
  for (const auto& item : n) {
    if (!item.IsScalar()) w.fail(item, key, "expected a string");
    out.emplace_back(item, item.Scalar());
  }
  return out;
}

void parse_insecure(const YAML::Node& n, RegistryConfig& c, const Where& w) {
  const std::string key = "registries.insecure";
  for (const auto& [node, item] : string_list(n, key, w)) {
    if (!valid_host(item)) w.fail(node, key, "\"" + item + "\" is not HOST[:PORT]");
    c.insecure.push_back(item);
  }
}

void parse_mirrors(const YAML::Node& n, RegistryConfig& c, const Where& w) {
  if (n.IsNull()) return;
  if (!n.IsMap()) w.fail(n, "registries.mirrors", "expected a mapping of registry to its mirrors");
  for (const auto& kv : n) {
    const std::string registry = kv.first.IsScalar() ? kv.first.Scalar() : "";
    const std::string key = "registries.mirrors." + registry;
    if (!valid_host(registry)) w.fail(kv.first, key, "a registry is HOST[:PORT]");
    std::vector<std::string>& list = c.mirrors[registry_key(registry)];
    for (const auto& [node, m] : string_list(kv.second, key, w)) {
      if (!valid_host(split_mirror(m).second))
        w.fail(node, key, "\"" + m + "\" is not [http[s]://]HOST[:PORT]");
      list.push_back(m);
    }
  }
}

}  // namespace

std::pair<std::string, std::string> split_mirror(std::string_view mirror) {
  std::string scheme;
  for (const char* s : {"http", "https"}) {
    const std::string prefix = std::string(s) + "://";
    if (mirror.starts_with(prefix)) {
      scheme = s;
      mirror.remove_prefix(prefix.size());
    }
  }
  if (mirror.ends_with("/")) mirror.remove_suffix(1);
  return {scheme, std::string(mirror)};
}

RegistryConfig parse_registry_config(std::string_view text, const std::string& file) {
  const Where w{file};
  YAML::Node root;
  try {
    root = YAML::Load(std::string(text));
  } catch (const YAML::Exception& e) {
    throw Error(file + ":" + std::to_string(e.mark.line + 1) + ": invalid YAML: " + e.msg);
  }
  RegistryConfig c;
  if (root.IsNull()) return c;
  if (!root.IsMap()) w.fail(root, "(top level)", "expected a mapping");
  for (const auto& kv : root) {
    const std::string key = kv.first.IsScalar() ? kv.first.Scalar() : "?";
    if (key != "registries") w.fail(kv.first, key, "unknown key (lit's config has: registries)");
    const YAML::Node& reg = kv.second;
    if (reg.IsNull()) continue;
    if (!reg.IsMap()) w.fail(reg, key, "expected a mapping (insecure, mirrors)");
    for (const auto& r : reg) {
      const std::string sub = r.first.IsScalar() ? r.first.Scalar() : "?";
      if (sub == "insecure")
        parse_insecure(r.second, c, w);
      else if (sub == "mirrors")
        parse_mirrors(r.second, c, w);
      else
        w.fail(r.first, "registries." + sub, "unknown key (use insecure, mirrors)");
    }
  }
  return c;
}

std::filesystem::path registry_config_path() {
  const char* env = std::getenv("LIT_CONFIG");
  return env != nullptr && *env != '\0' ? std::filesystem::path(env)
                                        : std::filesystem::path("/etc/lit/config.yml");
}

RegistryConfig load_registry_config(const std::filesystem::path& path) {
  std::error_code ec;
  if (!std::filesystem::exists(path, ec) && !ec) return {};
  std::ifstream in(path, std::ios::binary);
  if (!in) throw Error::sys("read lit's config", path.string(), errno);
  std::stringstream ss;
  ss << in.rdbuf();
  return parse_registry_config(ss.str(), path.string());
}

}  // namespace lit::image
