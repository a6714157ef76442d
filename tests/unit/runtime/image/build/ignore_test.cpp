// .dockerignore: docker's pattern rules (moby/patternmatcher's cases and the
// documented examples), exceptions, and when a directory walk may skip a directory.
#include "runtime/image/build/ignore.hpp"

#include <gtest/gtest.h>

#include <fstream>

#include "tests/unit/error_of.hpp"

namespace {

using namespace lit::image::build;
using lit::testing::error_of;

bool match(const std::string& pattern, const std::string& path) {
  return IgnoreMatcher({pattern}).excluded(path);
}

struct Case {
  const char* pattern;
  const char* path;
  bool excluded;
};

// The matching cases of moby/patternmatcher's tests.
TEST(Ignore, PatternMatcherCases) {
  const Case cases[] = {
      {"**", "file", true},
      {"**", "file/", true},
      {"**/", "file", true},
      {"**file", "file", true},
      {"**file", "dir/file", true},
      {"**/file", "dir/file", true},
      {"**file", "dir/dir/file", true},
      {"**/file", "dir/dir/file", true},
      {"**/file*", "dir/dir/file", true},
      {"**/file*", "dir/dir/file.txt", true},
      {"**/file*txt", "dir/dir/file.txt", true},
      {"**/file*.txt", "dir/dir/file.txt", true},
      {"**/file*.txt*", "dir/dir/file.txt", true},
      {"**/**/*.txt", "dir/dir/file.txt", true},
      {"**/**/*.txt2", "dir/dir/file.txt", false},
      {"**/*.txt", "file.txt", true},
      {"**/**/*.txt", "file.txt", true},
      {"a**/*.txt", "a/file.txt", true},
      {"a**/*.txt", "a/dir/file.txt", true},
      {"a**/*.txt", "a/dir/dir/file.txt", true},
      {"a/*.txt", "a/dir/file.txt", false},
      {"a/*.txt", "a/file.txt", true},
      {"a/*.txt**", "a/file.txt", true},
      {"a[b-d]e", "ae", false},
      {"a[b-d]e", "ace", true},
      {"a[b-d]e", "aae", false},
      {"a[^b-d]e", "aze", true},
      {".*", ".foo", true},
      {".*", "foo", false},
      {"abc.def", "abcdef", false},
      {"abc.def", "abc.def", true},
      {"abc.def", "abcZdef", false},
      {"abc?def", "abcZdef", true},
      {"abc?def", "abcdef", false},
      {"a\\\\", "a\\", true},
      {"**/foo/bar", "foo/bar", true},
      {"**/foo/bar", "dir/foo/bar", true},
      {"**/foo/bar", "dir/dir2/foo/bar", true},
      {"abc/**", "abc", false},
      {"abc/**", "abc/def", true},
      {"abc/**", "abc/def/ghi", true},
      {"**/.foo", ".foo", true},
      {"**/.foo", "bar.foo", false},
      {"a(b)c/def", "a(b)c/def", true},
      {"a(b)c/def", "a(b)c/xyz", false},
      {"a.|)$(}+{bc", "a.|)$(}+{bc", true},
      {"dist/*.whl", "dist/proxy.py-2.4.0rc3.dev36+g08acad9-py3-none-any.whl", true},
      {"a?c", "a/c", false},
      {"a*", "ab/c", true},  // the parent "ab" matches
      {"h\\*llo", "h*llo", true},
      {"h\\*llo", "hello", false},
      {"[\\]a]", "]", true},
      {"?", "\xc3\xa9", true},  // one character, two bytes
  };
  for (const auto& c : cases)
    EXPECT_EQ(match(c.pattern, c.path), c.excluded) << c.pattern << " on " << c.path;
}

// The examples of the Dockerfile reference, ".dockerignore file".
TEST(Ignore, DockerReferenceExamples) {
  auto m = IgnoreMatcher::parse("# comment\n*/temp*\n*/*/temp*\ntemp?\n");
  EXPECT_TRUE(m.excluded("somedir/temporary.txt"));
  EXPECT_TRUE(m.excluded("somedir/temp"));
  EXPECT_TRUE(m.excluded("somedir/temp/inside"));
  EXPECT_TRUE(m.excluded("somedir/subdir/temporary.txt"));
  EXPECT_TRUE(m.excluded("tempa"));
  EXPECT_FALSE(m.excluded("temporary.txt"));
  EXPECT_FALSE(m.excluded("a/b/c/temp"));
  EXPECT_FALSE(m.excluded("# comment"));

  EXPECT_TRUE(IgnoreMatcher::parse("**/*.go\n").excluded("a/b/main.go"));

  auto readme = IgnoreMatcher::parse("*.md\n!README.md\n");
  EXPECT_TRUE(readme.excluded("CHANGES.md"));
  EXPECT_FALSE(readme.excluded("README.md"));

  auto secret = IgnoreMatcher::parse("*.md\n!README*.md\nREADME-secret.md\n");
  EXPECT_TRUE(secret.excluded("README-secret.md"));
  EXPECT_FALSE(secret.excluded("README-public.md"));
  EXPECT_TRUE(secret.excluded("other.md"));

  auto last_wins = IgnoreMatcher::parse("*.md\nREADME-secret.md\n!README*.md\n");
  EXPECT_FALSE(last_wins.excluded("README-secret.md"));
}

TEST(Ignore, FileSyntax) {
  auto m = IgnoreMatcher::parse(
      "\xEF\xBB\xBF# comment\n\n   \n/build/\n./cache\n  spaced  \n! keep.txt\n #not-comment\n"
      "a/../b\r\n");
  std::vector<std::string> texts;
  for (const auto& p : m.patterns()) texts.push_back((p.exception ? "!" : "") + p.text);
  EXPECT_EQ(texts, (std::vector<std::string>{"build", "cache", "spaced", "!keep.txt",
                                             "#not-comment", "b"}));
  EXPECT_TRUE(m.excluded("build/x/y.o"));
  EXPECT_TRUE(m.excluded("./cache/z"));
  EXPECT_FALSE(m.excluded("builder"));
  EXPECT_FALSE(m.excluded("."));
  EXPECT_TRUE(IgnoreMatcher().empty());
  EXPECT_FALSE(IgnoreMatcher().excluded("anything"));
}

TEST(Ignore, ExceptionsReIncludeBelowAnExcludedDirectory) {
  auto m = IgnoreMatcher::parse("build\n!build/keep\n");
  EXPECT_TRUE(m.excluded("build"));
  EXPECT_TRUE(m.excluded("build/other.o"));
  EXPECT_FALSE(m.excluded("build/keep"));
  EXPECT_FALSE(m.excluded("build/keep/deep/file"));
}

TEST(Ignore, SkipDirectoryOnlyWhenNothingInsideCanComeBack) {
  EXPECT_TRUE(IgnoreMatcher({"node_modules"}).skip_directory("node_modules"));
  EXPECT_FALSE(IgnoreMatcher({"node_modules"}).skip_directory("src"));
  EXPECT_FALSE(IgnoreMatcher({"build", "!build/keep.txt"}).skip_directory("build"));
  EXPECT_TRUE(IgnoreMatcher({"build", "!docs/*.md"}).skip_directory("build"));
  EXPECT_FALSE(IgnoreMatcher({"build", "!**/*.md"}).skip_directory("build"));
  EXPECT_FALSE(IgnoreMatcher({"build", "!*/keep"}).skip_directory("build"));
  EXPECT_FALSE(IgnoreMatcher({"a", "!a/b/c"}).skip_directory("a/b"));
  EXPECT_TRUE(IgnoreMatcher({"a", "!a/x/c"}).skip_directory("a/b"));
  EXPECT_TRUE(IgnoreMatcher({"*", "!src"}).skip_directory("lib"));
  EXPECT_FALSE(IgnoreMatcher({"*", "!src"}).skip_directory("src"));
  EXPECT_FALSE(IgnoreMatcher({"build", "![a-z]uild/x"}).skip_directory("build"));
}

TEST(Ignore, BadPatternsAreErrors) {
  EXPECT_EQ(error_of([] { IgnoreMatcher::parse("ok\n[a-\n"); }),
            ".dockerignore:2: syntax error in pattern: \"[a-\"");
  EXPECT_EQ(error_of([] { IgnoreMatcher::parse("!\n", "Containerfile.dockerignore"); }),
            "Containerfile.dockerignore:1: illegal exclusion pattern: \"!\"");
  EXPECT_EQ(error_of([] { IgnoreMatcher({"a\\"}); }), "syntax error in pattern: \"a\\\"");
  EXPECT_EQ(error_of([] { IgnoreMatcher({"[]a]"}); }), "syntax error in pattern: \"[]a]\"");
  EXPECT_EQ(error_of([] { IgnoreMatcher({"[z-"}); }), "syntax error in pattern: \"[z-\"");
}

TEST(Ignore, CleanPathLikeGo) {
  EXPECT_EQ(clean_path(""), ".");
  EXPECT_EQ(clean_path("./a//b/../c/"), "a/c");
  EXPECT_EQ(clean_path("/../a"), "/a");
  EXPECT_EQ(clean_path("../a"), "../a");
  EXPECT_EQ(clean_path("a/../.."), "..");
  EXPECT_EQ(clean_path("/"), "/");
}

TEST(Ignore, FindsTheIgnoreFileLikeBuildKit) {
  auto dir =
      std::filesystem::temp_directory_path() / ("lit-ignore-test-" + std::to_string(getpid()));
  std::filesystem::create_directories(dir / "ctx");
  auto write = [](const std::filesystem::path& p, const char* text) { std::ofstream(p) << text; };
  EXPECT_FALSE(find_ignore_file(dir / "ctx", dir / "ctx/Containerfile"));
  EXPECT_TRUE(load_ignore(dir / "ctx", dir / "ctx/Containerfile").empty());
  write(dir / "ctx/.dockerignore", "*.log\n");
  EXPECT_EQ(find_ignore_file(dir / "ctx", dir / "ctx/Containerfile"), dir / "ctx/.dockerignore");
  write(dir / "ctx/.containerignore", "*.tmp\n");
  EXPECT_EQ(find_ignore_file(dir / "ctx", dir / "ctx/Containerfile"), dir / "ctx/.containerignore");
  write(dir / "Dockerfile.dockerignore", "secret\n");
  EXPECT_EQ(find_ignore_file(dir / "ctx", dir / "Dockerfile"), dir / "Dockerfile.dockerignore");
  auto m = load_ignore(dir / "ctx", dir / "Dockerfile");
  EXPECT_TRUE(m.excluded("secret"));
  EXPECT_FALSE(m.excluded("a.log"));
  std::filesystem::remove_all(dir);
}

}  // namespace
