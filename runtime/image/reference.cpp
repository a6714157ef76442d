#include "runtime/image/reference.hpp"

#include <cctype>
#include <vector>

#include "runtime/image/digest.hpp"
#include "runtime/util/error.hpp"

namespace lit::image {
namespace {

constexpr std::string_view kDockerDomain = "docker.io";
constexpr std::size_t kMaxNameLength = 255;

[[noreturn]] void invalid(std::string_view text, const std::string& why) {
  throw Error("invalid image reference", "\"" + std::string(text) + "\": " + why);
}

bool is_alnum_lower(char c) { return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9'); }
bool is_word(char c) { return std::isalnum(static_cast<unsigned char>(c)) || c == '_'; }

// path-component := [a-z0-9]+ (separator [a-z0-9]+)*, separator := [_.] | __ | -+
bool valid_path_component(std::string_view s) {
  if (s.empty() || !is_alnum_lower(s.front()) || !is_alnum_lower(s.back())) return false;
  for (std::size_t i = 0; i < s.size();) {
    if (is_alnum_lower(s[i])) {
      ++i;
      continue;
    }
    std::size_t j = i;
    while (j < s.size() && !is_alnum_lower(s[j])) ++j;
    std::string_view sep = s.substr(i, j - i);
    bool dashes = sep.find_first_not_of('-') == std::string_view::npos;
    if (!(sep == "." || sep == "_" || sep == "__" || dashes)) return false;
    i = j;
  }
  return true;
}

// domain := component ('.' component)* [':' port], component :=
// [a-zA-Z0-9]([a-zA-Z0-9-]*[a-zA-Z0-9])?
bool valid_domain(std::string_view s) {
  std::string_view host = s;
  if (auto colon = s.rfind(':'); colon != std::string_view::npos) {
    std::string_view port = s.substr(colon + 1);
    if (port.empty() || port.find_first_not_of("0123456789") != std::string_view::npos)
      return false;
    host = s.substr(0, colon);
  }
  if (host.empty()) return false;
  std::size_t start = 0;
  while (start <= host.size()) {
    std::size_t dot = host.find('.', start);
    std::string_view c =
        host.substr(start, dot == std::string_view::npos ? std::string_view::npos : dot - start);
    if (c.empty() || c.front() == '-' || c.back() == '-') return false;
    for (char ch : c) {
      if (!std::isalnum(static_cast<unsigned char>(ch)) && ch != '-') return false;
    }
    if (dot == std::string_view::npos) break;
    start = dot + 1;
  }
  return true;
}

bool valid_tag(std::string_view s) {
  if (s.empty() || s.size() > 128 || !is_word(s.front())) return false;
  for (char c : s) {
    if (!is_word(c) && c != '.' && c != '-') return false;
  }
  return true;
}

// Docker's splitDockerDomain: the first component is a registry only when it
// looks like one (has '.' or ':', or is "localhost") and is not uppercase.
void split_domain(std::string_view name, Reference& ref) {
  auto slash = name.find('/');
  std::string_view first =
      slash == std::string_view::npos ? std::string_view{} : name.substr(0, slash);
  bool lower = first.find_first_of("ABCDEFGHIJKLMNOPQRSTUVWXYZ") == std::string_view::npos;
  if (slash == std::string_view::npos ||
      (first.find_first_of(".:") == std::string_view::npos && first != "localhost" && lower)) {
    ref.domain = kDockerDomain;
    ref.path = name;
  } else {
    ref.domain = first;
    ref.path = name.substr(slash + 1);
  }
  if (ref.domain == "index.docker.io") ref.domain = kDockerDomain;
  if (ref.domain == kDockerDomain && ref.path.find('/') == std::string::npos) {
    ref.path = "library/" + ref.path;
  }
}

}  // namespace

Reference parse_reference(std::string_view text) {
  if (text.empty()) invalid(text, "empty reference");
  Reference ref;
  std::string_view rest = text;
  if (auto at = rest.find('@'); at != std::string_view::npos) {
    ref.digest = rest.substr(at + 1);
    rest = rest.substr(0, at);
    if (!is_sha256_digest(ref.digest))
      invalid(text, "digest must be sha256:<64 lowercase hex digits>");
  }
  // A ':' after the last '/' starts the tag; before it, it is a registry port.
  auto colon = rest.rfind(':');
  auto slash = rest.rfind('/');
  if (colon != std::string_view::npos && (slash == std::string_view::npos || colon > slash)) {
    ref.tag = rest.substr(colon + 1);
    rest = rest.substr(0, colon);
    if (!valid_tag(ref.tag))
      invalid(text, "invalid tag \"" + ref.tag +
                        "\" (allowed: [A-Za-z0-9_.-], at most 128, not starting with '.' or '-')");
  }
  if (rest.empty()) invalid(text, "missing repository name");
  if (rest.size() == 64 && is_lower_hex(rest)) {
    invalid(text,
            "cannot use a 64-character hex string as a repository name (use sha256:<id> for an "
            "image id)");
  }
  if (rest.size() > kMaxNameLength) invalid(text, "repository name longer than 255 characters");
  split_domain(rest, ref);
  if (!valid_domain(ref.domain)) invalid(text, "invalid registry \"" + ref.domain + "\"");
  std::string_view path = ref.path;
  std::size_t start = 0;
  for (;;) {
    std::size_t sl = path.find('/', start);
    std::string_view comp =
        path.substr(start, sl == std::string_view::npos ? std::string_view::npos : sl - start);
    if (!valid_path_component(comp)) {
      for (char c : comp) {
        if (std::isupper(static_cast<unsigned char>(c)))
          invalid(text, "repository name must be lowercase");
      }
      invalid(text, "invalid repository name component \"" + std::string(comp) +
                        "\" (allowed: [a-z0-9] separated by '.', '_', '__' or '-')");
    }
    if (sl == std::string_view::npos) break;
    start = sl + 1;
  }
  if (ref.tag.empty() && ref.digest.empty()) ref.tag = "latest";
  return ref;
}

std::string Reference::str() const {
  std::string s = name();
  if (!tag.empty()) s += ":" + tag;
  if (!digest.empty()) s += "@" + digest;
  return s;
}

std::string Reference::familiar_name() const {
  if (domain != kDockerDomain) return name();
  if (path.starts_with("library/") && path.find('/', 8) == std::string::npos) return path.substr(8);
  return path;
}

std::string Reference::familiar() const {
  std::string s = familiar_name();
  if (!tag.empty()) s += ":" + tag;
  if (!digest.empty()) s += "@" + digest;
  return s;
}

std::string familiar(std::string_view normalized) {
  try {
    return parse_reference(normalized).familiar();
  } catch (const Error&) {
    return std::string(normalized);
  }
}

}  // namespace lit::image
