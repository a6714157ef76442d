// cgroup v2 driver: one directory per container at <mount>/lit/<id>, with the
// controllers lit needs enabled in the root's and lit's cgroup.subtree_control.
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <sstream>

#include "runtime/cgroups/device_filter.hpp"
#include "runtime/cgroups/drivers.hpp"
#include "runtime/cgroups/files.hpp"
#include "runtime/util/error.hpp"
#include "runtime/util/fs.hpp"

namespace lit::cgroups {
namespace {

const char* const kWanted[] = {"memory", "cpu", "pids"};

std::vector<std::string> words(const fs::path& file) {
  std::vector<std::string> out;
  std::istringstream in(read_file(file));
  std::string w;
  while (in >> w) out.push_back(w);
  return out;
}

bool contains(const std::vector<std::string>& v, const std::string& s) {
  return std::find(v.begin(), v.end(), s) != v.end();
}

// Enables (only) the wanted controllers the parent has and does not delegate yet.
void enable_controllers(const fs::path& parent) {
  auto available = words(parent / "cgroup.controllers");
  auto enabled = words(parent / "cgroup.subtree_control");
  std::string add;
  for (const char* c : kWanted) {
    if (contains(available, c) && !contains(enabled, c)) {
      add += (add.empty() ? "+" : " +") + std::string(c);
    }
  }
  if (!add.empty()) write_knob(parent, "cgroup.subtree_control", add, "cgroup controllers");
}

class V2Cgroup final : public Cgroup {
 public:
  explicit V2Cgroup(fs::path dir) : dir_(std::move(dir)) {}

  void apply(const Limits& limits) override {
    if (limits.memory_bytes) {
      write_knob(dir_, "memory.max", std::to_string(*limits.memory_bytes), "memory limit");
      // Without swap.max = 0 the container could swap past its limit.
      if (fs::exists(dir_ / "memory.swap.max"))
        write_knob(dir_, "memory.swap.max", "0", "swap limit");
    }
    if (limits.cpus) {
      std::string v =
          std::to_string(cpu_quota_us(*limits.cpus)) + " " + std::to_string(kCpuPeriodUs);
      write_knob(dir_, "cpu.max", v, "cpu limit");
    }
    if (limits.pids) write_knob(dir_, "pids.max", std::to_string(*limits.pids), "pids limit");
    // With a rule allowing everything there is nothing to filter.
    if (limits.devices && std::find(limits.devices->begin(), limits.devices->end(),
                                    all_devices_rule()) == limits.devices->end())
      attach_device_filter(dir_, *limits.devices);
  }

  void add_process(pid_t pid) override {
    write_knob(dir_, "cgroup.procs", std::to_string(pid),
               "cgroup of process " + std::to_string(pid));
  }

  // v2 moves only whole processes through cgroup.procs (cgroup.threads is for
  // threaded cgroups), so this takes the threadgroup lock like add_process.
  void join_self() override {
    write_knob(dir_, "cgroup.procs", "0", "cgroup of the container's process");
  }

  std::vector<pid_t> processes() const override { return read_pids(dir_ / "cgroup.procs"); }

  std::uint64_t oom_kills() const override {
    return read_keyed(dir_ / "memory.events", "oom_kill").value_or(0);
  }

  Stats stats() const override {
    Stats s;
    s.memory_bytes = read_number(dir_ / "memory.current").value_or(0);
    s.memory_limit = read_number(dir_ / "memory.max").value_or(0);  // "max" -> 0
    s.memory_inactive_file = read_keyed(dir_ / "memory.stat", "inactive_file").value_or(0);
    s.cpu_usage_ns = read_keyed(dir_ / "cpu.stat", "usage_usec").value_or(0) * 1000;
    s.pids = read_number(dir_ / "pids.current").value_or(0);
    return s;
  }

  void destroy() override {
    if (remove_if_empty({dir_})) return;  // the usual case: nothing to thaw or kill
    thaw_quietly();  // cgroup.kill works on a frozen cgroup; the SIGKILL fallback does not
    kill_and_remove({dir_}, dir_ / "cgroup.kill");
  }

  std::vector<fs::path> paths() const override { return {dir_}; }
  fs::path memory_dir() const override { return dir_; }

  void freeze(bool frozen) override {
    if (!fs::exists(dir_ / "cgroup.freeze"))
      throw Error("the cgroup freezer is not available: no cgroup.freeze in", dir_.string(), 0,
                  "pause needs cgroup v2 on Linux 5.2 or later");
    std::string want = frozen ? "1" : "0";
    write_until(dir_, "cgroup.freeze", want, frozen ? "freeze cgroup" : "thaw cgroup", [&] {
      auto v = read_keyed(dir_ / "cgroup.events", "frozen");
      return !v || std::to_string(*v) == want;
    });
  }

 private:
  fs::path dir_;

  void thaw_quietly() {
    std::error_code ec;
    if (!fs::exists(dir_ / "cgroup.freeze", ec)) return;
    try {
      write_knob(dir_, "cgroup.freeze", "0", "thaw cgroup");
    } catch (const Error&) {
      // Removed meanwhile: nothing to thaw.
    }
  }
};

class V2Manager final : public Manager {
 public:
  explicit V2Manager(fs::path mount) : mount_(std::move(mount)) {}

  std::string driver() const override { return "v2"; }

  std::unique_ptr<Cgroup> create(const std::string& id) override {
    validate_id(id);
    fs::path lit = mount_ / "lit";
    fs::path dir = lit / id;
    enable_controllers(mount_);
    // A concurrent destroy may remove the empty `lit` parent before our mkdir
    // (ENOENT): make it again.
    for (int attempt = 0;; ++attempt) {
      if (::mkdir(lit.c_str(), 0755) < 0 && errno != EEXIST) {
        throw Error::sys("create cgroup", lit.string(), errno);
      }
      enable_controllers(lit);
      if (::mkdir(dir.c_str(), 0755) == 0 || errno == EEXIST) break;
      if (errno != ENOENT || attempt >= 3) throw Error::sys("create cgroup", dir.string(), errno);
    }
    return std::make_unique<V2Cgroup>(dir);
  }

  std::unique_ptr<Cgroup> open(const std::string& id) override {
    validate_id(id);
    return std::make_unique<V2Cgroup>(mount_ / "lit" / id);
  }

  std::vector<std::string> list() const override { return list_dirs(mount_ / "lit"); }

 private:
  fs::path mount_;
};

}  // namespace

std::unique_ptr<Cgroup> make_v2_cgroup(const fs::path& dir) {
  return std::make_unique<V2Cgroup>(dir);
}

std::unique_ptr<Manager> make_v2_manager(const fs::path& mount) {
  return std::make_unique<V2Manager>(mount);
}

}  // namespace lit::cgroups
