#pragma once
// Variable substitution with the rules of BuildKit's shell lexer: quotes are
// removed ('...' literal, "..." with $ expanded), the escape character escapes
// the next character, and $VAR, ${VAR}, ${VAR:-w}, ${VAR-w}, ${VAR:+w},
// ${VAR+w}, ${VAR:?msg}, ${VAR?msg} are expanded from the environment given.
#include <map>
#include <string>
#include <string_view>
#include <vector>

namespace lit::image::build {

using Vars = std::map<std::string, std::string>;

struct Lexed {
  std::string word;                // the whole input, substituted, quotes removed
  std::vector<std::string> words;  // split on blanks outside quotes (after substitution)
};

// Throws lit::Error ("failed to process \"${X:?}\": X: is not allowed to be unset").
Lexed shell_lex(std::string_view input, const Vars& env, char escape = '\\');

inline std::string substitute(std::string_view input, const Vars& env, char escape = '\\') {
  return shell_lex(input, env, escape).word;
}

// A heredoc body (`COPY <<EOF`, unquoted word): only $ forms are expanded and
// only \$ and the escaped escape are unescaped; quotes stay as written.
std::string substitute_heredoc(std::string_view body, const Vars& env, char escape = '\\');

}  // namespace lit::image::build
