// Substitution per stage (ARG scoping, ENV over ARG, which instructions are
// substituted) and the stages a target needs.
#include "runtime/image/build/expand.hpp"

#include <gtest/gtest.h>

#include "tests/unit/error_of.hpp"

namespace {

using namespace lit::image::build;
namespace build = lit::image::build;
using lit::testing::error_of;

Containerfile parse(std::string_view text) { return parse_containerfile(text, "Containerfile"); }

ResolvedStage resolve(std::string_view text, const Vars& build_args = {}, std::size_t stage = 0,
                      const Vars& base_env = {}) {
  return resolve_stage(parse(text), stage, BuildArgs{build_args, {}}, base_env);
}

template <class T>
const T& step(const ResolvedStage& s, std::size_t i) {
  return std::get<T>(s.steps.at(i).what);
}

TEST(Expand, GlobalArgsAreSeenByFrom) {
  std::string text = "ARG BASE=busybox\nARG TAG=1.36\nFROM ${BASE}:${TAG}\n";
  EXPECT_EQ(resolve(text).base, "busybox:1.36");
  EXPECT_EQ(resolve(text, {{"TAG", "latest"}}).base, "busybox:latest");
  EXPECT_EQ(resolve("ARG A=x\nARG B=$A-y\nFROM $B\n").base, "x-y");
  auto cf = parse("ARG TARGETARCH\nFROM img-$TARGETARCH\n");
  EXPECT_EQ(resolve_stage(cf, 0, BuildArgs{{}, {{"TARGETARCH", "amd64"}}}).base, "img-amd64");
}

TEST(Expand, GlobalArgNeedsRedeclaringInsideAStage) {
  std::string outside = "ARG V=1\nFROM a\nENV X=v$V\n";
  EXPECT_EQ(step<Env>(resolve(outside), 0).vars, (std::vector<KeyValue>{{"X", "v"}}));
  std::string redeclared = "ARG V=1\nFROM a\nARG V\nENV X=v$V\n";
  EXPECT_EQ(step<Env>(resolve(redeclared), 1).vars, (std::vector<KeyValue>{{"X", "v1"}}));
  EXPECT_EQ(step<Env>(resolve(redeclared, {{"V", "2"}}), 1).vars,
            (std::vector<KeyValue>{{"X", "v2"}}));
  EXPECT_EQ(step<Arg>(resolve(redeclared), 0).args, (std::vector<ArgDecl>{{"V", "1"}}));
}

TEST(Expand, BuildArgsOverrideDefaults) {
  std::string text = "FROM a\nARG USER=app\nARG A=$USER-x\nUSER $USER\nWORKDIR /home/$A\n";
  auto d = resolve(text);
  EXPECT_EQ(step<User>(d, 2).user, "app");
  EXPECT_EQ(step<Workdir>(d, 3).path, "/home/app-x");
  auto o = resolve(text, {{"USER", "root"}});
  EXPECT_EQ(step<User>(o, 2).user, "root");
  EXPECT_EQ(step<Workdir>(o, 3).path, "/home/root-x");
  // An ARG without default nor build arg is unset.
  EXPECT_EQ(step<Workdir>(resolve("FROM a\nARG X\nWORKDIR /${X:-none}\n"), 1).path, "/none");
}

// Dockerfile reference, "Using ARG variables": ENV always overrides an ARG of the same name.
TEST(Expand, EnvBeatsArg) {
  std::string text =
      "FROM ubuntu\nARG CONT_IMG_VER\nENV CONT_IMG_VER=v1.0.0\nLABEL v=$CONT_IMG_VER\n";
  EXPECT_EQ(step<Label>(resolve(text, {{"CONT_IMG_VER", "v2.0.1"}}), 2).labels,
            (std::vector<KeyValue>{{"v", "v1.0.0"}}));
  std::string defaulted =
      "FROM ubuntu\nARG CONT_IMG_VER\nENV CONT_IMG_VER=${CONT_IMG_VER:-v1.0.0}\n";
  EXPECT_EQ(step<Env>(resolve(defaulted, {{"CONT_IMG_VER", "v2.0.1"}}), 1).vars,
            (std::vector<KeyValue>{{"CONT_IMG_VER", "v2.0.1"}}));
  EXPECT_EQ(step<Env>(resolve(defaulted), 1).vars,
            (std::vector<KeyValue>{{"CONT_IMG_VER", "v1.0.0"}}));
  auto later_arg = resolve("FROM a\nENV X=env\nARG X=arg\nWORKDIR /$X\n");
  EXPECT_EQ(step<Workdir>(later_arg, 2).path, "/env");
}

// Dockerfile reference, "Environment replacement": one ENV sees the values from before it.
TEST(Expand, EnvPairsSeeTheValuesBeforeTheInstruction) {
  auto s = resolve("FROM a\nENV abc=hello\nENV abc=bye def=$abc\nENV ghi=$abc\n");
  EXPECT_EQ(step<Env>(s, 1).vars, (std::vector<KeyValue>{{"abc", "bye"}, {"def", "hello"}}));
  EXPECT_EQ(step<Env>(s, 2).vars, (std::vector<KeyValue>{{"ghi", "bye"}}));
  EXPECT_EQ(s.env, (Vars{{"abc", "bye"}, {"def", "hello"}, {"ghi", "bye"}}));
}

TEST(Expand, DockerReferenceEnvironmentReplacementExample) {
  auto s = resolve("FROM busybox\nENV FOO=/bar\nWORKDIR ${FOO}\nADD . $FOO\nCOPY \\$FOO /quux\n");
  EXPECT_EQ(step<Workdir>(s, 1).path, "/bar");
  EXPECT_EQ(step<Copy>(s, 2).dest, "/bar");
  EXPECT_EQ(step<Copy>(s, 3).sources, (std::vector<std::string>{"$FOO"}));
  EXPECT_EQ(step<Copy>(s, 3).dest, "/quux");
}

TEST(Expand, WhichInstructionsAreSubstituted) {
  auto s = resolve(
      "FROM a\nENV D=/data P=8080 U=app S=SIGINT N=x\n"
      "RUN echo $D\nCMD echo $D\nENTRYPOINT [\"$D\"]\n"
      "EXPOSE $P \"${P}/udp\"\nVOLUME $D ${D}2\nUSER $U:$U\nSTOPSIGNAL $S\n"
      "LABEL \"$N.label\"=\"v $D\"\nCOPY --chown=$U --chmod=${N:+0644} $D/a \"$D/b\" /$N/\n"
      "RUN --mount=type=cache,target=$D/cache,id=$N true\n"
      "HEALTHCHECK CMD check $D\nONBUILD RUN echo $D\nSHELL [\"$D\"]\n");
  EXPECT_EQ(step<build::Run>(s, 1).command.args, (std::vector<std::string>{"echo $D"}));
  EXPECT_EQ(step<Cmd>(s, 2).command.args, (std::vector<std::string>{"echo $D"}));
  EXPECT_EQ(step<Entrypoint>(s, 3).command.args, (std::vector<std::string>{"$D"}));
  EXPECT_EQ(step<Expose>(s, 4).ports, (std::vector<std::string>{"8080", "8080/udp"}));
  EXPECT_EQ(step<Volume>(s, 5).paths, (std::vector<std::string>{"/data", "/data2"}));
  EXPECT_EQ(step<User>(s, 6).user, "app:app");
  EXPECT_EQ(step<StopSignal>(s, 7).signal, "SIGINT");
  EXPECT_EQ(step<Label>(s, 8).labels, (std::vector<KeyValue>{{"x.label", "v /data"}}));
  const auto& c = step<Copy>(s, 9);
  EXPECT_EQ(c.chown, "app");
  EXPECT_EQ(c.chmod, "0644");
  EXPECT_EQ(c.sources, (std::vector<std::string>{"/data/a", "/data/b"}));
  EXPECT_EQ(c.dest, "/x/");
  EXPECT_EQ(step<build::Run>(s, 10).mounts.at(0).target, "/data/cache");
  EXPECT_EQ(step<build::Run>(s, 10).mounts.at(0).id, "x");
  EXPECT_EQ(step<Healthcheck>(s, 11).test, (std::vector<std::string>{"CMD-SHELL", "check $D"}));
  EXPECT_EQ(step<Onbuild>(s, 12).expression, "RUN echo $D");
  EXPECT_EQ(step<Shell>(s, 13).shell, (std::vector<std::string>{"$D"}));
}

TEST(Expand, MaintainerIsTakenAsWritten) {
  auto s = resolve("FROM a\nENV X=1\nMAINTAINER \"$X\"\n");
  EXPECT_EQ(step<Label>(s, 1).labels, (std::vector<KeyValue>{{"maintainer", "\"$X\""}}));
}

TEST(Expand, CopyHeredocBodies) {
  auto s = resolve("FROM a\nENV W=world\nCOPY <<EOF <<'RAW' /d/\nhi \"$W\"\nEOF\n$W\nRAW\n");
  const auto& c = step<Copy>(s, 1);
  ASSERT_EQ(c.inline_sources.size(), 2u);
  EXPECT_EQ(c.inline_sources[0].content, "hi \"world\"\n");
  EXPECT_EQ(c.inline_sources[1].content, "$W\n");
}

TEST(Expand, StepsCarryTheArgsInScope) {
  auto s = resolve("FROM a\nARG A=1\nRUN one\nARG B\nARG C=3\nRUN two\n", {{"B", "2"}});
  EXPECT_EQ(s.steps[1].args, (Vars{{"A", "1"}}));
  EXPECT_EQ(s.steps[4].args, (Vars{{"A", "1"}, {"B", "2"}, {"C", "3"}}));
  EXPECT_TRUE(s.env.empty());  // args are not ENV
}

TEST(Expand, BaseEnvIsSeenUnderTheStagesEnv) {
  auto s = resolve("FROM a\nENV PATH=$PATH:/app/bin\nWORKDIR $HOME\n", {}, 0,
                   {{"PATH", "/usr/bin"}, {"HOME", "/root"}});
  EXPECT_EQ(step<Env>(s, 0).vars, (std::vector<KeyValue>{{"PATH", "/usr/bin:/app/bin"}}));
  EXPECT_EQ(step<Workdir>(s, 1).path, "/root");
}

TEST(Expand, ErrorsNameFileLineAndInstruction) {
  EXPECT_EQ(error_of([] { resolve("FROM a\n\nWORKDIR ${X:?need X}\n"); }),
            "Containerfile:3: WORKDIR: failed to process \"${X:?need X}\": X: need X");
  EXPECT_EQ(error_of([] { resolve("ARG B\nFROM $B\n"); }),
            "Containerfile:2: FROM: base name ($B) should not be blank");
  EXPECT_EQ(error_of([] { resolve("ARG B=${\nFROM a\n"); }),
            "Containerfile:1: ARG: failed to process \"${\": syntax error: missing '}'");
  EXPECT_EQ(error_of([] { resolve("FROM a\nCOPY --from=3 a b\n"); }),
            "Containerfile:2: COPY: --from=3: no such stage index");
  EXPECT_EQ(error_of([] { resolve("FROM a AS me\nCOPY --from=me a b\n"); }),
            "Containerfile:2: COPY: --from=me: a stage cannot copy from itself");
}

const char* const multi =
    "ARG VERSION=1\n"
    "FROM busybox AS base\n"  // 0
    "ENV DATA=/data\n"
    "FROM base AS build\n"  // 1: needs 0
    "WORKDIR $DATA\n"
    "FROM busybox AS test\n"  // 2: unused
    "RUN false\n"
    "FROM busybox AS docs\n"  // 3
    "FROM scratch\n"          // 4
    "COPY --from=build /data /data\n"
    "COPY --from=3 /doc /doc\n"
    "COPY --from=alpine:3 /etc/os-release /\n";

std::vector<std::size_t> order(const BuildPlan& p) {
  std::vector<std::size_t> out;
  for (const auto& s : p.stages) out.push_back(s.index);
  return out;
}

TEST(BuildPlan, TheTargetsDependenciesFirstUnusedStagesSkipped) {
  auto p = plan_build(parse(multi), {});
  EXPECT_EQ(p.target, 4u);
  EXPECT_EQ(order(p), (std::vector<std::size_t>{0, 1, 3, 4}));
  EXPECT_EQ(p.stages[3].needs, (std::vector<std::size_t>{1, 3}));
  EXPECT_EQ(p.stages[1].needs, (std::vector<std::size_t>{0}));
  EXPECT_EQ(p.stages[1].base_stage, 0u);
  EXPECT_TRUE(p.stages[0].needs.empty());
  EXPECT_TRUE(p.stages[2].needs.empty());  // docs: independent of base and build
  // The ENV of an earlier stage is seen by a stage built FROM it.
  EXPECT_EQ(std::get<Workdir>(p.stages[1].steps[0].what).path, "/data");
  const auto& c = std::get<Copy>(p.stages[3].steps[2].what);
  EXPECT_EQ(c.from, "alpine:3");
  EXPECT_FALSE(c.from_stage);
}

TEST(BuildPlan, TargetByName) {
  auto p = plan_build(parse(multi), {}, "Build");
  EXPECT_EQ(p.target, 1u);
  EXPECT_EQ(order(p), (std::vector<std::size_t>{0, 1}));
  EXPECT_EQ(order(plan_build(parse(multi), {}, "test")), (std::vector<std::size_t>{2}));
  EXPECT_EQ(error_of([] { plan_build(parse(multi), {}, "nope"); }),
            "target stage \"nope\" could not be found");
}

TEST(BuildPlan, FromAndCopyFromUseSubstitutedNames) {
  auto p = plan_build(parse("ARG SRC=one\nFROM a AS one\nFROM b AS two\nARG SRC\n"
                            "COPY --from=$SRC / /\nFROM ${SRC}\n"),
                      {});
  EXPECT_EQ(order(p), (std::vector<std::size_t>{0, 2}));
  EXPECT_EQ(p.stages[1].base_stage, 0u);
  auto two = plan_build(parse("ARG SRC=one\nFROM a AS one\nFROM b AS two\nARG SRC\n"
                              "COPY --from=$SRC / /\n"),
                        BuildArgs{{{"SRC", "one"}}, {}});
  EXPECT_EQ(order(two), (std::vector<std::size_t>{0, 1}));
  EXPECT_EQ(two.stages[1].needs, (std::vector<std::size_t>{0}));
}

TEST(BuildPlan, RunMountFromAStageIsNeeded) {
  auto p = plan_build(parse("FROM a AS tools\nFROM b AS other\nFROM c\nARG S=tools\n"
                            "RUN --mount=from=$S,source=/bin,target=/t true\n"),
                      {});
  EXPECT_EQ(order(p), (std::vector<std::size_t>{0, 2}));
  EXPECT_EQ(p.stages[1].needs, (std::vector<std::size_t>{0}));  // the plan's second: stage 2
  const auto& m = std::get<build::Run>(p.stages[1].steps.at(1).what).mounts.at(0);
  EXPECT_EQ(m.from, "tools");
  EXPECT_EQ(m.from_stage, 0u);
  EXPECT_EQ(m.source, "/bin");
}

TEST(BuildPlan, ImageEnvFromTheBuilder) {
  auto p = plan_build(parse("FROM busybox\nWORKDIR $HOME\n"), {}, {}, [](const std::string& image) {
    return image == "busybox" ? Vars{{"HOME", "/root"}} : Vars{};
  });
  EXPECT_EQ(std::get<Workdir>(p.stages[0].steps[0].what).path, "/root");
}

TEST(BuildPlan, CyclesAreErrors) {
  EXPECT_EQ(error_of([] {
              plan_build(parse("FROM a AS x\nCOPY --from=y / /\nFROM a AS y\nCOPY --from=x / /\n"),
                         {}, "y");
            }),
            "Containerfile:1: circular dependency detected on stage y");
}

TEST(BuildPlan, DependenciesReachedTwiceAreBuiltOnce) {
  auto p = plan_build(parse("FROM a AS x\nFROM x AS y\nCOPY --from=x / /\n"
                            "FROM a\nCOPY --from=y / /\nCOPY --from=x / /\n"),
                      {});
  EXPECT_EQ(order(p), (std::vector<std::size_t>{0, 1, 2}));
  EXPECT_EQ(p.stages[2].needs, (std::vector<std::size_t>{0, 1}));
}

TEST(BuildPlan, ALongChainOfStages) {
  std::string text = "FROM busybox AS s0\n";
  for (int i = 1; i < 3000; ++i)
    text += "FROM s" + std::to_string(i - 1) + " AS s" + std::to_string(i) + "\n";
  auto p = plan_build(parse(text), {});
  ASSERT_EQ(p.stages.size(), 3000u);
  EXPECT_EQ(p.stages.front().index, 0u);
  EXPECT_EQ(p.stages.back().needs, (std::vector<std::size_t>{2998}));
}

}  // namespace
