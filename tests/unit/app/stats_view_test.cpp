#include "app/views/stats_view.hpp"

#include <gtest/gtest.h>
#include <unistd.h>

#include <fstream>

#include "runtime/process/identity.hpp"
#include "runtime/util/fs.hpp"

using namespace lit::app;
using namespace lit::runtime;
namespace fs = std::filesystem;

namespace {

constexpr std::uint64_t kMiB = 1024 * 1024;

StatsSample running(std::uint64_t cpu_ns, std::int64_t at_ns) {
  StatsSample s;
  s.running = true;
  s.cgroup.cpu_usage_ns = cpu_ns;
  s.taken_ns = at_ns;
  return s;
}

ContainerRecord record(const std::string& name, bool alive) {
  ContainerRecord r;
  r.id = std::string(64, 'a');
  r.name = name;
  if (alive) {  // this test process stands in for the container's init
    r.state.status = ContainerStatus::Running;
    r.state.pid = ::getpid();
    r.state.pid_start_time = process_start_time(::getpid());
  }
  return r;
}

// A cgroup whose figures the test sets.
struct FakeCgroup final : lit::cgroups::Cgroup {
  lit::cgroups::Stats s;
  std::vector<pid_t> pids;
  void apply(const lit::cgroups::Limits&) override {}
  void add_process(pid_t) override {}
  void join_self() override {}
  std::vector<pid_t> processes() const override { return pids; }
  std::uint64_t oom_kills() const override { return 0; }
  lit::cgroups::Stats stats() const override { return s; }
  void destroy() override {}
  std::vector<fs::path> paths() const override { return {}; }
  fs::path memory_dir() const override { return {}; }
  void freeze(bool) override {}
};

struct FakeManager final : lit::cgroups::Manager {
  FakeCgroup cg;
  std::string driver() const override { return "fake"; }
  std::unique_ptr<lit::cgroups::Cgroup> create(const std::string& id) override { return open(id); }
  std::unique_ptr<lit::cgroups::Cgroup> open(const std::string&) override {
    return std::make_unique<FakeCgroup>(cg);
  }
  std::vector<std::string> list() const override { return {}; }
};

class FakeProcStats : public ::testing::Test {
 protected:
  void SetUp() override {
    std::ofstream(tmp.path() / "meminfo") << "MemTotal:       2048 kB\nMemFree:         100 kB\n";
    for (pid_t pid : {10, 11}) {
      fs::create_directories(tmp.path() / std::to_string(pid));
      std::ofstream(tmp.path() / std::to_string(pid) / "io")
          << "rchar: 99999\nwchar: 99999\nsyscr: 1\nsyscw: 1\nread_bytes: " << pid * 1000
          << "\nwrite_bytes: " << pid * 100 << "\ncancelled_write_bytes: 0\n";
    }
  }
  lit::TempDir tmp{fs::temp_directory_path(), "lit-proc-"};
};

}  // namespace

TEST(StatsSizes, BinaryAsDockerMemory) {
  EXPECT_EQ(binary_size(0), "0B");
  EXPECT_EQ(binary_size(1023), "1023B");
  EXPECT_EQ(binary_size(1536), "1.5KiB");
  EXPECT_EQ(binary_size(100 * kMiB), "100MiB");
  EXPECT_EQ(binary_size(7 * kMiB + 123456), "7.118MiB");
  EXPECT_EQ(binary_size(std::uint64_t{15} << 30), "15GiB");
}

TEST(StatsSizes, DecimalWithThreeDigitsAsDockerIo) {
  EXPECT_EQ(decimal_size(0), "0B");
  EXPECT_EQ(decimal_size(999), "999B");
  EXPECT_EQ(decimal_size(1234), "1.23kB");
  EXPECT_EQ(decimal_size(45'600'000), "45.6MB");
}

TEST(StatsCpu, UsageOverWallTime) {
  // 0.5 s of CPU in 1 s of wall time: half a CPU.
  EXPECT_DOUBLE_EQ(cpu_percent(running(1'000'000'000, 0), running(1'500'000'000, 1'000'000'000)),
                   50.0);
  // Two CPUs busy: 200%, as docker shows it.
  EXPECT_DOUBLE_EQ(cpu_percent(running(0, 0), running(2'000'000'000, 1'000'000'000)), 200.0);
  EXPECT_EQ(cpu_percent(StatsSample{}, running(5, 1)), 0.0) << "no previous sample";
  EXPECT_EQ(cpu_percent(running(9, 0), running(5, 1)), 0.0) << "counter went back (restart)";
}

TEST(StatsRow, MemoryLeavesOutInactiveCacheAndUsesHostMemoryWithoutLimit) {
  auto cur = running(0, 1);
  cur.cgroup.memory_bytes = 30 * kMiB;
  cur.cgroup.memory_inactive_file = 10 * kMiB;
  cur.cgroup.pids = 3;
  auto row = stats_row(record("web", true), StatsSample{}, cur, 1000 * kMiB);
  EXPECT_EQ(row.id, std::string(12, 'a'));
  EXPECT_EQ(row.mem_usage, 20 * kMiB);
  EXPECT_EQ(row.mem_limit, 1000 * kMiB);
  EXPECT_DOUBLE_EQ(row.mem_percent, 2.0);

  cur.cgroup.memory_limit = 40 * kMiB;
  row = stats_row(record("web", true), StatsSample{}, cur, 1000 * kMiB);
  EXPECT_EQ(row.mem_limit, 40 * kMiB);
  EXPECT_EQ(stats_cells(row),
            (std::vector<std::string>{std::string(12, 'a'), "web", "0.00%", "20MiB / 40MiB",
                                      "50.00%", "0B / 0B", "0B / 0B", "3"}));
}

TEST(StatsRow, StoppedContainerIsAllZeros) {
  auto cur = running(5, 1);
  cur.running = false;
  cur.cgroup.pids = 4;
  auto cells = stats_cells(stats_row(record("old", false), StatsSample{}, cur, kMiB));
  EXPECT_EQ(cells, (std::vector<std::string>{std::string(12, 'a'), "old", "0.00%", "0B / 0B",
                                             "0.00%", "0B / 0B", "0B / 0B", "0"}));
}

TEST(StatsRow, JsonHasDockersKeys) {
  StatsRow row;
  row.id = "abc";
  row.name = "web";
  row.pids = 2;
  auto j = stats_json(row);
  EXPECT_EQ(j["ID"], "abc");
  EXPECT_EQ(j["Name"], "web");
  EXPECT_EQ(j["PIDs"], "2");
  EXPECT_EQ(j["MemUsage"], "0B / 0B");
  for (const char* k : {"CPUPerc", "MemPerc", "NetIO", "BlockIO", "Container"})
    EXPECT_TRUE(j.contains(k)) << k;
}

TEST_F(FakeProcStats, BlockIoSumsProcessesSkippingGoneOnes) {
  auto io = block_io({10, 11, 12345}, tmp.path());
  EXPECT_EQ(io.read, 21000u);
  EXPECT_EQ(io.written, 2100u);
}

TEST_F(FakeProcStats, HostMemoryFromMeminfo) {
  EXPECT_EQ(host_memory_bytes(tmp.path()), 2048u * 1024);
}

TEST_F(FakeProcStats, CollectorComputesCpuAgainstThePreviousRound) {
  FakeManager m;
  m.cg.pids = {10};
  m.cg.s.pids = 1;
  StatsCollector collector(m, tmp.path());
  auto first = collector.collect({record("web", true)});
  ASSERT_EQ(first.size(), 1u);
  EXPECT_EQ(first[0].cpu_percent, 0.0) << "one sample gives no rate";
  EXPECT_EQ(first[0].mem_limit, 2048u * 1024) << "unlimited: the host's memory";
  EXPECT_EQ(first[0].block.read, 10000u);

  m.cg.s.cpu_usage_ns = 1'000'000'000'000;  // far more CPU than the elapsed wall time
  auto second = collector.collect({record("web", true)});
  EXPECT_GT(second[0].cpu_percent, 100.0);
  EXPECT_EQ(second[0].pids, 1u);
}
