#pragma once
// From a parsed Containerfile and the build's arguments to what the builder
// runs: each needed stage's instructions with variables substituted (docker's
// rules: global ARGs for FROM, an ARG redeclared in a stage to be seen there,
// --build-arg over defaults, ENV over ARG), and the stages a target needs,
// each with the stages it waits for (FROM <stage>, COPY --from).
#include <cstddef>
#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "runtime/image/build/containerfile.hpp"
#include "runtime/image/build/shell_lex.hpp"

namespace lit::image::build {

struct BuildArgs {
  Vars values;      // --build-arg NAME=VALUE
  Vars predefined;  // automatic global ARGs (TARGETARCH...), visible in FROM lines
};

// An instruction after substitution. args: the ARG values in scope at this
// point (a RUN sees them in its environment; they are not kept in the image).
struct ResolvedStep {
  int line = 0;
  std::string original;
  Instruction what;
  Vars args;
};

struct ResolvedStage {
  std::size_t index = 0;
  std::string name;  // lowercased; "" when unnamed
  int line = 0;
  std::string base;                       // FROM after substitution ("scratch", an image)
  std::optional<std::size_t> base_stage;  // FROM an earlier stage
  std::vector<ResolvedStep> steps;
  std::vector<std::size_t> needs;  // stages this one waits for (base, COPY --from), ascending
  Vars env;                        // the base's ENV and this stage's, at the end
};

// The global ARGs (before the first FROM) with build args applied: what FROM lines see.
Vars global_scope(const Containerfile& cf, const BuildArgs& args);

// One stage with substitution done. base_env: the ENV of the image (or stage)
// it starts from, which substitution sees under the stage's own ENV.
ResolvedStage resolve_stage(const Containerfile& cf, std::size_t index, const BuildArgs& args,
                            const Vars& base_env = {});

// The image's ENV for `FROM image` lines, when the builder knows it (may be empty).
using BaseEnv = std::function<Vars(const std::string& image)>;

struct BuildPlan {
  std::size_t target = 0;
  // The stages the target needs, each after the ones it needs: stages that do
  // not need each other can be built in parallel; stages not listed are skipped.
  std::vector<ResolvedStage> stages;
};

// target: a stage name (case-insensitive) or "" for the last stage. Throws
// lit::Error for an unknown target, a bad --from or a dependency cycle.
BuildPlan plan_build(const Containerfile& cf, const BuildArgs& args, const std::string& target = {},
                     const BaseEnv& base_env = {});

}  // namespace lit::image::build
