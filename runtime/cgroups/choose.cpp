// Which manager makes new containers' cgroups: the option (through
// LIT_CGROUP_MANAGER), or auto: systemd where systemd is PID 1 on a unified
// cgroup v2 host and answers on the system bus (as podman decides), else lit's
// own cgroupfs driver.
#include <spdlog/spdlog.h>
#include <sys/stat.h>

#include <cstdlib>

#include "runtime/cgroups/drivers.hpp"
#include "runtime/rootless/session.hpp"
#include "runtime/util/error.hpp"

namespace lit::cgroups {
namespace {

// systemd's own test for "booted with systemd" (sd_booted()).
bool systemd_is_init() {
  struct stat st {};
  return ::lstat("/run/systemd/system", &st) == 0 && S_ISDIR(st.st_mode);
}

// Throws why the systemd manager cannot work here.
void check_systemd_usable() {
  if (rootless::active())
    throw Error("the systemd cgroup manager is not available to rootless lit", {}, 0,
                "use --cgroup-manager cgroupfs (a delegated v2 subtree is used when there is one)");
  systemd_v2_root();
  open_systemd_bus();
}

}  // namespace

std::string_view manager_kind_name(ManagerKind kind) {
  return kind == ManagerKind::Systemd ? "systemd" : "cgroupfs";
}

std::optional<ManagerKind> parse_manager_kind(std::string_view name) {
  if (name == "cgroupfs") return ManagerKind::Cgroupfs;
  if (name == "systemd") return ManagerKind::Systemd;
  return std::nullopt;
}

std::unique_ptr<Manager> manager_for(ManagerKind kind) {
  if (kind == ManagerKind::Systemd)
    return make_systemd_manager(systemd_v2_root(), open_systemd_bus);
  return detect();
}

ManagerKind choose_manager_kind() {
  const char* env = std::getenv("LIT_CGROUP_MANAGER");
  const std::string asked = env ? env : "";
  if (!asked.empty() && asked != "auto") {
    auto kind = parse_manager_kind(asked);
    if (!kind)
      throw Error("cgroup manager \"" + asked + "\" (LIT_CGROUP_MANAGER): not one lit has", {}, 0,
                  "use cgroupfs, systemd or auto");
    if (*kind == ManagerKind::Systemd) {
      try {
        check_systemd_usable();
      } catch (Error& e) {
        throw e.context("cgroup manager systemd");
      }
    }
    return *kind;
  }
  if (rootless::active() || !systemd_is_init()) return ManagerKind::Cgroupfs;
  try {
    check_systemd_usable();
    return ManagerKind::Systemd;
  } catch (const Error& e) {
    spdlog::debug("cgroup manager: cgroupfs, not systemd: {}", e.what());
    return ManagerKind::Cgroupfs;
  }
}

}  // namespace lit::cgroups
