// The Containerfile parser: stages, every instruction's typed form, the line
// rules (continuations, comments, directives, heredocs) and the errors users see.
#include "runtime/image/build/containerfile.hpp"

#include <gtest/gtest.h>

#include "tests/unit/error_of.hpp"

namespace {

using namespace lit::image::build;
namespace build = lit::image::build;
using lit::testing::error_of;

Containerfile parse(std::string_view text) { return parse_containerfile(text, "Containerfile"); }

std::string parse_error(std::string_view text) {
  return error_of([&] { (void)parse(text); });
}

std::string hint_of(std::string_view text) {
  try {
    (void)parse(text);
  } catch (const lit::Error& e) {
    return e.hint();
  }
  return "";
}

template <class T>
const T& only(const Containerfile& cf, std::size_t stage = 0, std::size_t step = 0) {
  return std::get<T>(cf.stages.at(stage).steps.at(step).what);
}

TEST(Containerfile, StagesWithNamesAndBases) {
  auto cf = parse(
      "FROM busybox AS Build\n"
      "RUN make\n"
      "from scratch\n"
      "FROM build as final\n");
  ASSERT_EQ(cf.stages.size(), 3u);
  EXPECT_EQ(cf.stages[0].base, "busybox");
  EXPECT_EQ(cf.stages[0].name, "build");
  EXPECT_EQ(cf.stages[0].line, 1);
  EXPECT_EQ(cf.stages[0].steps.size(), 1u);
  EXPECT_EQ(cf.stages[1].base, "scratch");
  EXPECT_EQ(cf.stages[1].name, "");
  EXPECT_EQ(cf.stages[1].line, 3);
  EXPECT_EQ(cf.stages[2].base, "build");
  EXPECT_EQ(cf.stages[2].name, "final");
}

TEST(Containerfile, GlobalArgsBeforeFrom) {
  auto cf = parse("ARG BASE=busybox\nARG TAG\nFROM ${BASE}:${TAG:-latest}\n");
  ASSERT_EQ(cf.global_args.size(), 2u);
  const auto& a = std::get<Arg>(cf.global_args[0].what);
  EXPECT_EQ(a.args, (std::vector<ArgDecl>{{"BASE", "busybox"}}));
  EXPECT_EQ(std::get<Arg>(cf.global_args[1].what).args, (std::vector<ArgDecl>{{"TAG", {}}}));
  EXPECT_EQ(cf.stages[0].base, "${BASE}:${TAG:-latest}");
}

TEST(Containerfile, FromPlatformIsRefused) {
  EXPECT_EQ(parse_error("FROM --platform=linux/arm64 busybox\n"),
            "Containerfile:1: FROM: --platform is not supported by lit");
  EXPECT_EQ(hint_of("FROM --platform=linux/arm64 busybox\n"),
            "lit builds for the host's platform: remove --platform");
}

TEST(Containerfile, FromErrors) {
  EXPECT_EQ(parse_error("FROM a b\n"),
            "Containerfile:1: FROM: requires either one or three arguments");
  EXPECT_EQ(parse_error("FROM\n"), "Containerfile:1: FROM: requires either one or three arguments");
  EXPECT_EQ(parse_error("FROM a AS 1x\n"),
            "Containerfile:1: FROM: invalid name for build stage: \"1x\"");
  EXPECT_EQ(parse_error("RUN true\n"), "Containerfile:1: RUN before the first FROM");
  EXPECT_EQ(parse_error("# just a comment\n\n"), "Containerfile:2: file with no instructions");
  EXPECT_EQ(parse_error("ARG A=1\n"), "Containerfile:1: no FROM instruction");
}

TEST(Containerfile, UnknownInstructionNamesLineAndSuggests) {
  std::string text = "FROM busybox\n\n# copy\nRUN a \\\n  b\n\nCPY a /b\n";
  EXPECT_EQ(parse_error(text), "Containerfile:7: unknown instruction \"CPY\"");
  EXPECT_EQ(hint_of(text), "did you mean COPY?");
  EXPECT_EQ(parse_error("FROM a\nfrobnicate x\n"),
            "Containerfile:2: unknown instruction \"frobnicate\"");
}

TEST(Containerfile, EnvBothForms) {
  auto cf = parse(
      "FROM a\n"
      "ENV A=1 B=\"two words\" C=x\\ y\n"
      "ENV LEGACY the rest of the line\n"
      "env lower=case\n");
  EXPECT_EQ(only<Env>(cf, 0, 0).vars,
            (std::vector<KeyValue>{{"A", "1"}, {"B", "\"two words\""}, {"C", "x\\ y"}}));
  EXPECT_EQ(only<Env>(cf, 0, 1).vars, (std::vector<KeyValue>{{"LEGACY", "the rest of the line"}}));
  EXPECT_EQ(only<Env>(cf, 0, 2).vars, (std::vector<KeyValue>{{"lower", "case"}}));
}

TEST(Containerfile, EnvErrors) {
  EXPECT_EQ(parse_error("FROM a\nENV\n"), "Containerfile:2: ENV: requires at least one argument");
  EXPECT_EQ(parse_error("FROM a\nENV ONLY\n"), "Containerfile:2: ENV: must have two arguments");
  EXPECT_EQ(parse_error("FROM a\nENV A=1 B\n"), "Containerfile:2: ENV: can't find = in \"B\"");
  EXPECT_EQ(parse_error("FROM a\nENV =1\n"), "Containerfile:2: ENV: names can not be blank");
  EXPECT_EQ(parse_error("FROM a\nARG =1\n"), "Containerfile:2: ARG: names can not be blank");
}

TEST(Containerfile, LabelAndMaintainer) {
  auto cf = parse(
      "FROM a\n"
      "LABEL org.opencontainers.image.title=\"My app\" version=1.0\n"
      "MAINTAINER Jane Doe <jane@example.com>\n");
  EXPECT_EQ(only<Label>(cf, 0, 0).labels,
            (std::vector<KeyValue>{{"org.opencontainers.image.title", "\"My app\""},
                                   {"version", "1.0"}}));
  const auto& m = only<Label>(cf, 0, 1);
  EXPECT_EQ(m.labels, (std::vector<KeyValue>{{"maintainer", "Jane Doe <jane@example.com>"}}));
  EXPECT_TRUE(m.literal);
}

TEST(Containerfile, SimpleStringInstructions) {
  auto cf = parse("FROM a\nWORKDIR /app dir\nUSER 1000:1000\nSTOPSIGNAL SIGTERM\n");
  EXPECT_EQ(only<Workdir>(cf, 0, 0).path, "/app dir");
  EXPECT_EQ(only<User>(cf, 0, 1).user, "1000:1000");
  EXPECT_EQ(only<StopSignal>(cf, 0, 2).signal, "SIGTERM");
  EXPECT_EQ(parse_error("FROM a\nWORKDIR\n"),
            "Containerfile:2: WORKDIR: requires exactly one argument");
  EXPECT_EQ(parse_error("FROM a\nUSER\n"), "Containerfile:2: USER: requires exactly one argument");
}

TEST(Containerfile, CopyAndAdd) {
  auto cf = parse(
      "FROM a\n"
      "COPY --from=build --chown=1:2 --chmod=0755 --link a b /dst/\n"
      "COPY [\"with space\", \"/d i r/\"]\n"
      "ADD --chown=app site.tar.gz /srv\n"
      "copy --link=false x y\n");
  const auto& c = only<Copy>(cf, 0, 0);
  EXPECT_FALSE(c.add);
  EXPECT_EQ(c.sources, (std::vector<std::string>{"a", "b"}));
  EXPECT_EQ(c.dest, "/dst/");
  EXPECT_EQ(c.from, "build");
  EXPECT_EQ(c.chown, "1:2");
  EXPECT_EQ(c.chmod, "0755");
  EXPECT_TRUE(c.link);
  const auto& j = only<Copy>(cf, 0, 1);
  EXPECT_EQ(j.sources, (std::vector<std::string>{"with space"}));
  EXPECT_EQ(j.dest, "/d i r/");
  const auto& a = only<Copy>(cf, 0, 2);
  EXPECT_TRUE(a.add);
  EXPECT_EQ(a.chown, "app");
  EXPECT_EQ(instruction_name(cf.stages[0].steps[2].what), "ADD");
  EXPECT_FALSE(only<Copy>(cf, 0, 3).link);
}

TEST(Containerfile, CopyErrors) {
  EXPECT_EQ(parse_error("FROM a\nCOPY onlyone\n"),
            "Containerfile:2: COPY: requires at least two arguments, but only one was provided");
  EXPECT_EQ(hint_of("FROM a\nCOPY onlyone\n"), "write COPY SOURCE... DEST");
  EXPECT_EQ(parse_error("FROM a\nADD --from=x a b\n"),
            "Containerfile:2: ADD: unknown flag: --from");
  EXPECT_EQ(parse_error("FROM a\nCOPY --chown a b\n"),
            "Containerfile:2: COPY: missing a value on flag: --chown");
  EXPECT_EQ(parse_error("FROM a\nCOPY --from=a --from=b a b\n"),
            "Containerfile:2: COPY: duplicate flag specified: --from");
  EXPECT_EQ(parse_error("FROM a\nCOPY --link=maybe a b\n"),
            "Containerfile:2: COPY: expecting boolean value for flag link, not: maybe");
  EXPECT_EQ(parse_error("FROM a\nCOPY [\"a\", 1]\n"),
            "Containerfile:2: COPY: when using JSON array syntax, arrays must be comprised of "
            "strings only");
  EXPECT_EQ(parse_error("FROM a\nCOPY a <<EOF\nx\nEOF\n"),
            "Containerfile:2: COPY: cannot accept a heredoc as a destination");
}

TEST(Containerfile, CopyHeredocSource) {
  auto cf = parse("FROM a\nCOPY <<EOF /etc/motd\nhello $USER\nEOF\nCOPY <<'RAW' /x\n$raw\nRAW\n");
  const auto& c = only<Copy>(cf, 0, 0);
  EXPECT_TRUE(c.sources.empty());
  EXPECT_EQ(c.inline_sources, (std::vector<Heredoc>{{"EOF", "hello $USER\n", false, true}}));
  EXPECT_EQ(c.dest, "/etc/motd");
  EXPECT_EQ(only<Copy>(cf, 0, 1).inline_sources,
            (std::vector<Heredoc>{{"RAW", "$raw\n", false, false}}));
  EXPECT_EQ(cf.stages[0].steps[1].line, 5);
}

TEST(Containerfile, RunShellAndExecForms) {
  auto cf = parse(
      "FROM a\n"
      "RUN echo \"hi\" && ls   \n"
      "RUN [\"/bin/echo\", \"a b\"]\n"
      "RUN [not json\n");
  EXPECT_EQ(only<build::Run>(cf, 0, 0).command, (CommandLine{{"echo \"hi\" && ls"}, true}));
  EXPECT_EQ(only<build::Run>(cf, 0, 1).command, (CommandLine{{"/bin/echo", "a b"}, false}));
  EXPECT_EQ(only<build::Run>(cf, 0, 2).command, (CommandLine{{"[not json"}, true}));
  EXPECT_EQ(parse_error("FROM a\nRUN\n"), "Containerfile:2: RUN: requires at least one argument");
}

TEST(Containerfile, RunMountsAndNetwork) {
  auto cf = parse(
      "FROM a\n"
      "RUN --mount=type=cache,target=/root/.cache,id=pip,sharing=locked --network=none "
      "--mount=type=cache,dst=/var/cache/apt,ro,mode=0700,uid=1,gid=2 pip install x\n");
  const auto& r = only<build::Run>(cf, 0, 0);
  ASSERT_EQ(r.mounts.size(), 2u);
  build::RunMount pip;
  pip.type = "cache";
  pip.target = "/root/.cache";
  pip.id = "pip";
  pip.sharing = "locked";
  EXPECT_EQ(r.mounts[0], pip);
  build::RunMount apt;
  apt.type = "cache";
  apt.target = "/var/cache/apt";
  apt.read_only = true;
  apt.mode = 0700u;
  apt.uid = 1u;
  apt.gid = 2u;
  EXPECT_EQ(r.mounts[1], apt);
  EXPECT_EQ(r.network, "none");
  EXPECT_EQ(r.command.args, (std::vector<std::string>{"pip install x"}));
}

TEST(Containerfile, RunBindAndTmpfsMounts) {
  auto cf = parse(
      "FROM a\n"
      "RUN --mount=target=/src --mount=type=bind,from=builder,source=/out,target=/in "
      "--mount=type=tmpfs,target=/scratch,size=64m make\n");
  const auto& r = only<build::Run>(cf, 0, 0);
  ASSERT_EQ(r.mounts.size(), 3u);
  EXPECT_EQ(r.mounts[0].type, "bind");  // BuildKit's default type, read-only
  EXPECT_EQ(r.mounts[0].target, "/src");
  EXPECT_TRUE(r.mounts[0].read_only);
  EXPECT_EQ(r.mounts[0].source, "");
  EXPECT_EQ(r.mounts[1].from, "builder");
  EXPECT_EQ(r.mounts[1].source, "/out");
  EXPECT_EQ(r.mounts[2].type, "tmpfs");
  EXPECT_EQ(r.mounts[2].size, "64m");
}

TEST(Containerfile, RunMountErrors) {
  EXPECT_EQ(parse_error("FROM a\nRUN --mount=type=secret,id=x true\n"),
            "Containerfile:2: RUN: --mount type=secret is not supported by lit");
  EXPECT_EQ(hint_of("FROM a\nRUN --mount=type=secret,id=x true\n"),
            "lit supports --mount type=cache, bind and tmpfs");
  EXPECT_EQ(parse_error("FROM a\nRUN --mount=target=/x,rw true\n"),
            "Containerfile:2: RUN: --mount type=bind,rw is not supported by lit");
  EXPECT_EQ(parse_error("FROM a\nRUN --mount=type=cache,target=/x,from=s true\n"),
            "Containerfile:2: RUN: --mount type=cache,from=s: a cache seeded from a stage is not "
            "supported by lit");
  EXPECT_EQ(parse_error("FROM a\nRUN --mount=type=tmpfs,target=/x,size=lots true\n"),
            "Containerfile:2: RUN: invalid value for size: \"lots\"");
  EXPECT_EQ(parse_error("FROM a\nRUN --mount=type=cache true\n"),
            "Containerfile:2: RUN: --mount type=cache needs a target");
  EXPECT_EQ(parse_error("FROM a\nRUN --mount=type=cache,target=/x,sharing=all true\n"),
            "Containerfile:2: RUN: unrecognized sharing for mount: \"all\"");
  EXPECT_EQ(parse_error("FROM a\nRUN --mount=type=cache,target=/x,bogus=1 true\n"),
            "Containerfile:2: RUN: unexpected key 'bogus' in 'bogus=1'");
  EXPECT_EQ(parse_error("FROM a\nRUN --mount=type=cache,target=/x,mode=9 true\n"),
            "Containerfile:2: RUN: invalid value for mode: \"9\"");
  EXPECT_EQ(parse_error("FROM a\nRUN --network=bridge true\n"),
            "Containerfile:2: RUN: unsupported network mode \"bridge\"");
  EXPECT_EQ(parse_error("FROM a\nRUN --security=insecure true\n"),
            "Containerfile:2: RUN: unknown flag: --security");
}

TEST(Containerfile, RunHeredocs) {
  auto cf = parse(
      "FROM a\n"
      "RUN <<EOF\n"
      "set -e\n"
      "echo $HOME\n"
      "EOF\n"
      "RUN <<-\"END\" bash\n"
      "\t\tindented\n"
      "\tEND\n"
      "RUN cat <<A > /a && cat <<'B' > /b\n"
      "first\n"
      "A\n"
      "second\n"
      "B\n"
      "RUN [\"echo\", \"<<EOF\"]\n");
  const auto& r = only<build::Run>(cf, 0, 0);
  EXPECT_EQ(r.command.args, (std::vector<std::string>{"<<EOF"}));
  EXPECT_EQ(r.heredocs, (std::vector<Heredoc>{{"EOF", "set -e\necho $HOME\n", false, true}}));
  EXPECT_EQ(only<build::Run>(cf, 0, 1).heredocs,
            (std::vector<Heredoc>{{"END", "indented\n", true, false}}));
  EXPECT_EQ(only<build::Run>(cf, 0, 2).heredocs,
            (std::vector<Heredoc>{{"A", "first\n", false, true}, {"B", "second\n", false, false}}));
  EXPECT_EQ(cf.stages[0].steps[2].line, 9);
  EXPECT_TRUE(only<build::Run>(cf, 0, 3).heredocs.empty());
  EXPECT_EQ(cf.stages[0].steps[3].line, 14);
  EXPECT_EQ(parse_error("FROM a\nRUN <<EOF\necho\n"),
            "Containerfile:2: unterminated heredoc <<EOF");
}

TEST(Containerfile, CmdEntrypointShell) {
  auto cf = parse(
      "FROM a\n"
      "CMD [\"nginx\", \"-g\", \"daemon off;\"]\n"
      "CMD echo $HOME\n"
      "ENTRYPOINT [\"/init\"]\n"
      "ENTRYPOINT exec app\n"
      "SHELL [\"/bin/bash\", \"-o\", \"pipefail\", \"-c\"]\n"
      "CMD []\n");
  EXPECT_EQ(only<Cmd>(cf, 0, 0).command, (CommandLine{{"nginx", "-g", "daemon off;"}, false}));
  EXPECT_EQ(only<Cmd>(cf, 0, 1).command, (CommandLine{{"echo $HOME"}, true}));
  EXPECT_EQ(only<Entrypoint>(cf, 0, 2).command, (CommandLine{{"/init"}, false}));
  EXPECT_EQ(only<Entrypoint>(cf, 0, 3).command, (CommandLine{{"exec app"}, true}));
  EXPECT_EQ(only<Shell>(cf, 0, 4).shell,
            (std::vector<std::string>{"/bin/bash", "-o", "pipefail", "-c"}));
  EXPECT_EQ(only<Cmd>(cf, 0, 5).command, (CommandLine{{}, false}));
  EXPECT_EQ(parse_error("FROM a\nSHELL /bin/sh -c\n"),
            "Containerfile:2: SHELL: requires the arguments to be in JSON form");
}

TEST(Containerfile, ExposeAndVolume) {
  auto cf = parse("FROM a\nEXPOSE 80 443/tcp 53/udp\nVOLUME /data /logs\nVOLUME [\"/a b\"]\n");
  EXPECT_EQ(only<Expose>(cf, 0, 0).ports, (std::vector<std::string>{"80", "443/tcp", "53/udp"}));
  EXPECT_EQ(only<Volume>(cf, 0, 1).paths, (std::vector<std::string>{"/data", "/logs"}));
  EXPECT_EQ(only<Volume>(cf, 0, 2).paths, (std::vector<std::string>{"/a b"}));
  EXPECT_EQ(parse_error("FROM a\nEXPOSE\n"),
            "Containerfile:2: EXPOSE: requires at least one argument");
  EXPECT_EQ(parse_error("FROM a\nVOLUME [\" \"]\n"),
            "Containerfile:2: VOLUME: VOLUME specified can not be an empty string");
}

TEST(Containerfile, Healthcheck) {
  using namespace std::chrono_literals;
  auto cf = parse(
      "FROM a\n"
      "HEALTHCHECK --interval=30s --timeout=1m30s --start-period=1.5s --retries=3 "
      "CMD curl -f http://localhost/ || exit 1\n"
      "HEALTHCHECK CMD [\"/check\", \"-q\"]\n"
      "HEALTHCHECK none\n");
  const auto& h = only<Healthcheck>(cf, 0, 0);
  EXPECT_EQ(h.test, (std::vector<std::string>{"CMD-SHELL", "curl -f http://localhost/ || exit 1"}));
  EXPECT_EQ(h.interval, 30s);
  EXPECT_EQ(h.timeout, 90s);
  EXPECT_EQ(h.start_period, 1500ms);
  EXPECT_EQ(h.retries, 3);
  EXPECT_EQ(only<Healthcheck>(cf, 0, 1).test, (std::vector<std::string>{"CMD", "/check", "-q"}));
  EXPECT_EQ(only<Healthcheck>(cf, 0, 1).interval, 0s);
  EXPECT_EQ(only<Healthcheck>(cf, 0, 2).test, (std::vector<std::string>{"NONE"}));
}

TEST(Containerfile, HealthcheckErrors) {
  EXPECT_EQ(parse_error("FROM a\nHEALTHCHECK NONE x\n"),
            "Containerfile:2: HEALTHCHECK: HEALTHCHECK NONE takes no arguments");
  EXPECT_EQ(parse_error("FROM a\nHEALTHCHECK RUN x\n"),
            "Containerfile:2: HEALTHCHECK: unknown type \"RUN\" in HEALTHCHECK");
  EXPECT_EQ(parse_error("FROM a\nHEALTHCHECK CMD\n"),
            "Containerfile:2: HEALTHCHECK: missing command after HEALTHCHECK CMD");
  EXPECT_EQ(parse_error("FROM a\nHEALTHCHECK --interval=10 CMD x\n"),
            "Containerfile:2: HEALTHCHECK: invalid duration for --interval: \"10\"");
  EXPECT_EQ(parse_error("FROM a\nHEALTHCHECK --timeout=10us CMD x\n"),
            "Containerfile:2: HEALTHCHECK: Interval \"timeout\" cannot be less than 1ms");
  EXPECT_EQ(parse_error("FROM a\nHEALTHCHECK --retries=0 CMD x\n"),
            "Containerfile:2: HEALTHCHECK: --retries must be at least 1 (not 0)");
  EXPECT_EQ(parse_error("FROM a\nHEALTHCHECK --interval=5s NONE\n"),
            "Containerfile:2: HEALTHCHECK: unknown flag: --interval");
}

TEST(Containerfile, OnbuildRecordsTheInnerInstruction) {
  auto cf = parse("FROM a\nONBUILD COPY . /app\nONBUILD RUN <<EOF\nmake\nEOF\n");
  EXPECT_EQ(only<Onbuild>(cf, 0, 0).expression, "COPY . /app");
  EXPECT_EQ(only<Onbuild>(cf, 0, 1).expression, "RUN <<EOF\nmake\nEOF");
  EXPECT_EQ(parse_error("FROM a\nONBUILD ONBUILD RUN x\n"),
            "Containerfile:2: ONBUILD: chaining ONBUILD via `ONBUILD ONBUILD` isn't allowed");
  EXPECT_EQ(parse_error("FROM a\nONBUILD FROM x\n"),
            "Containerfile:2: ONBUILD: FROM isn't allowed as an ONBUILD trigger");
  EXPECT_EQ(parse_error("FROM a\nONBUILD CPY x y\n"),
            "Containerfile:2: ONBUILD: unknown instruction \"CPY\"");
}

TEST(Containerfile, ContinuationsAndComments) {
  auto cf = parse(
      "FROM a\n"
      "RUN apt-get update && \\\n"
      "    # a comment inside is dropped\n"
      "\n"
      "    apt-get install -y \\   \n"
      "      curl\n"
      "  # indented comment\n"
      "RUN echo a\\\\\n"
      "RUN echo 'a # not a comment'\n");
  ASSERT_EQ(cf.stages[0].steps.size(), 3u);
  EXPECT_EQ(only<build::Run>(cf, 0, 0).command.args,
            (std::vector<std::string>{"apt-get update &&     apt-get install -y       curl"}));
  EXPECT_EQ(cf.stages[0].steps[0].line, 2);
  EXPECT_EQ(only<build::Run>(cf, 0, 1).command.args, (std::vector<std::string>{"echo a\\\\"}));
  EXPECT_EQ(cf.stages[0].steps[1].line, 8);
  EXPECT_EQ(only<build::Run>(cf, 0, 2).command.args,
            (std::vector<std::string>{"echo 'a # not a comment'"}));
}

TEST(Containerfile, CrlfAndBom) {
  auto cf = parse(
      "\xEF\xBB\xBF"
      "FROM a\r\nRUN x \\\r\n y\r\n");
  EXPECT_EQ(cf.stages[0].base, "a");
  EXPECT_EQ(only<build::Run>(cf).command.args, (std::vector<std::string>{"x  y"}));
}

TEST(Containerfile, EscapeDirective) {
  auto cf = parse(
      "# escape=`\n"
      "# syntax=docker/dockerfile:1\n"
      "FROM mcr.microsoft.com/windows\n"
      "COPY testfile.txt c:\\ \n"
      "RUN dir c:\\ `\n"
      "    /w\n");
  EXPECT_EQ(cf.escape, '`');
  EXPECT_EQ(cf.syntax, "docker/dockerfile:1");
  EXPECT_EQ(only<Copy>(cf, 0, 0).dest, "c:\\");
  EXPECT_EQ(only<build::Run>(cf, 0, 1).command.args, (std::vector<std::string>{"dir c:\\     /w"}));
}

TEST(Containerfile, DirectivesOnlyAtTheTop) {
  // After a comment that is not a directive, `# escape=` is just a comment.
  auto cf = parse("# hello\n# escape=`\nFROM a\nRUN x \\\n y\n");
  EXPECT_EQ(cf.escape, '\\');
  EXPECT_EQ(only<build::Run>(cf).command.args, (std::vector<std::string>{"x  y"}));
  EXPECT_EQ(parse_error("# escape=`\n# escape=\\\nFROM a\n"),
            "Containerfile:2: only one escape parser directive can be used");
  EXPECT_EQ(parse_error("# escape=x\nFROM a\n"),
            "Containerfile:1: invalid escape token 'x' does not match ` or \\");
}

TEST(Containerfile, StepsKeepTheirSourceLines) {
  auto cf = parse("\n\nFROM a\n# c\nENV A=1 \\\n  B=2\n\nUSER x\n");
  EXPECT_EQ(cf.stages[0].line, 3);
  EXPECT_EQ(cf.stages[0].steps[0].line, 5);
  EXPECT_EQ(cf.stages[0].steps[0].original, "ENV A=1   B=2");
  EXPECT_EQ(cf.stages[0].steps[1].line, 8);
}

}  // namespace
