#include "runtime/image/registry/challenge.hpp"

#include <cctype>

namespace lit::image {
namespace {

constexpr std::size_t kMaxHeader = 16 << 10;

bool is_tchar(char c) {
  return std::isalnum(static_cast<unsigned char>(c)) ||
         std::string_view("!#$%&'*+-.^_`|~/").find(c) != std::string_view::npos;
}

std::string lower(std::string_view s) {
  std::string out(s);
  for (char& c : out) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return out;
}

struct Cursor {
  std::string_view s;
  std::size_t i = 0;

  bool done() const { return i >= s.size(); }
  void skip_ws() {
    while (!done() && (s[i] == ' ' || s[i] == '\t')) ++i;
  }
  void skip_ws_commas() {
    while (!done() && (s[i] == ' ' || s[i] == '\t' || s[i] == ',')) ++i;
  }
  std::string_view token() {
    std::size_t start = i;
    while (!done() && is_tchar(s[i])) ++i;
    return s.substr(start, i - start);
  }
  // token, quoted-string (with \-escapes) or a token68 ("abc==").
  std::string value() {
    if (!done() && s[i] == '"') {
      std::string out;
      for (++i; !done() && s[i] != '"'; ++i) {
        if (s[i] == '\\' && i + 1 < s.size()) ++i;
        out += s[i];
      }
      if (!done()) ++i;  // closing quote
      return out;
    }
    std::string out(token());
    while (!done() && s[i] == '=') out += s[i++];
    return out;
  }
  // After a token: is it "name=" (a parameter) rather than a new scheme?
  bool at_equals() {
    std::size_t save = i;
    skip_ws();
    bool eq = !done() && s[i] == '=';
    if (!eq) i = save;
    return eq;
  }
};

}  // namespace

std::vector<Challenge> parse_www_authenticate(std::string_view header) {
  std::vector<Challenge> out;
  if (header.size() > kMaxHeader) header = header.substr(0, kMaxHeader);
  Cursor c{header};
  while (true) {
    c.skip_ws_commas();
    if (c.done()) break;
    std::size_t before = c.i;
    std::string_view name = c.token();
    if (name.empty()) {
      c.i = before + 1;  // not a token character: skip it
      continue;
    }
    if (c.at_equals()) {
      ++c.i;
      c.skip_ws();
      std::string v = c.value();
      if (!out.empty()) out.back().params[lower(name)] = std::move(v);
      continue;
    }
    out.push_back(Challenge{lower(name), {}});
  }
  return out;
}

}  // namespace lit::image
