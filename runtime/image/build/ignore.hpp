#pragma once
// .dockerignore with docker's rules (moby/patternmatcher and ignorefile):
// one pattern a line, `#` comments at the start of a line, blank lines
// skipped, patterns cleaned (`./a` and `/a` are `a`), Go filepath.Match syntax
// (`*` `?` `[a-z]` `\x`) plus `**` for any number of directories, `!` an
// exception that re-includes, the last matching pattern wins, and a pattern
// matching a directory excludes everything below it.
#include <filesystem>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace lit::image::build {

// One compiled pattern (internal form of the matcher, exposed for tests).
struct IgnorePattern {
  std::string text;  // cleaned, without the `!`
  bool exception = false;
  enum class Kind { literal, star, star_star, star_star_end, any, cls };
  struct Token {
    Kind kind;
    char32_t ch = 0;  // literal
    std::vector<std::pair<char32_t, char32_t>> ranges;
    bool negated = false;
  };
  std::vector<Token> tokens;
  bool suffix_only = false;  // "**text": BuildKit matches any path ending in text

  // Throws lit::Error ("syntax error in pattern") for a malformed pattern.
  static IgnorePattern compile(std::string cleaned, bool exception);
  bool matches(std::string_view path) const;
};

class IgnoreMatcher {
 public:
  IgnoreMatcher() = default;
  // Patterns as docker's API takes them (already read from a file); throws lit::Error.
  explicit IgnoreMatcher(const std::vector<std::string>& patterns);
  // A .dockerignore file's text; errors name file:line.
  static IgnoreMatcher parse(std::string_view text, const std::string& file = ".dockerignore");

  // Whether a path relative to the context ("src/a.c") is left out of it.
  bool excluded(std::string_view relative_path) const;
  // Whether a directory is excluded and no exception could re-include anything
  // below it, so a walk of the context need not descend into it.
  bool skip_directory(std::string_view relative_dir) const;

  const std::vector<IgnorePattern>& patterns() const { return patterns_; }
  bool empty() const { return patterns_.empty(); }

 private:
  void add(std::string pattern);
  std::vector<IgnorePattern> patterns_;
  bool exceptions_ = false;
};

// Go's filepath.Clean for slash paths ("./a//b/../c/" -> "a/c", "" -> ".").
std::string clean_path(std::string_view p);

// The ignore file BuildKit (and podman) use for a build: <Containerfile>.dockerignore
// beside the Containerfile, else .containerignore or .dockerignore in the context.
std::optional<std::filesystem::path> find_ignore_file(const std::filesystem::path& context,
                                                      const std::filesystem::path& containerfile);

// The matcher for a build (empty when there is no ignore file).
IgnoreMatcher load_ignore(const std::filesystem::path& context,
                          const std::filesystem::path& containerfile);

}  // namespace lit::image::build
