// `lit container stats`: from cgroup samples to docker's figures and columns.
#include "app/views/stats_view.hpp"

#include <time.h>

#include <cstdio>
#include <sstream>

#include "runtime/state/liveness.hpp"
#include "runtime/util/error.hpp"
#include "runtime/util/fs.hpp"

namespace lit::app {
namespace fs = std::filesystem;

namespace {

// The value of "key: N" in a /proc file (/proc/<pid>/io, /proc/meminfo); 0 if absent.
std::uint64_t proc_field(const std::string& text, std::string_view key) {
  std::istringstream in(text);
  for (std::string line; std::getline(in, line);) {
    if (line.size() > key.size() && line.starts_with(key) && line[key.size()] == ':')
      return std::stoull(line.substr(key.size() + 1));
  }
  return 0;
}

std::int64_t monotonic_ns() {
  timespec ts{};
  ::clock_gettime(CLOCK_MONOTONIC, &ts);
  return std::int64_t{ts.tv_sec} * 1'000'000'000 + ts.tv_nsec;
}

// go-units' getSizeAndUnit + "%.*g%s".
std::string scaled(std::uint64_t bytes, double base, const std::vector<const char*>& units,
                   int precision) {
  double size = static_cast<double>(bytes);
  size_t i = 0;
  while (size >= base && i + 1 < units.size()) {
    size /= base;
    ++i;
  }
  char buf[64];
  std::snprintf(buf, sizeof buf, "%.*g%s", precision, size, units[i]);
  return buf;
}

std::string percent(double v) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "%.2f%%", v);
  return buf;
}

}  // namespace

BlockIo block_io(const std::vector<pid_t>& pids, const fs::path& proc_root) {
  BlockIo total;
  for (pid_t pid : pids) {
    std::string text;
    try {
      text = read_file(proc_root / std::to_string(pid) / "io");
    } catch (const Error&) {
      continue;  // exited meanwhile
    }
    total.read += proc_field(text, "read_bytes");
    total.written += proc_field(text, "write_bytes");
  }
  return total;
}

std::uint64_t host_memory_bytes(const fs::path& proc_root) {
  return proc_field(read_file(proc_root / "meminfo"), "MemTotal") * 1024;  // "... kB"
}

double cpu_percent(const StatsSample& prev, const StatsSample& cur) {
  if (!prev.running || !cur.running || cur.taken_ns <= prev.taken_ns) return 0;
  if (cur.cgroup.cpu_usage_ns < prev.cgroup.cpu_usage_ns) return 0;  // restarted: a new cgroup
  return static_cast<double>(cur.cgroup.cpu_usage_ns - prev.cgroup.cpu_usage_ns) /
         static_cast<double>(cur.taken_ns - prev.taken_ns) * 100.0;
}

StatsRow stats_row(const runtime::ContainerRecord& r, const StatsSample& prev,
                   const StatsSample& cur, std::uint64_t host_memory) {
  StatsRow row;
  row.id = r.id.substr(0, 12);
  row.name = r.name;
  if (!cur.running) return row;  // docker shows a stopped container as all zeros
  const auto& s = cur.cgroup;
  row.cpu_percent = cpu_percent(prev, cur);
  row.mem_usage = s.memory_bytes > s.memory_inactive_file ? s.memory_bytes - s.memory_inactive_file
                                                          : s.memory_bytes;
  row.mem_limit = s.memory_limit != 0 ? s.memory_limit : host_memory;
  if (row.mem_limit != 0)
    row.mem_percent = static_cast<double>(row.mem_usage) / static_cast<double>(row.mem_limit) * 100;
  row.block = cur.block;
  row.pids = s.pids;
  return row;
}

std::string binary_size(std::uint64_t bytes) {
  return scaled(bytes, 1024.0, {"B", "KiB", "MiB", "GiB", "TiB", "PiB", "EiB"}, 4);
}

std::string decimal_size(std::uint64_t bytes) {
  return scaled(bytes, 1000.0, {"B", "kB", "MB", "GB", "TB", "PB", "EB"}, 3);
}

std::vector<std::string> stats_cells(const StatsRow& row) {
  return {row.id,
          row.name,
          percent(row.cpu_percent),
          binary_size(row.mem_usage) + " / " + binary_size(row.mem_limit),
          percent(row.mem_percent),
          decimal_size(row.net_rx) + " / " + decimal_size(row.net_tx),
          decimal_size(row.block.read) + " / " + decimal_size(row.block.written),
          std::to_string(row.pids)};
}

nlohmann::json stats_json(const StatsRow& row) {
  auto c = stats_cells(row);
  return {{"ID", c[0]},      {"Name", c[1]},     {"Container", c[1]},
          {"CPUPerc", c[2]}, {"MemUsage", c[3]}, {"MemPerc", c[4]},
          {"NetIO", c[5]},   {"BlockIO", c[6]},  {"PIDs", c[7]}};
}

StatsCollector::StatsCollector(cgroups::Manager& cgroups, fs::path proc_root)
    : cgroups_(cgroups),
      proc_root_(std::move(proc_root)),
      host_memory_(host_memory_bytes(proc_root_)) {}

cgroups::Manager& StatsCollector::manager_of(const runtime::ContainerRecord& r) {
  if (r.spec.cgroup_manager == cgroups::ManagerKind::Cgroupfs) return cgroups_;
  if (!systemd_) systemd_ = cgroups::manager_for(r.spec.cgroup_manager);
  return *systemd_;
}

StatsSample StatsCollector::sample(const runtime::ContainerRecord& r) {
  StatsSample s;
  s.taken_ns = monotonic_ns();
  if (runtime::observed_state(r).status != runtime::ContainerStatus::Running) return s;
  auto cg = manager_of(r).open(r.id);
  s.running = true;
  s.cgroup = cg->stats();
  s.block = block_io(cg->processes(), proc_root_);
  return s;
}

std::vector<StatsRow> StatsCollector::collect(
    const std::vector<runtime::ContainerRecord>& containers) {
  std::vector<StatsRow> rows;
  std::map<std::string, StatsSample> now;
  for (const auto& r : containers) {
    StatsSample cur = sample(r);
    auto it = prev_.find(r.id);
    rows.push_back(stats_row(r, it != prev_.end() ? it->second : StatsSample{}, cur, host_memory_));
    now[r.id] = cur;
  }
  prev_ = std::move(now);
  return rows;
}

}  // namespace lit::app
