#include "runtime/image/build/shell_lex.hpp"

#include <cctype>

#include "runtime/util/error.hpp"

namespace lit::image::build {

namespace {

bool blank(char c) {
  return c == ' ' || c == '\t' || c == '\n' || c == '\v' || c == '\f' || c == '\r';
}

// Words as the lexer builds them: characters from quotes and escapes never split.
struct Words {
  std::vector<std::string> done;
  std::string word;
  bool in_word = false;
  void add(char c) {
    if (!blank(c)) return raw(c);
    if (in_word && !word.empty()) done.push_back(std::move(word));
    word.clear();
    in_word = false;
  }
  void raw(char c) {
    word += c;
    in_word = true;
  }
  void add_all(const std::string& s) {
    for (char c : s) add(c);
  }
  void raw_all(const std::string& s) {
    word += s;
    in_word = true;
  }
  std::vector<std::string> finish() {
    if (!word.empty()) done.push_back(std::move(word));
    return std::move(done);
  }
};

struct Lexer {
  std::string_view s;
  const Vars& env;
  char escape;
  std::size_t pos = 0;
  int depth = 0;  // nested ${...}, bounded so that no input can exhaust the stack

  bool at_end() const { return pos >= s.size(); }
  char peek() const { return at_end() ? '\0' : s[pos]; }

  // Reads until stop (consumed) or the end (stop == 0).
  std::string until(char stop, Words* words) {
    std::string out;
    while (!at_end()) {
      char c = s[pos];
      if (stop && c == stop) {
        ++pos;
        return out;
      }
      if (c == '$') {
        std::string v = dollar();
        out += v;
        if (words) words->add_all(v);
      } else if (c == '\'' || c == '"') {
        std::string v = c == '\'' ? single_quoted() : double_quoted();
        out += v;
        if (words) words->raw_all(v);
      } else {
        plain(out, words);
      }
    }
    if (stop)
      throw Error(std::string("unexpected end of statement while looking for matching ") + stop);
    return out;
  }

  void plain(std::string& out, Words* words) {
    char c = s[pos++];
    if (c == escape) {
      if (at_end()) return;  // an escape at the end is dropped
      c = s[pos++];
      if (words) words->raw(c);
    } else if (words) {
      words->add(c);
    }
    out += c;
  }

  std::string single_quoted() {
    std::size_t end = s.find('\'', pos + 1);
    if (end == std::string_view::npos)
      throw Error("unexpected end of statement while looking for matching single-quote");
    std::string out(s.substr(pos + 1, end - pos - 1));
    pos = end + 1;
    return out;
  }

  std::string double_quoted() {
    std::string out;
    ++pos;
    for (;;) {
      if (at_end())
        throw Error("unexpected end of statement while looking for matching double-quote");
      char c = s[pos];
      if (c == '"') {
        ++pos;
        return out;
      }
      if (c == '$') {
        out += dollar();
        continue;
      }
      ++pos;
      if (c == escape) {
        if (at_end()) continue;
        char n = s[pos];
        if (n == '"' || n == '$' || n == escape) c = n, ++pos;
      }
      out += c;
    }
  }

  std::string name() {
    std::size_t start = pos;
    if (!at_end() && std::isdigit(static_cast<unsigned char>(s[pos]))) {
      while (!at_end() && std::isdigit(static_cast<unsigned char>(s[pos]))) ++pos;
      return std::string(s.substr(start, pos - start));
    }
    if (!at_end() && std::string_view("@*#?-$!0").find(s[pos]) != std::string_view::npos)
      return std::string(1, s[pos++]);
    while (!at_end() && (std::isalnum(static_cast<unsigned char>(s[pos])) || s[pos] == '_')) ++pos;
    return std::string(s.substr(start, pos - start));
  }

  const std::string* lookup(const std::string& n) const {
    auto it = env.find(n);
    return it == env.end() ? nullptr : &it->second;
  }

  std::string dollar() {
    ++pos;
    if (peek() != '{') {
      std::string n = name();
      if (n.empty()) return "$";
      const std::string* v = lookup(n);
      return v ? *v : std::string();
    }
    ++pos;
    if (++depth > 64) throw Error("substitutions nested too deeply");
    if (at_end()) throw Error("syntax error: missing '}'");
    if (peek() == '{' || peek() == '}' || peek() == ':')
      throw Error("syntax error: bad substitution");
    std::string n = name();
    if (at_end()) throw Error("syntax error: missing '}'");
    char op = s[pos++];
    std::string out;
    if (op == '}') {
      const std::string* v = lookup(n);
      out = v ? *v : std::string();
    } else {
      out = modifier(n, op);
    }
    --depth;
    return out;
  }

  std::string modifier(const std::string& n, char op) {
    bool colon = op == ':';
    if (colon) {
      if (at_end()) throw Error("syntax error: missing '}'");
      op = s[pos++];
    }
    if (op != '-' && op != '+' && op != '?')
      throw Error(std::string("unsupported modifier (") + (colon ? ":" : "") + op +
                  ") in substitution");
    std::string word;
    try {
      word = until('}', nullptr);
    } catch (const Error&) {
      if (at_end()) throw Error("syntax error: missing '}'");
      throw;
    }
    const std::string* v = lookup(n);
    bool missing = !v || (colon && v->empty());
    if (op == '-') return missing ? word : *v;
    if (op == '+') return missing ? std::string() : word;
    if (missing)
      throw Error(n + ": " +
                  (!word.empty() ? word
                   : !v          ? "is not allowed to be unset"
                                 : "is not allowed to be empty"));
    return *v;
  }
};

}  // namespace

std::string substitute_heredoc(std::string_view body, const Vars& env, char escape) {
  std::string out;
  for (std::size_t i = 0; i < body.size();) {
    char c = body[i];
    if (c == escape && i + 1 < body.size() && (body[i + 1] == '$' || body[i + 1] == escape)) {
      out += body[i + 1];
      i += 2;
    } else if (c == '$') {
      std::size_t end = i + 1;
      if (end < body.size() && body[end] == '{') {
        end = body.find('}', end);
        end = end == std::string_view::npos ? body.size() : end + 1;
      } else {
        while (end < body.size() &&
               (std::isalnum(static_cast<unsigned char>(body[end])) || body[end] == '_'))
          ++end;
      }
      out += shell_lex(body.substr(i, end - i), env, escape).word;
      i = end;
    } else {
      out += c;
      ++i;
    }
  }
  return out;
}

Lexed shell_lex(std::string_view input, const Vars& env, char escape) {
  Lexer lx{input, env, escape};
  Words words;
  try {
    std::string word = lx.until(0, &words);
    return Lexed{std::move(word), words.finish()};
  } catch (const Error& e) {
    throw Error("failed to process \"" + std::string(input) + "\": " + e.what());
  }
}

}  // namespace lit::image::build
