// lit container update (limits changed on a running container, kept for its
// next start) and container prune (every container not running goes), as a
// docker user runs them.
#include <fstream>
#include <string>

#include "tests/integration/expect.hpp"
#include "tests/integration/run_fixture.hpp"

namespace lit::test {
namespace {

// The first of `files` found in this test's running container's cgroup directories.
std::string cgroup_knob(const std::set<fs::path>& dirs, std::initializer_list<const char*> files) {
  for (const auto& dir : dirs)
    for (const char* f : files)
      if (std::ifstream in(dir / f); in) {
        std::string v;
        std::getline(in, v);
        return v;
      }
  return "";
}

TEST_F(RunTest, UpdateChangesTheLimitsOfARunningContainerAndKeepsThem) {
  Result r = run({"-d", "--name", "upd", "--init", "--memory", "64m", kTestImage, "sleep", "600"});
  ASSERT_EQ(r.exit_code, 0) << r;
  auto memory = [&] {
    return cgroup_knob(new_lit_cgroups(), {"memory.limit_in_bytes", "memory.max"});
  };
  auto pids = [&] { return cgroup_knob(new_lit_cgroups(), {"pids.max"}); };
  EXPECT_EQ(memory(), "67108864");

  r = lit({"container", "update", "--memory", "32m", "--pids-limit", "20", "upd"});
  ASSERT_EQ(r.exit_code, 0) << r;
  EXPECT_EQ(r.out, "upd\n");
  EXPECT_EQ(memory(), "33554432");
  EXPECT_EQ(pids(), "20");

  // Kept: the next start has them too.
  ASSERT_EQ(lit({"container", "restart", "-t", "1", "upd"}).exit_code, 0);
  EXPECT_TRUE(eventually([&] { return memory() == "33554432"; }));
  EXPECT_EQ(pids(), "20");

  expect_lit_error(lit({"container", "update", "upd"}), "nothing to update");
  expect_lit_error(lit({"container", "update", "--memory", "lots", "upd"}), "--memory");
  ASSERT_EQ(lit({"container", "rm", "-f", "upd"}).exit_code, 0);
}

TEST_F(RunTest, PruneRemovesEveryContainerThatIsNotRunning) {
  ASSERT_EQ(run({"--name", "done1", kTestImage, "sh", "-c", "echo x > /f"}).exit_code, 0);
  ASSERT_EQ(lit({"container", "create", "--name", "new1", kTestImage, "true"}).exit_code, 0);
  ASSERT_EQ(run({"-d", "--name", "live1", "--init", kTestImage, "sleep", "600"}).exit_code, 0);
  const auto before = container_ids();
  Result r = lit({"container", "prune", "-f"});
  ASSERT_EQ(r.exit_code, 0) << r;
  ASSERT_TRUE(r.out.starts_with("Deleted Containers:\n")) << r;
  EXPECT_TRUE(contains_line_with(r.out, {"Total reclaimed space: 2B"})) << r;  // /f
  EXPECT_EQ(lit({"container", "ls", "-a", "--format", "{{.Names}}"}).out, "live1\n");
  EXPECT_EQ(container_ids().size(), 1u);
  for (const auto& id : before)
    if (container_ids().count(id) == 0) EXPECT_NE(r.out.find(id), std::string::npos) << r;
  ASSERT_EQ(lit({"container", "rm", "-f", "live1"}).exit_code, 0);
}

}  // namespace
}  // namespace lit::test
