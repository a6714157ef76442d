#pragma once
// A fake systemd for the tests of the systemd cgroup manager:
// org.freedesktop.systemd1 on a private dbus-daemon (private_bus.hpp),
// written with sdbus-c++, doing with a scope what systemd does (its directory
// under lit.slice in the cgroup2 hierarchy, the PIDs moved in, JobRemoved for
// its job). This host has no systemd, and its cgroups are hybrid:
// LIT_SYSTEMD_CGROUP_ROOT points lit at the cgroup2 mount (.../unified),
// where directories can be made and processes moved.
#include <sdbus-c++/sdbus-c++.h>
#include <sys/statfs.h>
#include <unistd.h>

#include <algorithm>
#include <cstdint>
#include <filesystem>
#include <fstream>
#include <map>
#include <memory>
#include <mutex>
#include <sstream>
#include <string>
#include <utility>
#include <vector>

namespace lit::test {

inline constexpr const char* kSystemdManager = "org.freedesktop.systemd1.Manager";
using SystemdProperties = std::vector<sdbus::Struct<std::string, sdbus::Variant>>;
using SystemdAuxUnits = std::vector<sdbus::Struct<std::string, SystemdProperties>>;

// A property's value as text: "s" as is, "b" true/false, "t" the number, "au" "1 2 3".
inline std::string variant_text(const sdbus::Variant& v) {
  const std::string type = v.peekValueType();
  if (type == "s") return v.get<std::string>();
  if (type == "b") return v.get<bool>() ? "true" : "false";
  if (type == "t") return std::to_string(v.get<std::uint64_t>());
  if (type == "au") {
    std::string out;
    for (auto pid : v.get<std::vector<std::uint32_t>>())
      out += (out.empty() ? "" : " ") + std::to_string(pid);
    return out;
  }
  return "(" + type + ")";
}

// org.freedesktop.systemd1's Manager, the part lit uses: StartTransientUnit
// makes <cgroup2>/lit.slice/<unit> and moves the PIDs in, StopUnit removes it
// (lit has killed its processes); both answer with a job whose JobRemoved is
// sent before the reply, the race a client has to handle.
class FakeSystemd {
 public:
  FakeSystemd(const std::string& address, std::filesystem::path cgroup2)
      : cgroup2_(std::move(cgroup2)),
        connection_(sdbus::createSessionBusConnectionWithAddress(address)) {
    object_ = sdbus::createObject(*connection_, "/org/freedesktop/systemd1");
    object_->registerMethod("StartTransientUnit")
        .onInterface(kSystemdManager)
        .implementedAs([this](const std::string& unit, const std::string& mode,
                              const SystemdProperties& props,
                              const SystemdAuxUnits&) { return start(unit, mode, props); });
    object_->registerMethod("StopUnit")
        .onInterface(kSystemdManager)
        .implementedAs([this](const std::string& unit, const std::string&) { return stop(unit); });
    object_->registerMethod("SetUnitProperties")
        .onInterface(kSystemdManager)
        .implementedAs([this](const std::string& unit, bool, const SystemdProperties& props) {
          std::lock_guard lock(mutex_);
          for (const auto& p : props) units_[unit][p.get<0>()] = variant_text(p.get<1>());
          calls_.push_back("SetUnitProperties " + unit);
        });
    object_->registerMethod("Subscribe").onInterface(kSystemdManager).implementedAs([] {});
    object_->registerSignal("JobRemoved")
        .onInterface(kSystemdManager)
        .withParameters<std::uint32_t, sdbus::ObjectPath, std::string, std::string>();
    object_->finishRegistration();
    connection_->requestName("org.freedesktop.systemd1");
    connection_->enterEventLoopAsync();
  }
  ~FakeSystemd() {
    connection_->leaveEventLoop();
    object_.reset();
  }

  // The next StartTransientUnit fails with this D-Bus error.
  void refuse_next(std::string error) {
    std::lock_guard lock(mutex_);
    refuse_ = std::move(error);
  }
  // unit -> property -> value, as StartTransientUnit (and SetUnitProperties) got them.
  std::map<std::string, std::string> properties(const std::string& unit) {
    std::lock_guard lock(mutex_);
    return units_.contains(unit) ? units_[unit] : std::map<std::string, std::string>{};
  }
  std::vector<std::string> calls() {
    std::lock_guard lock(mutex_);
    return calls_;
  }
  bool called(const std::string& call) {
    auto all = calls();
    return std::find(all.begin(), all.end(), call) != all.end();
  }

 private:
  sdbus::ObjectPath start(const std::string& unit, const std::string& mode,
                          const SystemdProperties& props) {
    std::lock_guard lock(mutex_);
    calls_.push_back("StartTransientUnit " + unit + " " + mode);
    if (!refuse_.empty()) {
      std::string name = std::exchange(refuse_, "");
      throw sdbus::Error(name, "Unit " + unit + " already exists.");
    }
    auto& got = units_[unit];
    for (const auto& p : props) got[p.get<0>()] = variant_text(p.get<1>());
    const std::filesystem::path dir = cgroup2_ / got["Slice"] / unit;
    std::filesystem::create_directories(dir);
    std::istringstream pids(got["PIDs"]);
    for (std::string pid; pids >> pid;) std::ofstream(dir / "cgroup.procs") << pid;
    return finish_job(unit);
  }

  sdbus::ObjectPath stop(const std::string& unit) {
    std::lock_guard lock(mutex_);
    calls_.push_back("StopUnit " + unit);
    const std::filesystem::path dir = cgroup2_ / "lit.slice" / unit;
    if (!std::filesystem::exists(dir))
      throw sdbus::Error("org.freedesktop.systemd1.NoSuchUnit", "Unit " + unit + " not loaded.");
    ::rmdir(dir.c_str());
    return finish_job(unit);
  }

  sdbus::ObjectPath finish_job(const std::string& unit) {
    sdbus::ObjectPath job("/org/freedesktop/systemd1/job/" + std::to_string(++jobs_));
    object_->emitSignal("JobRemoved")
        .onInterface(kSystemdManager)
        .withArguments(jobs_, job, unit, std::string("done"));
    return job;
  }

  std::filesystem::path cgroup2_;
  std::unique_ptr<sdbus::IConnection> connection_;
  std::unique_ptr<sdbus::IObject> object_;
  std::mutex mutex_;
  std::map<std::string, std::map<std::string, std::string>> units_;
  std::vector<std::string> calls_;
  std::string refuse_;
  std::uint32_t jobs_ = 0;
};

// The host's cgroup2 mount: /sys/fs/cgroup (unified) or .../unified (hybrid).
inline std::filesystem::path cgroup2_mount() {
  for (const std::filesystem::path p : {"/sys/fs/cgroup", "/sys/fs/cgroup/unified"}) {
    struct statfs st {};
    if (::statfs(p.c_str(), &st) == 0 && st.f_type == 0x63677270) return p;
  }
  return {};
}

}  // namespace lit::test
