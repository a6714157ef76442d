// optimize.auto_memory_tune as a user sees it: the supervisor samples a
// service's memory; `lit optimize report` shows its peak and a suggested
// limit within the stated headroom; `lit optimize apply` writes
// lit.optimize.yml, which `lit config` reads back and `lit up` applies; a
// service OOM-killed at a limit apply set is flagged, and with a ceiling its
// limit is raised and it runs; one that keeps reaching its limit is raised
// step by step up to the ceiling, never above.
#include <fstream>

#include "reconciler/optimize.hpp"
#include "runtime/state/memory_samples.hpp"
#include "runtime/util/fs.hpp"
#include "tests/integration/project_fixture.hpp"

namespace lit::test {
namespace {

constexpr std::int64_t kMiB = 1 << 20;

class ProjectOptimizeTest : public ProjectFixture {
 protected:
  void write_optimize_file(const std::string& text) {
    std::ofstream(dir_ / "lit.optimize.yml") << text;
  }

  // `lit optimize report --format json`, by service.
  std::map<std::string, nlohmann::json> report() {
    Result r = project({"optimize", "report", "--format", "json"});
    EXPECT_EQ(r.exit_code, 0) << r;
    std::map<std::string, nlohmann::json> out;
    if (r.exit_code != 0) return out;
    for (const auto& a : nlohmann::json::parse(r.out)) out[a.at("service")] = a;
    return out;
  }

  nlohmann::json inspect(const std::string& container) {
    Result r = lit({"container", "inspect", container});
    EXPECT_EQ(r.exit_code, 0) << r;
    return r.exit_code == 0 ? nlohmann::json::parse(r.out).at(0) : nlohmann::json::object();
  }

  bool logged(const std::string& service, const std::string& text) {
    return project({"logs", service}).out.find(text) != std::string::npos;
  }
};

// 40 MiB in /dev/shm (a tmpfs: charged to the container's memory cgroup).
constexpr const char* kFill =
    R"(["sh", "-c", "head -c 41943040 /dev/zero > /dev/shm/fill && echo filled && exec sleep 600"])";

TEST_F(ProjectOptimizeTest, ASuggestionIsThePeakPlusTheHeadroomAndApplyGetsItToTheContainer) {
  write(std::string("name: opt\nservices:\n  fill:\n    image: localhost/lit-test:latest\n"
                    "    command: ") +
        kFill + "\n    optimize: {auto_memory_tune: true, memory_headroom: 25%}\n");
  ASSERT_EQ(project({"up", "-d"}).exit_code, 0);
  ASSERT_TRUE(eventually([&] { return logged("fill", "filled"); }, 30s)) << project({"logs"});
  // The stop ends the run: the supervisor writes its last samples.
  ASSERT_EQ(project({"stop", "-t", "1"}).exit_code, 0);

  auto advice = report();
  ASSERT_TRUE(advice.contains("fill"));
  const auto& a = advice["fill"];
  ASSERT_GE(a.at("samples").get<int>(), 1) << a;
  const std::int64_t peak = a.at("peak");
  EXPECT_GE(peak, 40 * kMiB) << a;
  EXPECT_LE(peak, 48 * kMiB) << "40 MiB and a shell: " << a;
  const std::int64_t suggested = a.at("suggested");
  EXPECT_GE(suggested, peak + peak / 4) << a;
  EXPECT_LT(suggested, peak + peak / 4 + 16 * kMiB) << "rounded up to a 16 MiB step: " << a;
  EXPECT_EQ(suggested % (16 * kMiB), 0) << a;
  EXPECT_EQ(a.at("oom_killed"), false);
  Result table = project({"optimize", "report"});
  EXPECT_NE(table.out.find(reconciler::human_bytes(suggested) + " (+25%)"), std::string::npos)
      << table;

  Result applied = project({"optimize", "apply"});
  ASSERT_EQ(applied.exit_code, 0) << applied;
  const std::string want = reconciler::compose_bytes(suggested);
  EXPECT_NE(applied.out.find("fill: mem_limit " + want), std::string::npos) << applied;
  ASSERT_TRUE(fs::exists(dir_ / "lit.optimize.yml"));
  Result config = project({"config", "--format", "json"});
  ASSERT_EQ(config.exit_code, 0) << config;
  auto cfg = nlohmann::json::parse(config.out);
  EXPECT_EQ(cfg["services"]["fill"]["deploy"]["resources"]["limits"]["memory"],
            std::to_string(suggested))
      << config;

  const std::string before = ids()["fill"];
  ASSERT_EQ(project({"up", "-d"}).exit_code, 0);
  const std::string after = ids()["fill"];
  EXPECT_NE(after, before) << "the new limit recreates the container";
  EXPECT_EQ(inspect(after)["spec"]["limits"]["memory_bytes"], suggested);
}

TEST_F(ProjectOptimizeTest, AnOomKillAtAnAppliedLimitIsFlaggedAndTheLimitRaisedForTheRestart) {
  write(std::string("name: opt\nservices:\n  fill:\n    image: localhost/lit-test:latest\n"
                    "    command: ") +
        kFill +
        "\n    restart: on-failure\n"
        "    optimize: {auto_memory_tune: true, memory_ceiling: 128m}\n");
  write_optimize_file("services:\n  fill:\n    mem_limit: 32m\n");
  ASSERT_EQ(project({"up", "-d"}).exit_code, 0);
  // Killed at 32 MiB, raised to 48, restarted: it fills and runs.
  ASSERT_TRUE(eventually([&] { return logged("fill", "filled"); }, 60s))
      << project({"ps", "-a"}) << project({"logs"});
  auto j = inspect("opt-fill-1");
  ASSERT_EQ(j["state"]["memory_raises"].size(), 1u) << j["state"];
  const auto& raise = j["state"]["memory_raises"][0];
  EXPECT_EQ(raise["from"], 32 * kMiB);
  EXPECT_EQ(raise["to"], 48 * kMiB);
  EXPECT_EQ(raise["reason"], "oom-killed");
  EXPECT_EQ(j["spec"]["limits"]["memory_bytes"], 48 * kMiB);
  EXPECT_GE(j["state"]["restart_count"].get<int>(), 1);
  Result ps = project({"ps"});
  EXPECT_NE(ps.out.find("(memory raised to 48.0MiB)"), std::string::npos) << ps;

  auto a = report()["fill"];
  EXPECT_EQ(a["oom_killed"], true) << a;
  EXPECT_EQ(a["limit_source"], "lit.optimize.yml") << a;
  EXPECT_EQ(a["raises"].size(), 1u) << a;
  Result table = project({"optimize", "report"});
  EXPECT_NE(table.out.find("OOM-killed"), std::string::npos) << table;
}

TEST_F(ProjectOptimizeTest, ALimitKeptReachedIsRaisedStepByStepUpToTheCeilingOnly) {
  // The service keeps its /dev/shm 2 MiB under whatever its limit is (read
  // from its cgroup): its working set stays within reach of the limit, and
  // nothing is OOM-killed.
  write(
      "name: opt\nservices:\n  cache:\n    image: localhost/lit-test:latest\n"
      "    command:\n      - sh\n      - -c\n      - |\n"
      "        touch /dev/shm/f\n"
      "        while true; do\n"
      "          l=$$(cat /sys/fs/cgroup/memory/memory.limit_in_bytes 2>/dev/null || "
      "cat /sys/fs/cgroup/memory.max)\n"
      "          want=$$(( l / 1048576 - 2 )); have=$$(( $$(wc -c < /dev/shm/f) / 1048576 ))\n"
      "          if [ $$have -lt $$want ]; then\n"
      "            head -c $$(( (want - have) * 1048576 )) /dev/zero >> /dev/shm/f; echo \"at "
      "$$want\"\n"
      "          fi\n"
      "          sleep 0.2\n"
      "        done\n"
      "    optimize: {auto_memory_tune: true, memory_ceiling: 64m}\n");
  write_optimize_file("services:\n  cache:\n    mem_limit: 32m\n");
  ASSERT_EQ(project({"up", "-d"}).exit_code, 0);
  nlohmann::json raises;
  ASSERT_TRUE(eventually(
      [&] {
        raises = inspect("opt-cache-1")["state"]["memory_raises"];
        return raises.size() >= 2;
      },
      60s))
      << raises << project({"logs"});
  EXPECT_EQ(raises[0]["from"], 32 * kMiB);
  EXPECT_EQ(raises[0]["to"], 48 * kMiB);
  EXPECT_EQ(raises[1]["to"], 64 * kMiB);
  EXPECT_EQ(raises[0]["reason"], "at its limit");
  // At the ceiling and reaching it still: two buckets (10 s and more) written
  // at 64 MiB with the use within a tenth of it, and still no third raise.
  const fs::path samples =
      root_ / "containers" / inspect("opt-cache-1")["id"].get<std::string>() / "memory.samples";
  std::vector<runtime::MemorySample> at_ceiling;
  EXPECT_TRUE(eventually(
      [&] {
        at_ceiling.clear();
        for (const auto& m : runtime::read_memory_samples(samples))
          if (m.limit == 64 * kMiB && m.use >= 58 * kMiB) at_ceiling.push_back(m);
        return at_ceiling.size() >= 2;
      },
      60s))
      << (fs::exists(samples) ? lit::read_file(samples) : "no " + samples.string());
  auto j = inspect("opt-cache-1");
  EXPECT_EQ(j["state"]["memory_raises"].size(), 2u) << j["state"];
  EXPECT_EQ(j["spec"]["limits"]["memory_bytes"], 64 * kMiB);
  EXPECT_EQ(j["state"]["status"], "running");
}

}  // namespace
}  // namespace lit::test
