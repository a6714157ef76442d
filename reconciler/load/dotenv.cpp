#include "reconciler/load/dotenv.hpp"

#include <cctype>
#include <map>

#include "runtime/util/error.hpp"

namespace lit::reconciler::load {

namespace {

std::string trim(std::string_view s) {
  std::size_t b = 0, e = s.size();
  while (b < e && std::isspace(static_cast<unsigned char>(s[b]))) ++b;
  while (e > b && std::isspace(static_cast<unsigned char>(s[e - 1]))) --e;
  return std::string(s.substr(b, e - b));
}

std::string unescape_double(std::string_view s) {
  std::string out;
  for (std::size_t i = 0; i < s.size(); ++i) {
    if (s[i] != '\\' || i + 1 == s.size()) {
      out += s[i];
      continue;
    }
    char c = s[++i];
    switch (c) {
      case 'n':
        out += '\n';
        break;
      case 't':
        out += '\t';
        break;
      case 'r':
        out += '\r';
        break;
      case '"':
        out += '"';
        break;
      case '\\':
        out += '\\';
        break;
      case '$':
        out += "$$";
        break;  // stays a literal $ through interpolation
      default:
        out += '\\';
        out += c;
    }
  }
  return out;
}

}  // namespace

EnvList parse_dotenv(const std::string& text, const std::string& display, const Lookup& lookup) {
  EnvList out;
  std::map<std::string, std::string> seen;
  Lookup chained = [&](const std::string& k) -> std::optional<std::string> {
    if (auto it = seen.find(k); it != seen.end()) return it->second;
    return lookup(k);
  };
  std::size_t pos = 0;
  int lineno = 0;
  while (pos < text.size()) {
    std::size_t nl = text.find('\n', pos);
    if (nl == std::string::npos) nl = text.size();
    std::string line = trim(std::string_view(text).substr(pos, nl - pos));
    pos = nl + 1;
    ++lineno;
    if (line.empty() || line[0] == '#') continue;
    auto where = [&] { return display + ":" + std::to_string(lineno); };
    if (line.rfind("export ", 0) == 0) line = trim(line.substr(7));
    std::size_t eq = line.find('=');
    std::string key = trim(line.substr(0, eq));
    bool valid = !key.empty();
    for (char c : key)
      if (!(std::isalnum(static_cast<unsigned char>(c)) || c == '_' || c == '.' || c == '-'))
        valid = false;
    if (!valid) throw Error(where() + ": invalid variable name '" + key + "'");
    std::string value;
    if (eq == std::string::npos) {
      auto v = lookup(key);
      if (!v) continue;
      value = *v;
    } else {
      std::string raw = trim(line.substr(eq + 1));
      char q = raw.empty() ? '\0' : raw[0];
      if (q == '\'' || q == '"') {
        // A quoted value may span lines until its closing quote.
        while (true) {
          std::size_t close = raw.find(q, 1);
          while (q == '"' && close != std::string::npos && raw[close - 1] == '\\')
            close = raw.find(q, close + 1);
          if (close != std::string::npos) {
            raw = raw.substr(0, close + 1);
            break;
          }
          if (pos >= text.size()) throw Error(where() + ": unterminated quoted value for " + key);
          nl = text.find('\n', pos);
          if (nl == std::string::npos) nl = text.size();
          raw += "\n" + text.substr(pos, nl - pos);
          pos = nl + 1;
          ++lineno;
        }
        std::string inner = raw.substr(1, raw.size() - 2);
        value = q == '\'' ? inner : unescape_double(inner);
        if (q == '"') {
          try {
            value = interpolate(value, chained);
          } catch (const Error& e) {
            throw Error(where() + ": " + e.what());
          }
        }
      } else {
        if (std::size_t hash = raw.find(" #"); hash != std::string::npos)
          raw = trim(raw.substr(0, hash));
        try {
          value = interpolate(raw, chained);
        } catch (const Error& e) {
          throw Error(where() + ": " + e.what());
        }
      }
    }
    seen[key] = value;
    out.emplace_back(key, value);
  }
  return out;
}

EnvList parse_raw_env(const std::string& text, const std::string& display, const Lookup& lookup) {
  EnvList out;
  std::size_t pos = 0;
  int lineno = 0;
  while (pos < text.size()) {
    std::size_t nl = text.find('\n', pos);
    if (nl == std::string::npos) nl = text.size();
    std::string line = text.substr(pos, nl - pos);
    pos = nl + 1;
    ++lineno;
    if (!line.empty() && line.back() == '\r') line.pop_back();
    std::string start = trim(line);
    if (start.empty() || start[0] == '#') continue;
    std::size_t eq = line.find('=');
    std::string key = trim(line.substr(0, eq));
    if (key.empty() || key.find_first_of(" \t") != std::string::npos)
      throw Error(display + ":" + std::to_string(lineno) + ": invalid variable name '" + key + "'");
    if (eq != std::string::npos) {
      out.emplace_back(key, line.substr(eq + 1));
    } else if (auto v = lookup(key)) {
      out.emplace_back(key, *v);
    }
  }
  return out;
}

}  // namespace lit::reconciler::load
