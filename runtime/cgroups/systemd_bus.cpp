// Opens lit-systemd-cgroup.so (next to lit) and adapts its C interface to
// SystemdBus: properties to C structs, error texts to lit::Error.
#include "runtime/cgroups/systemd_bus.hpp"

#include <dlfcn.h>

#include <chrono>

#include "runtime/util/error.hpp"
#include "runtime/util/paths.hpp"

namespace lit::cgroups {
namespace {

constexpr unsigned kJobTimeoutMs = 10000;
constexpr std::size_t kErrLen = 1024;

// The module's interface, loaded once per process; never unloaded (libsystemd
// keeps per-thread state that a dlclose would leave dangling).
const lit_sd_api& module_api() {
  static const lit_sd_api* api = [] {
    const std::string path = helper_executable(kSystemdModule).string();
    void* lib = ::dlopen(path.c_str(), RTLD_NOW | RTLD_LOCAL);
    if (!lib)
      throw Error("load " + path + ": " + ::dlerror(), {}, 0,
                  "the systemd cgroup manager needs libsdbus-c++1 (scripts/setup.sh installs it)");
    auto get = reinterpret_cast<const lit_sd_api* (*)()>(::dlsym(lib, "lit_systemd_cgroup_api"));
    const lit_sd_api* found = get ? get() : nullptr;
    if (!found || found->version != kLitSdApiVersion)
      throw Error("load " + path + ": not the module of this lit (interface version)", {}, 0,
                  "reinstall lit: lit and " + std::string(kSystemdModule) + " come together");
    return found;
  }();
  return *api;
}

// The C form of a property list; the strings stay owned by `props`.
std::vector<lit_sd_property> c_properties(const std::vector<UnitProperty>& props) {
  std::vector<lit_sd_property> out;
  for (const auto& p : props) {
    lit_sd_property c{p.name.c_str(), 't', nullptr, 0};
    if (const auto* s = std::get_if<std::string>(&p.value)) {
      c.type = 's';
      c.s = s->c_str();
    } else if (const auto* b = std::get_if<bool>(&p.value)) {
      c.type = 'b';
      c.u = *b ? 1 : 0;
    } else {
      c.u = std::get<std::uint64_t>(p.value);
    }
    out.push_back(c);
  }
  return out;
}

class ModuleBus final : public SystemdBus {
 public:
  ModuleBus() : api_(module_api()) {
    char err[kErrLen] = "";
    bus_ = api_.open(err, sizeof err);
    if (!bus_)
      throw Error(std::string("connect to systemd on the system bus: ") + err, {}, 0,
                  "the systemd cgroup manager needs systemd as PID 1; use --cgroup-manager "
                  "cgroupfs");
  }
  ~ModuleBus() override { api_.close(bus_); }
  ModuleBus(const ModuleBus&) = delete;
  ModuleBus& operator=(const ModuleBus&) = delete;

  void start_scope(const std::string& unit, pid_t pid,
                   const std::vector<UnitProperty>& properties) override {
    auto c = c_properties(properties);
    const std::uint32_t pids[] = {static_cast<std::uint32_t>(pid)};
    char err[kErrLen] = "";
    int rc = api_.start_scope(bus_, unit.c_str(), pids, 1, c.data(), c.size(), kJobTimeoutMs, err,
                              sizeof err);
    if (rc < 0) throw ScopeStartError("start systemd scope " + unit + ": " + err, rc == -2);
  }

  bool stop_unit(const std::string& unit) override {
    char err[kErrLen] = "";
    int rc = api_.stop_unit(bus_, unit.c_str(), kJobTimeoutMs, err, sizeof err);
    if (rc < 0) throw Error("stop systemd unit " + unit + ": " + err);
    return rc == 0;
  }

  void set_properties(const std::string& unit,
                      const std::vector<UnitProperty>& properties) override {
    auto c = c_properties(properties);
    char err[kErrLen] = "";
    if (api_.set_properties(bus_, unit.c_str(), c.data(), c.size(), err, sizeof err) < 0)
      throw Error("set properties of systemd unit " + unit + ": " + err);
  }

 private:
  const lit_sd_api& api_;
  void* bus_ = nullptr;
};

}  // namespace

std::unique_ptr<SystemdBus> open_systemd_bus() { return std::make_unique<ModuleBus>(); }

}  // namespace lit::cgroups
