#pragma once
// WWW-Authenticate (RFC 7235) as registries send it on a 401:
//   Bearer realm="https://auth.docker.io/token",service="registry.docker.io",scope="..."
//   Basic realm="Registry Realm"
// A header may hold several challenges; scheme and parameter names are
// case-insensitive (returned lowercase), values are unquoted.
#include <map>
#include <string>
#include <string_view>
#include <vector>

namespace lit::image {

struct Challenge {
  std::string scheme;                         // "bearer", "basic", ...
  std::map<std::string, std::string> params;  // realm, service, scope, error, ...
  std::string param(const std::string& name) const {
    auto it = params.find(name);
    return it == params.end() ? "" : it->second;
  }
};

// Never throws: what does not parse is skipped (a header is untrusted input).
std::vector<Challenge> parse_www_authenticate(std::string_view header);

}  // namespace lit::image
