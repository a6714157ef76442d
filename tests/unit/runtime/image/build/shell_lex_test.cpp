// Variable substitution with the shell lexer's rules (BuildKit's shell/lex.go cases).
#include "runtime/image/build/shell_lex.hpp"

#include <gtest/gtest.h>

#include "tests/unit/error_of.hpp"

namespace {

using namespace lit::image::build;
using lit::testing::error_of;

const Vars env{
    {"PWD", "/home"}, {"SHELL", "bash"}, {"FOO", "foo"}, {"EMPTY", ""}, {"SPACED", "a  b"}};

TEST(ShellLex, PlainAndBracedVariables) {
  EXPECT_EQ(substitute("$PWD", env), "/home");
  EXPECT_EQ(substitute("${PWD}", env), "/home");
  EXPECT_EQ(substitute("x${PWD}y", env), "x/homey");
  EXPECT_EQ(substitute("$PWD/x", env), "/home/x");
  EXPECT_EQ(substitute("$UNSET", env), "");
  EXPECT_EQ(substitute("a$", env), "a$");
  EXPECT_EQ(substitute("$.", env), "$.");
  EXPECT_EQ(substitute("$1 $@", env), " ");
  EXPECT_EQ(substitute("$FOO_bar", env), "");
}

TEST(ShellLex, Modifiers) {
  EXPECT_EQ(substitute("${UNSET:-default}", env), "default");
  EXPECT_EQ(substitute("${EMPTY:-default}", env), "default");
  EXPECT_EQ(substitute("${EMPTY-default}", env), "");
  EXPECT_EQ(substitute("${UNSET-default}", env), "default");
  EXPECT_EQ(substitute("${FOO:-default}", env), "foo");
  EXPECT_EQ(substitute("${FOO:+alt}", env), "alt");
  EXPECT_EQ(substitute("${EMPTY:+alt}", env), "");
  EXPECT_EQ(substitute("${EMPTY+alt}", env), "alt");
  EXPECT_EQ(substitute("${UNSET+alt}", env), "");
  EXPECT_EQ(substitute("${UNSET:-${FOO}-x}", env), "foo-x");
  EXPECT_EQ(substitute("${UNSET:-'quoted }'}", env), "quoted }");
  EXPECT_EQ(substitute("${FOO:?must be set}", env), "foo");
  EXPECT_EQ(substitute("${EMPTY?must}", env), "");
}

TEST(ShellLex, RequiredVariablesFail) {
  EXPECT_EQ(error_of([] { substitute("${UNSET:?}", env); }),
            "failed to process \"${UNSET:?}\": UNSET: is not allowed to be unset");
  EXPECT_EQ(error_of([] { substitute("${EMPTY:?}", env); }),
            "failed to process \"${EMPTY:?}\": EMPTY: is not allowed to be empty");
  EXPECT_EQ(error_of([] { substitute("${UNSET?set it in .env}", env); }),
            "failed to process \"${UNSET?set it in .env}\": UNSET: set it in .env");
}

TEST(ShellLex, SyntaxErrors) {
  EXPECT_EQ(error_of([] { substitute("${FOO", env); }),
            "failed to process \"${FOO\": syntax error: missing '}'");
  EXPECT_EQ(error_of([] { substitute("${}", env); }),
            "failed to process \"${}\": syntax error: bad substitution");
  EXPECT_EQ(error_of([] { substitute("${:x}", env); }),
            "failed to process \"${:x}\": syntax error: bad substitution");
  EXPECT_EQ(error_of([] { substitute("${FOO:-x", env); }),
            "failed to process \"${FOO:-x\": syntax error: missing '}'");
  EXPECT_EQ(error_of([] { substitute("${FOO!x}", env); }),
            "failed to process \"${FOO!x}\": unsupported modifier (!) in substitution");
  EXPECT_EQ(error_of([] { substitute("'open", env); }),
            "failed to process \"'open\": unexpected end of statement while looking for matching "
            "single-quote");
  EXPECT_EQ(error_of([] { substitute("\"open", env); }),
            "failed to process \"\"open\": unexpected end of statement while looking for "
            "matching double-quote");
}

TEST(ShellLex, QuotesAndEscapes) {
  EXPECT_EQ(substitute("'$FOO'", env), "$FOO");
  EXPECT_EQ(substitute("\"$FOO\"", env), "foo");
  EXPECT_EQ(substitute("\"a 'b' \\\"c\\\" \\x\"", env), "a 'b' \"c\" \\x");
  EXPECT_EQ(substitute("\\$FOO", env), "$FOO");
  EXPECT_EQ(substitute("\\\\$FOO", env), "\\foo");
  EXPECT_EQ(substitute("a\\ b", env), "a b");
  EXPECT_EQ(substitute("trailing\\", env), "trailing");
  // With the backtick escape a backslash is an ordinary character.
  EXPECT_EQ(substitute("c:\\dir `$FOO", env, '`'), "c:\\dir $FOO");
}

TEST(ShellLex, WordsSplitAfterSubstitution) {
  EXPECT_EQ(shell_lex("$SPACED c", env).words, (std::vector<std::string>{"a", "b", "c"}));
  EXPECT_EQ(shell_lex("\"$SPACED\" c", env).words, (std::vector<std::string>{"a  b", "c"}));
  EXPECT_EQ(shell_lex("x\\ y  z", env).words, (std::vector<std::string>{"x y", "z"}));
  EXPECT_EQ(shell_lex("$EMPTY", env).words, (std::vector<std::string>{}));
}

// The examples of the Dockerfile reference, "Environment replacement".
TEST(ShellLex, DockerReferenceExamples) {
  Vars foo{{"FOO", "/bar"}};
  EXPECT_EQ(substitute("${FOO}", foo), "/bar");  // WORKDIR ${FOO}
  EXPECT_EQ(substitute("$FOO", foo), "/bar");    // ADD . $FOO
  EXPECT_EQ(substitute("\\$FOO", foo), "$FOO");  // COPY \$FOO /quux
  EXPECT_EQ(substitute("${variable:-word}", {}), "word");
  EXPECT_EQ(substitute("${variable:+word}", {{"variable", "x"}}), "word");
  EXPECT_EQ(substitute("${variable:+word}", {}), "");
}

TEST(ShellLex, HeredocBodiesKeepQuotes) {
  EXPECT_EQ(substitute_heredoc("echo \"$FOO\" '${PWD}' \\$FOO \\n\n", env),
            "echo \"foo\" '/home' $FOO \\n\n");
}

TEST(ShellLex, DeepNestingIsAnError) {
  std::string deep;
  for (int i = 0; i < 100; ++i) deep += "${A:-";
  deep += std::string(100, '}');
  EXPECT_NE(error_of([&] { substitute(deep, {}); }).find("nested too deeply"), std::string::npos);
}

}  // namespace
