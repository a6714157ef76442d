// systemd driver: each container's cgroup is a transient scope,
// lit-<id>.scope in lit.slice, started through systemd's D-Bus API with the
// container's init in it (a scope cannot exist empty, so the parent starts it
// with the init's pid; the init does not join by itself). With Delegate=yes
// the scope's directory is lit's to use: stats, freezing, the device filter,
// exec's joins and the kill go through the v2 driver's code. The limits are
// given to systemd as unit properties, so that systemd, which owns the scope's
// own knobs, keeps them.
#include <spdlog/spdlog.h>
#include <sys/statfs.h>

#include <cstdlib>
#include <optional>

#include "runtime/cgroups/drivers.hpp"
#include "runtime/cgroups/files.hpp"
#include "runtime/cgroups/systemd_unit.hpp"
#include "runtime/util/error.hpp"

#ifndef CGROUP2_SUPER_MAGIC
#define CGROUP2_SUPER_MAGIC 0x63677270
#endif

namespace lit::cgroups {
namespace {

bool is_cgroup2(const fs::path& dir) {
  struct statfs st {};
  return ::statfs(dir.c_str(), &st) == 0 && st.f_type == CGROUP2_SUPER_MAGIC;
}

class SystemdCgroup final : public Cgroup {
 public:
  // pending: made by create(), started by start_with(); else an existing scope.
  SystemdCgroup(const std::string& id, const fs::path& v2_root, SystemdBusFactory bus, bool pending)
      : id_(id),
        unit_(scope_unit_name(id)),
        dir_(scope_dir(v2_root, id)),
        v2_(make_v2_cgroup(dir_)),
        bus_factory_(std::move(bus)),
        pending_(pending) {}

  void apply(const Limits& limits) override {
    Limits devices;
    devices.devices = limits.devices;
    if (pending_) {  // given with StartTransientUnit
      if (limits.memory_bytes) start_limits_.memory_bytes = limits.memory_bytes;
      if (limits.cpus) start_limits_.cpus = limits.cpus;
      if (limits.pids) start_limits_.pids = limits.pids;
      if (limits.devices) start_limits_.devices = limits.devices;
      return;
    }
    if (auto props = limit_properties(limits); !props.empty()) bus().set_properties(unit_, props);
    if (devices.devices) v2_->apply(devices);
  }

  void add_process(pid_t pid) override {
    if (pending_)
      start_with(pid);
    else
      v2_->add_process(pid);
  }

  // The container's init (pending: its parent starts the scope with it) or an
  // exec helper joining a running container's scope.
  void join_self() override {
    if (!pending_) v2_->join_self();
  }

  void start_with(pid_t init) override {
    if (!pending_) return;
    try {
      bus().start_scope(unit_, init, scope_properties(id_, start_limits_));
    } catch (const ScopeStartError& e) {
      if (e.unit_made()) remove_quietly();
      throw;
    }
    pending_ = false;
    if (!start_limits_.devices) return;
    try {
      Limits devices;
      devices.devices = start_limits_.devices;
      v2_->apply(devices);
    } catch (...) {
      remove_quietly();
      throw;
    }
  }

  std::vector<pid_t> processes() const override { return v2_->processes(); }
  std::uint64_t oom_kills() const override { return v2_->oom_kills(); }
  Stats stats() const override { return v2_->stats(); }
  std::vector<fs::path> paths() const override { return {dir_}; }
  fs::path memory_dir() const override { return dir_; }
  void freeze(bool frozen) override { v2_->freeze(frozen); }

  // Kills what is left, stops the unit (systemd stops a scope by signalling
  // its processes: none are left, so its job ends at once), and removes what
  // systemd did not. A scope that is gone was stopped already (its
  // container's exit) and collected (CollectMode).
  void destroy() override {
    std::error_code ec;
    if (!pending_ && fs::exists(dir_, ec)) teardown();
  }

 private:
  void teardown() {
    thaw_quietly();
    kill_all(dir_);
    std::optional<Error> stop_failed;
    try {
      bus().stop_unit(unit_);
    } catch (const Error& e) {
      stop_failed = e;
    }
    kill_and_remove({dir_});
    if (stop_failed) throw *stop_failed;
  }

  SystemdBus& bus() {
    if (!bus_) bus_ = bus_factory_();
    return *bus_;
  }

  void thaw_quietly() {
    try {
      std::error_code ec;
      if (fs::exists(dir_ / "cgroup.freeze", ec))
        write_knob(dir_, "cgroup.freeze", "0", "thaw cgroup");
    } catch (const Error&) {
    }
  }

  // After a failed start: whatever systemd made goes (its directory may not
  // be there, while the unit is).
  void remove_quietly() noexcept {
    try {
      pending_ = false;
      teardown();
    } catch (const std::exception& e) {
      spdlog::warn("remove systemd scope {}: {}", unit_, e.what());
    }
  }

  std::string id_, unit_;
  fs::path dir_;
  std::unique_ptr<Cgroup> v2_;
  SystemdBusFactory bus_factory_;
  std::unique_ptr<SystemdBus> bus_;
  bool pending_;
  Limits start_limits_;
};

class SystemdManager final : public Manager {
 public:
  SystemdManager(fs::path v2_root, SystemdBusFactory bus)
      : root_(std::move(v2_root)), bus_(std::move(bus)) {}

  std::string driver() const override { return "v2"; }
  ManagerKind kind() const override { return ManagerKind::Systemd; }

  std::unique_ptr<Cgroup> create(const std::string& id) override {
    return std::make_unique<SystemdCgroup>(id, root_, bus_, true);
  }
  std::unique_ptr<Cgroup> open(const std::string& id) override {
    return std::make_unique<SystemdCgroup>(id, root_, bus_, false);
  }
  std::vector<std::string> list() const override {
    std::vector<std::string> ids;
    for (const auto& name : list_dirs(root_ / kLitSlice))
      if (auto id = scope_unit_id(name)) ids.push_back(*id);
    return ids;
  }

 private:
  fs::path root_;
  SystemdBusFactory bus_;
};

}  // namespace

std::unique_ptr<Manager> make_systemd_manager(const fs::path& v2_root, SystemdBusFactory bus) {
  return std::make_unique<SystemdManager>(v2_root, std::move(bus));
}

fs::path systemd_v2_root() {
  if (const char* given = std::getenv("LIT_SYSTEMD_CGROUP_ROOT"); given && *given) {
    if (!is_cgroup2(given))
      throw Error(std::string("LIT_SYSTEMD_CGROUP_ROOT=") + given + " is not a cgroup2 mount");
    return given;
  }
  const fs::path root = "/sys/fs/cgroup";
  if (is_cgroup2(root)) return root;
  throw Error(std::string("it needs cgroup v2 as the host's only hierarchy; this host has ") +
                  (is_cgroup2(root / "unified") ? "a hybrid layout (v1 controllers)" : "cgroup v1"),
              {}, 0,
              "boot with systemd.unified_cgroup_hierarchy=1, or use --cgroup-manager cgroupfs");
}

}  // namespace lit::cgroups
