// cgroup v1 driver: one directory per controller lit uses, each at
// <controller mount>/lit/<id>; co-mounted controllers ("cpu,cpuacct") share one.
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <set>

#include "runtime/cgroups/device_rules.hpp"
#include "runtime/cgroups/drivers.hpp"
#include "runtime/cgroups/files.hpp"
#include "runtime/util/error.hpp"
#include "runtime/util/fs.hpp"

namespace lit::cgroups {
namespace {

// Kernels report "no limit" as a huge page-aligned number (2^63 - 4096).
std::uint64_t limit_or_zero(std::optional<std::uint64_t> v) {
  return v && *v < (std::uint64_t{1} << 62) ? *v : 0;
}

class V1Cgroup final : public Cgroup {
 public:
  // controller -> its directory for this cgroup.
  explicit V1Cgroup(std::map<std::string, fs::path> dirs) : dirs_(std::move(dirs)) {}

  void apply(const Limits& limits) override {
    if (limits.memory_bytes) set_memory(*limits.memory_bytes);
    if (limits.cpus) {
      fs::path d = dir("cpu", "cpu limit");
      write_knob(d, "cpu.cfs_period_us", std::to_string(kCpuPeriodUs), "cpu limit");
      write_knob(d, "cpu.cfs_quota_us", std::to_string(cpu_quota_us(*limits.cpus)), "cpu limit");
    }
    if (limits.pids)
      write_knob(dir("pids", "pids limit"), "pids.max", std::to_string(*limits.pids), "pids limit");
    if (limits.devices) set_devices(*limits.devices);
  }

  void add_process(pid_t pid) override {
    for (const auto& d : joinable()) {
      write_knob(d, "cgroup.procs", std::to_string(pid),
                 "cgroup of process " + std::to_string(pid));
    }
  }

  // "0" in `tasks` is the writing thread itself: the kernel moves it without
  // the threadgroup lock (cgroup_procs_write_start). Single-threaded, the
  // thread is the whole process.
  void join_self() override {
    for (const auto& d : joinable())
      write_knob(d, "tasks", "0", "cgroup of the container's process");
  }

  // The directories a process joins: a controller the cgroup was made without
  // (a container started by an older lit has no `devices` directory) is
  // skipped; with none of them there, all are tried and the write names why.
  std::vector<fs::path> joinable() const {
    std::vector<fs::path> all = paths(), present;
    std::error_code ec;
    for (const auto& d : all)
      if (fs::is_directory(d, ec)) present.push_back(d);
    return present.empty() ? all : present;
  }

  std::vector<pid_t> processes() const override {
    std::set<pid_t> all;
    for (const auto& d : paths()) {
      for (pid_t p : read_pids(d / "cgroup.procs")) all.insert(p);
    }
    return {all.begin(), all.end()};
  }

  std::uint64_t oom_kills() const override {
    auto it = dirs_.find("memory");
    if (it == dirs_.end()) return 0;
    return read_keyed(it->second / "memory.oom_control", "oom_kill").value_or(0);
  }

  Stats stats() const override {
    Stats s;
    if (auto it = dirs_.find("memory"); it != dirs_.end()) {
      s.memory_bytes = read_number(it->second / "memory.usage_in_bytes").value_or(0);
      s.memory_limit = limit_or_zero(read_number(it->second / "memory.limit_in_bytes"));
      s.memory_inactive_file =
          read_keyed(it->second / "memory.stat", "total_inactive_file").value_or(0);
    }
    if (auto it = dirs_.find("cpuacct"); it != dirs_.end()) {
      s.cpu_usage_ns = read_number(it->second / "cpuacct.usage").value_or(0);
    }
    if (auto it = dirs_.find("pids"); it != dirs_.end()) {
      s.pids = read_number(it->second / "pids.current").value_or(0);
    }
    return s;
  }

  void destroy() override {
    if (remove_if_empty(paths())) return;  // the usual case: nothing to thaw or kill
    // Frozen tasks do not die of SIGKILL until thawed.
    if (auto it = dirs_.find("freezer"); it != dirs_.end() && fs::exists(it->second)) {
      try {
        write_knob(it->second, "freezer.state", "THAWED", "thaw cgroup");
      } catch (const Error&) {
        // Removed meanwhile: nothing to thaw.
      }
    }
    kill_and_remove(paths());
  }

  void freeze(bool frozen) override {
    auto it = dirs_.find("freezer");
    if (it == dirs_.end())
      throw Error(
          "the cgroup freezer is not available: no cgroup v2, and the v1 freezer "
          "controller is not mounted",
          {}, 0, "mount it: mount -t cgroup -o freezer freezer /sys/fs/cgroup/freezer");
    const fs::path d = it->second;
    const std::string want = frozen ? "FROZEN" : "THAWED";
    write_until(d, "freezer.state", want, frozen ? "freeze cgroup" : "thaw cgroup", [&] {
      std::error_code ec;
      if (!fs::exists(d / "freezer.state", ec)) return true;  // removed: its tasks are gone
      std::string now = read_file(d / "freezer.state");
      return now.substr(0, now.find_last_not_of(" \n") + 1) == want;
    });
  }

  fs::path memory_dir() const override {
    auto it = dirs_.find("memory");
    return it == dirs_.end() ? fs::path() : it->second;
  }

  std::vector<fs::path> paths() const override {
    std::vector<fs::path> out;
    for (const auto& [c, d] : dirs_) {
      if (std::find(out.begin(), out.end(), d) == out.end()) out.push_back(d);
    }
    return out;
  }

 private:
  fs::path dir(const std::string& controller, const std::string& what) const {
    auto it = dirs_.find(controller);
    if (it == dirs_.end()) {
      throw Error("set " + what + ": the " + controller + " cgroup controller is not mounted", {},
                  0, "mount the v1 " + controller + " controller under /sys/fs/cgroup");
    }
    return it->second;
  }

  // memory+swap is limited to the same value so the limit is real; it must stay
  // >= memory.limit_in_bytes, so when raising, the kernel wants it written first.
  void set_memory(std::int64_t bytes) {
    fs::path d = dir("memory", "memory limit");
    std::string v = std::to_string(bytes);
    bool memsw = fs::exists(d / "memory.memsw.limit_in_bytes");  // absent: swap accounting off
    try {
      write_knob(d, "memory.limit_in_bytes", v, "memory limit");
    } catch (const Error& e) {
      if (!memsw || e.err() != EINVAL) throw;
      write_knob(d, "memory.memsw.limit_in_bytes", v, "memory+swap limit");
      write_knob(d, "memory.limit_in_bytes", v, "memory limit");
    }
    if (memsw) write_knob(d, "memory.memsw.limit_in_bytes", v, "memory+swap limit");
  }

  // Deny all first, then allow each rule: the kernel keeps the allow list.
  void set_devices(const std::vector<DeviceRule>& rules) {
    fs::path d = dir("devices", "device access");
    write_knob(d, "devices.deny", "a", "device access");
    std::vector<std::string> allow;
    for (const auto& r : rules) allow.push_back(v1_device_rule(r));
    write_knob_each(d, "devices.allow", allow, "device access");
  }

  std::map<std::string, fs::path> dirs_;
};

class V1Manager final : public Manager {
 public:
  explicit V1Manager(std::map<std::string, fs::path> mounts) : mounts_(std::move(mounts)) {}

  std::string driver() const override { return "v1"; }

  std::unique_ptr<Cgroup> create(const std::string& id) override {
    auto cg = open(id);
    std::vector<fs::path> made;
    try {
      for (const auto& d : cg->paths()) {
        // A concurrent destroy may remove the empty `lit` parent between the two
        // mkdirs (ENOENT): make it again.
        for (int attempt = 0;; ++attempt) {
          fs::path lit = d.parent_path();
          if (::mkdir(lit.c_str(), 0755) < 0 && errno != EEXIST)
            throw Error::sys("create cgroup", lit.string(), errno);
          if (::mkdir(d.c_str(), 0755) == 0) {
            made.push_back(d);
          } else if (errno == ENOENT && attempt < 3) {
            continue;
          } else if (errno != EEXIST) {
            throw Error::sys("create cgroup", d.string(), errno);
          }
          break;
        }
      }
    } catch (...) {
      for (const auto& d : made) ::rmdir(d.c_str());  // nothing half-made is left
      throw;
    }
    return cg;
  }

  std::unique_ptr<Cgroup> open(const std::string& id) override {
    validate_id(id);
    std::map<std::string, fs::path> dirs;
    for (const auto& [c, m] : mounts_) dirs[c] = m / "lit" / id;
    return std::make_unique<V1Cgroup>(std::move(dirs));
  }

  std::vector<std::string> list() const override {
    std::set<std::string> ids;
    for (const auto& [c, m] : mounts_) {
      for (auto& id : list_dirs(m / "lit")) ids.insert(std::move(id));
    }
    return {ids.begin(), ids.end()};
  }

 private:
  std::map<std::string, fs::path> mounts_;
};

}  // namespace

std::unique_ptr<Manager> make_v1_manager(const std::map<std::string, fs::path>& controller_mounts) {
  return std::make_unique<V1Manager>(controller_mounts);
}

}  // namespace lit::cgroups
