#pragma once
// lit's side of talking to systemd. The D-Bus client is sdbus-c++, in a
// module of its own (lit-systemd-cgroup.so, installed next to lit): lit does
// not link sdbus-c++ and libsystemd, which every command would pay for at
// start, and opens the module only when it starts or stops a scope. Its
// interface is C (lit's libstdc++ is static, the module's shared): strings,
// numbers, and errors as text; nothing C++ crosses it.
#include <sys/types.h>

#include <cstddef>
#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "runtime/cgroups/systemd_unit.hpp"
#include "runtime/util/error.hpp"

extern "C" {

// One property: type 's' (s), 'b' (u != 0) or 't' (u).
struct lit_sd_property {
  const char* name;
  char type;
  const char* s;
  std::uint64_t u;
};

// The calls return 0 on success; on failure -1 with a one-line message in err
// ("org.freedesktop.systemd1.UnitExists: Unit lit-x.scope already exists.").
struct lit_sd_api {
  unsigned version;  // kLitSdApiVersion
  // The system bus (DBUS_SYSTEM_BUS_ADDRESS when set), with systemd on it.
  void* (*open)(char* err, std::size_t errlen);
  void (*close)(void* bus);
  // StartTransientUnit(unit, "fail", PIDs + props), then waits for its job's
  // JobRemoved (result "done") for at most timeout_ms. -1: systemd refused the
  // call (nothing made); -2: the unit was made but its job did not finish.
  int (*start_scope)(void* bus, const char* unit, const std::uint32_t* pids, std::size_t npids,
                     const lit_sd_property* props, std::size_t nprops, unsigned timeout_ms,
                     char* err, std::size_t errlen);
  // StopUnit(unit, "replace") and its job's end; 1 when systemd has no such unit.
  int (*stop_unit)(void* bus, const char* unit, unsigned timeout_ms, char* err, std::size_t errlen);
  // SetUnitProperties(unit, runtime = true, props).
  int (*set_properties)(void* bus, const char* unit, const lit_sd_property* props,
                        std::size_t nprops, char* err, std::size_t errlen);
};

// The one symbol the module exports.
const lit_sd_api* lit_systemd_cgroup_api(void);
}

namespace lit::cgroups {

inline constexpr unsigned kLitSdApiVersion = 1;
inline constexpr const char* kSystemdModule = "lit-systemd-cgroup.so";

// A scope that did not start. unit_made: systemd took the call but its job
// failed or did not end in time, so the unit may exist and is to be stopped;
// otherwise systemd refused it (e.g. UnitExists: the unit is not ours to stop).
class ScopeStartError : public Error {
 public:
  ScopeStartError(const std::string& message, bool unit_made)
      : Error(message), unit_made_(unit_made) {}
  bool unit_made() const { return unit_made_; }

 private:
  bool unit_made_;
};

// systemd's Manager as the systemd driver uses it; tests fake it.
class SystemdBus {
 public:
  virtual ~SystemdBus() = default;
  // Throws ScopeStartError.
  virtual void start_scope(const std::string& unit, pid_t pid,
                           const std::vector<UnitProperty>& properties) = 0;
  // False when systemd had no such unit (ended and collected already).
  virtual bool stop_unit(const std::string& unit) = 0;
  virtual void set_properties(const std::string& unit,
                              const std::vector<UnitProperty>& properties) = 0;
};

using SystemdBusFactory = std::function<std::unique_ptr<SystemdBus>()>;

// The system bus through the module next to lit's executable. Throws saying
// what is missing: the module, the bus, or systemd on it.
std::unique_ptr<SystemdBus> open_systemd_bus();

}  // namespace lit::cgroups
