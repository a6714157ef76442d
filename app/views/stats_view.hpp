#pragma once
// `lit container stats`: samples of each container's cgroup turned into docker's
// columns (CPU % over the time between two samples, memory without inactive page
// cache against the limit or the host's memory, block I/O, pids).
#include <cstdint>
#include <filesystem>
#include <map>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "runtime/cgroups/cgroup.hpp"
#include "runtime/state/record.hpp"

namespace lit::app {

struct BlockIo {
  std::uint64_t read = 0, written = 0;  // bytes that reached the storage layer
};

struct StatsSample {
  bool running = false;
  cgroups::Stats cgroup;
  BlockIo block;
  std::int64_t taken_ns = 0;  // CLOCK_MONOTONIC
};

struct StatsRow {
  std::string id, name;
  double cpu_percent = 0, mem_percent = 0;
  std::uint64_t mem_usage = 0, mem_limit = 0;
  std::uint64_t net_rx = 0, net_tx = 0;  // no container networks yet
  BlockIo block;
  std::uint64_t pids = 0;
};

// Block I/O of the given processes from /proc/<pid>/io (a parent's counts include
// its reaped children), so it works whichever cgroup controllers exist.
BlockIo block_io(const std::vector<pid_t>& pids, const std::filesystem::path& proc_root = "/proc");

// MemTotal from /proc/meminfo: the limit shown for a container without one.
std::uint64_t host_memory_bytes(const std::filesystem::path& proc_root = "/proc");

// CPU time used between the samples over the wall time between them, in percent
// of one CPU (docker's figure: 200% is two CPUs busy).
double cpu_percent(const StatsSample& prev, const StatsSample& cur);

StatsRow stats_row(const runtime::ContainerRecord& r, const StatsSample& prev,
                   const StatsSample& cur, std::uint64_t host_memory);

// go-units' sizes, as docker prints them: binary "1.5MiB" (memory) and
// decimal with three digits "12.3kB" (network and block I/O).
std::string binary_size(std::uint64_t bytes);
std::string decimal_size(std::uint64_t bytes);

inline const std::vector<std::string> kStatsTitles = {
    "CONTAINER ID", "NAME", "CPU %", "MEM USAGE / LIMIT", "MEM %", "NET I/O", "BLOCK I/O", "PIDS"};
std::vector<std::string> stats_cells(const StatsRow& row);
// docker's `stats --format json` object (all values as strings, as docker has them).
nlohmann::json stats_json(const StatsRow& row);

// Keeps each container's previous sample so that every collect() reports CPU %
// over the time since the last one (0 for a container seen the first time).
class StatsCollector {
 public:
  // `cgroups`: the cgroupfs manager; a container whose cgroup is a systemd
  // scope is read through the systemd manager, made when one is first seen.
  explicit StatsCollector(cgroups::Manager& cgroups, std::filesystem::path proc_root = "/proc");
  std::vector<StatsRow> collect(const std::vector<runtime::ContainerRecord>& containers);

 private:
  StatsSample sample(const runtime::ContainerRecord& r);
  cgroups::Manager& manager_of(const runtime::ContainerRecord& r);

  cgroups::Manager& cgroups_;
  std::unique_ptr<cgroups::Manager> systemd_;
  std::filesystem::path proc_root_;
  std::uint64_t host_memory_;
  std::map<std::string, StatsSample> prev_;
};

}  // namespace lit::app
