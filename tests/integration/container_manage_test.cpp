// lit container update (limits changed on a running container, kept for its
// next start) and container prune (every container not running goes), as a
// docker user runs them.
#include <fstream>
#include <sstream>
#include <string>
#include <utility>

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
    if (container_ids().count(id) == 0) {
      EXPECT_NE(r.out.find(id), std::string::npos) << r;
    }
  ASSERT_EQ(lit({"container", "rm", "-f", "live1"}).exit_code, 0);
}

// The TOTAL and ACTIVE columns of `system df`'s row for `type`.
std::pair<std::string, std::string> df_counts(const std::string& out, const std::string& type) {
  std::istringstream in(out);
  for (std::string line; std::getline(in, line);) {
    if (!line.starts_with(type + " ")) continue;
    std::istringstream cols(line.substr(type.size()));
    std::string total, active;
    cols >> total >> active;
    return {total, active};
  }
  return {};
}

TEST_F(RunTest, SystemDfInfoAndPruneSeeWhatIsUsed) {
  ASSERT_EQ(run({"--name", "done1", kTestImage, "true"}).exit_code, 0);
  ASSERT_EQ(run({"-d", "--name", "live1", "--init", kTestImage, "sleep", "600"}).exit_code, 0);
  ASSERT_EQ(lit({"volume", "create", "vol1"}).exit_code, 0);
  ASSERT_EQ(lit({"network", "create", "net1"}).exit_code, 0);

  Result df = lit({"system", "df"});
  ASSERT_EQ(df.exit_code, 0) << df;
  EXPECT_TRUE(df.out.starts_with("TYPE ")) << df;
  EXPECT_EQ(df_counts(df.out, "Images"), std::make_pair(std::string("1"), std::string("1"))) << df;
  EXPECT_EQ(df_counts(df.out, "Containers"), std::make_pair(std::string("2"), std::string("1")))
      << df;
  EXPECT_EQ(df_counts(df.out, "Local Volumes"), std::make_pair(std::string("1"), std::string("0")))
      << df;

  Result info = lit({"system", "info"});
  ASSERT_EQ(info.exit_code, 0) << info;
  EXPECT_NE(info.out.find("Containers: 2\n Running: 1\n Paused: 0\n Stopped: 1\n"),
            std::string::npos)
      << info;
  // What a default container gets; AppArmor exactly where the kernel runs it.
  std::ifstream aa("/sys/module/apparmor/parameters/enabled");
  std::string aa_on;
  aa >> aa_on;
  EXPECT_TRUE(
      contains_line_with(info.out, {"Security Options:", "seccomp=builtin", "no-new-privileges"}))
      << info;
  EXPECT_EQ(contains_line_with(info.out, {"Security Options:", "apparmor=lit-default"}),
            aa_on == "Y")
      << info;

  Result r = lit({"system", "prune", "-f"});
  ASSERT_EQ(r.exit_code, 0) << r;
  EXPECT_NE(r.out.find("Deleted Containers:\n"), std::string::npos) << r;
  EXPECT_NE(r.out.find("Deleted Networks:\nnet1\n"), std::string::npos) << r;
  EXPECT_TRUE(contains_line_with(r.out, {"Total reclaimed space:"})) << r;
  EXPECT_EQ(lit({"container", "ls", "-a", "--format", "{{.Names}}"}).out, "live1\n");
  EXPECT_EQ(lit({"volume", "ls", "-q"}).out, "vol1\n");          // named, and no --volumes
  EXPECT_EQ(lit({"image", "ls", "-q"}).out_lines().size(), 1u);  // live1 uses it
  EXPECT_EQ(lit({"network", "ls", "-q"}).out, "");
  ASSERT_EQ(lit({"container", "rm", "-f", "live1"}).exit_code, 0);
  ASSERT_EQ(lit({"volume", "rm", "vol1"}).exit_code, 0);
}

}  // namespace
}  // namespace lit::test
