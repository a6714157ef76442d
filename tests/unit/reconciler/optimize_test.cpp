// optimize.auto_memory_tune's advice and lit.optimize.yml: what `lit optimize
// report` shows and `apply` writes, from given samples.
#include "reconciler/optimize.hpp"

#include <gtest/gtest.h>

#include "reconciler/load/load.hpp"
#include "reconciler/load/optimize_file.hpp"
#include "runtime/util/error.hpp"
#include "runtime/util/fs.hpp"
#include "tests/unit/error_of.hpp"

using namespace lit::reconciler;
using lit::runtime::MemorySample;
using lit::testing::error_of;
namespace fs = std::filesystem;

namespace {

constexpr std::int64_t kMiB = 1 << 20;

Service tuned(std::optional<std::int64_t> limit = std::nullopt) {
  Service s;
  s.name = "web";
  s.optimize.auto_memory_tune = true;
  s.resources.memory = limit;
  return s;
}

ContainerMemory container(std::vector<MemorySample> samples, bool oom = false) {
  ContainerMemory c;
  c.name = "p-web-1";
  c.samples = std::move(samples);
  c.oom_killed = oom;
  return c;
}

}  // namespace

TEST(OptimizeAdvice, SuggestsThePeakPlusTheHeadroomRoundedUpToSixteenMiB) {
  EXPECT_EQ(suggest_limit(40 * kMiB, 0.25), 64 * kMiB);  // 50 MiB -> 64
  EXPECT_EQ(suggest_limit(38 * kMiB, 0.25), 48 * kMiB);  // 47.5 -> 48
  EXPECT_EQ(suggest_limit(100 * kMiB, 0), 112 * kMiB);
  EXPECT_EQ(suggest_limit(0, 0.25), 16 * kMiB);

  MemoryAdvice a = advise(tuned(), {container({{1000, 0, 30 * kMiB, 38 * kMiB, 0, 0, 0, 0},
                                               {61000, 0, 20 * kMiB, 38 * kMiB, 0, 0, 0, 0}})});
  EXPECT_EQ(a.summary.peak, 38 * kMiB);
  EXPECT_EQ(a.suggested, 48 * kMiB);
  EXPECT_EQ(a.source, LimitSource::None);
  EXPECT_FALSE(a.near_limit);
  EXPECT_FALSE(a.oom_killed);
  EXPECT_EQ(advice_note(a), "");
}

TEST(OptimizeAdvice, FlagsAServiceNearItsLimitOrOomKilledAndOneWithoutSamples) {
  MemoryAdvice near =
      advise(tuned(32 * kMiB), {container({{1000, 0, 30 * kMiB, 30 * kMiB, 32 * kMiB, 0, 0, 0}})});
  EXPECT_TRUE(near.near_limit) << "30 of 32 MiB is within a tenth";
  EXPECT_EQ(advice_note(near), "near its limit");

  MemoryAdvice oom =
      advise(tuned(32 * kMiB), {container({{1000, 0, 10 * kMiB, 31 * kMiB, 32 * kMiB, 9, 1, 0}})});
  EXPECT_TRUE(oom.oom_killed);
  EXPECT_TRUE(oom.near_limit);
  EXPECT_EQ(advice_note(oom), "OOM-killed; near its limit");

  // An exit the record calls OOM-killed counts too (its last bucket may be lost).
  EXPECT_TRUE(advise(tuned(), {container({}, true)}).oom_killed);

  MemoryAdvice none = advise(tuned(), {});
  EXPECT_EQ(none.suggested, std::nullopt);
  EXPECT_EQ(advice_note(none), "no samples yet: run it (lit up)");
}

TEST(OptimizeAdvice, PrintsSizesAndSpansForPeople) {
  EXPECT_EQ(human_bytes(35 * kMiB + kMiB / 5), "35.2MiB");
  EXPECT_EQ(human_bytes(512), "512B");
  EXPECT_EQ(compose_bytes(48 * kMiB), "48m");
  EXPECT_EQ(compose_bytes(2048 * kMiB), "2g");
  EXPECT_EQ(human_span(7800000), "2h10m");
  EXPECT_EQ(human_span(45000), "45s");
}

TEST(OptimizeFile, WhatApplyWritesReadsBack) {
  lit::TempDir dir("/tmp", "optfile-");
  const fs::path f = dir.path() / "lit.optimize.yml";
  lit::write_file_atomic(f, optimize_file_text({{"api", 48 * kMiB}, {"web", 1024 * kMiB}},
                                               {{"web", "peak 700.0MiB over 2h10m, +25%"}}));
  auto limits = load::read_optimize_file(f);
  EXPECT_EQ(limits,
            (std::map<std::string, std::int64_t>{{"api", 48 * kMiB}, {"web", 1024 * kMiB}}));
}

TEST(OptimizeFile, AnythingButMemLimitsIsALocatedError) {
  lit::TempDir dir("/tmp", "optfile-");
  const fs::path f = dir.path() / "lit.optimize.yml";
  lit::write_file_atomic(f, "services:\n  web:\n    cpus: 2\n");
  EXPECT_EQ(error_of([&] { load::read_optimize_file(f); }),
            "lit.optimize.yml:3:5: services.web.cpus: lit.optimize.yml holds only mem_limit (lit "
            "optimize apply writes it); put other keys in the project's own files");
  lit::write_file_atomic(f, "services:\n  web:\n    mem_limit: 1m\n");
  EXPECT_EQ(error_of([&] { load::read_optimize_file(f); }),
            "lit.optimize.yml:3:16: services.web.mem_limit: expected at least 6m (a memory "
            "limit's minimum)");
}

namespace {

Project load_dir(const fs::path& dir) {
  LoadOptions o;
  o.working_dir = dir.string();
  o.environment = [](const std::string&) -> std::optional<std::string> { return std::nullopt; };
  return load_project(o);
}

}  // namespace

TEST(OptimizeFile, EveryLoadMergesItAndOnlyItsOwnLimitsMayBeRaised) {
  lit::TempDir dir("/tmp", "optfile-");
  lit::write_file_atomic(dir.path() / "lit.yml",
                         "name: p\n"
                         "optimize: {auto_memory_tune: true, memory_ceiling: 256m}\n"
                         "services:\n"
                         "  web: {image: x}\n"
                         "  db: {image: y, mem_limit: 64m}\n"
                         "  cache: {image: z}\n");
  Project before = load_dir(dir.path());
  EXPECT_EQ(before.services.at("web").resources.memory, std::nullopt);
  EXPECT_TRUE(before.optimize_file.empty());

  lit::write_file_atomic(dir.path() / "lit.optimize.yml",
                         "services:\n  web: {mem_limit: 48m}\n  db: {mem_limit: 96m}\n"
                         "  gone: {mem_limit: 32m}\n");
  Project p = load_dir(dir.path());
  EXPECT_EQ(p.optimize_file, (dir.path() / "lit.optimize.yml").string());
  const Service& web = p.services.at("web");
  EXPECT_EQ(web.resources.memory, 48 * kMiB);
  EXPECT_TRUE(web.memory_from_optimize);
  EXPECT_EQ(web.optimize.memory_ceiling, 256 * kMiB) << "the top level's, for every service";
  const Service& db = p.services.at("db");
  EXPECT_EQ(db.resources.memory, 96 * kMiB) << "apply's limit is an override";
  EXPECT_FALSE(db.memory_from_optimize) << "the user set one: it is never raised";
  EXPECT_EQ(p.services.at("cache").resources.memory, std::nullopt);
  std::vector<std::string> expected = {
      "lit.optimize.yml: services.gone: no such service in the project, ignored (lit optimize "
      "apply writes the file again)",
      "services.db.optimize.memory_ceiling: the service's own memory limit is never raised, "
      "only one that lit optimize apply set (in lit.optimize.yml)"};
  EXPECT_EQ(p.warnings.size(), 2u);
  EXPECT_EQ(p.warnings, expected);
}
