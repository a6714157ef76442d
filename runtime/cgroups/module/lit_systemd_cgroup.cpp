// lit-systemd-cgroup.so: systemd's org.freedesktop.systemd1.Manager over
// sdbus-c++, for lit's systemd cgroup driver (runtime/cgroups/systemd.cpp),
// behind the C interface of runtime/cgroups/systemd_bus.hpp. No exception
// leaves it: each becomes the error text lit reports.
#include <poll.h>
#include <sdbus-c++/sdbus-c++.h>
#include <time.h>

#include <algorithm>
#include <chrono>
#include <cstring>
#include <map>
#include <set>
#include <stdexcept>
#include <string>
#include <vector>

#include "runtime/cgroups/systemd_bus.hpp"

namespace {

constexpr const char* kService = "org.freedesktop.systemd1";
constexpr const char* kPath = "/org/freedesktop/systemd1";
constexpr const char* kManager = "org.freedesktop.systemd1.Manager";
constexpr std::chrono::seconds kCallTimeout{10};

using Properties = std::vector<sdbus::Struct<std::string, sdbus::Variant>>;
using AuxUnits = std::vector<sdbus::Struct<std::string, Properties>>;

void set_error(char* err, std::size_t errlen, const std::string& text) {
  if (errlen == 0) return;
  std::size_t n = std::min(text.size(), errlen - 1);
  std::memcpy(err, text.data(), n);
  err[n] = '\0';
}

std::uint64_t monotonic_usec() {
  timespec ts{};
  ::clock_gettime(CLOCK_MONOTONIC, &ts);
  return static_cast<std::uint64_t>(ts.tv_sec) * 1000000u +
         static_cast<std::uint64_t>(ts.tv_nsec) / 1000u;
}

// One connection to the system bus and a proxy of systemd's manager, whose
// JobRemoved signals are noted as they come (a job can end before the call
// that made it returns). Single-threaded: the bus is processed here, in wait().
struct Bus {
  std::unique_ptr<sdbus::IConnection> connection;
  std::unique_ptr<sdbus::IProxy> manager;
  std::map<std::string, std::string> ended;  // job path -> result

  Bus() : connection(sdbus::createSystemBusConnection()) {
    auto dbus = sdbus::createProxy(*connection, "org.freedesktop.DBus", "/org/freedesktop/DBus");
    bool present = false;
    dbus->callMethod("NameHasOwner")
        .onInterface("org.freedesktop.DBus")
        .withTimeout(kCallTimeout)
        .withArguments(std::string(kService))
        .storeResultsTo(present);
    if (!present)
      throw std::runtime_error(std::string(kService) +
                               " is not on the system bus (PID 1 is not systemd)");
    manager = sdbus::createProxy(*connection, kService, kPath);
    manager->uponSignal("JobRemoved")
        .onInterface(kManager)
        .call([this](std::uint32_t, const sdbus::ObjectPath& job, const std::string&,
                     const std::string& result) { ended[job] = result; });
    manager->finishRegistration();
    // systemd sends its signals only while a client is subscribed; an error
    // here (an old or partial manager) leaves JobRemoved to other subscribers.
    try {
      manager->callMethod("Subscribe").onInterface(kManager).withTimeout(kCallTimeout);
    } catch (const sdbus::Error&) {
    }
  }

  // Processes the bus until the job ended; its result ("done", "failed", ...).
  std::string wait(const std::string& job, unsigned timeout_ms) {
    const std::uint64_t deadline = monotonic_usec() + std::uint64_t{timeout_ms} * 1000u;
    for (;;) {
      while (connection->processPendingRequest()) {
      }
      if (auto it = ended.find(job); it != ended.end()) return it->second;
      const std::uint64_t now = monotonic_usec();
      if (now >= deadline)
        throw std::runtime_error("systemd did not finish job " + job + " in " +
                                 std::to_string(timeout_ms / 1000) + " seconds");
      auto poll_data = connection->getEventLoopPollData();
      std::uint64_t wait_usec = deadline - now;
      if (poll_data.timeout_usec != UINT64_MAX && poll_data.timeout_usec > now)
        wait_usec = std::min(wait_usec, poll_data.timeout_usec - now);
      pollfd p{poll_data.fd, poll_data.events, 0};
      ::poll(&p, 1, static_cast<int>(wait_usec / 1000 + 1));
    }
  }
};

Properties to_properties(const lit_sd_property* props, std::size_t n) {
  Properties out;
  for (std::size_t i = 0; i < n; ++i) {
    const lit_sd_property& p = props[i];
    sdbus::Variant v;
    if (p.type == 's')
      v = sdbus::Variant(std::string(p.s ? p.s : ""));
    else if (p.type == 'b')
      v = sdbus::Variant(p.u != 0);
    else
      v = sdbus::Variant(p.u);
    out.emplace_back(sdbus::Struct<std::string, sdbus::Variant>{std::string(p.name), v});
  }
  return out;
}

std::string message_of(const sdbus::Error& e) { return e.getName() + ": " + e.getMessage(); }

// Runs fn, turning any exception into the error text; 0, or -1.
template <typename Fn>
int guarded(char* err, std::size_t errlen, Fn&& fn) {
  try {
    return fn();
  } catch (const sdbus::Error& e) {
    set_error(err, errlen, message_of(e));
  } catch (const std::exception& e) {
    set_error(err, errlen, e.what());
  }
  return -1;
}

void* open_bus(char* err, std::size_t errlen) {
  Bus* bus = nullptr;
  guarded(err, errlen, [&] {
    bus = new Bus();
    return 0;
  });
  return bus;
}

void close_bus(void* bus) { delete static_cast<Bus*>(bus); }

int start_scope(void* handle, const char* unit, const std::uint32_t* pids, std::size_t npids,
                const lit_sd_property* props, std::size_t nprops, unsigned timeout_ms, char* err,
                std::size_t errlen) {
  return guarded(err, errlen, [&] {
    auto& bus = *static_cast<Bus*>(handle);
    Properties properties = to_properties(props, nprops);
    properties.emplace_back(sdbus::Struct<std::string, sdbus::Variant>{
        std::string("PIDs"), sdbus::Variant(std::vector<std::uint32_t>(pids, pids + npids))});
    sdbus::ObjectPath job;
    bus.manager->callMethod("StartTransientUnit")
        .onInterface(kManager)
        .withTimeout(kCallTimeout)
        .withArguments(std::string(unit), std::string("fail"), properties, AuxUnits{})
        .storeResultsTo(job);
    try {
      std::string result = bus.wait(job, timeout_ms);
      if (result != "done")
        throw std::runtime_error("systemd's job for " + std::string(unit) + " ended: " + result);
    } catch (const std::exception& e) {
      set_error(err, errlen, e.what());
      return -2;  // the unit was made: the caller stops it
    }
    return 0;
  });
}

int stop_unit(void* handle, const char* unit, unsigned timeout_ms, char* err, std::size_t errlen) {
  return guarded(err, errlen, [&] {
    auto& bus = *static_cast<Bus*>(handle);
    sdbus::ObjectPath job;
    try {
      bus.manager->callMethod("StopUnit")
          .onInterface(kManager)
          .withTimeout(kCallTimeout)
          .withArguments(std::string(unit), std::string("replace"))
          .storeResultsTo(job);
    } catch (const sdbus::Error& e) {
      if (e.getName() == "org.freedesktop.systemd1.NoSuchUnit") return 1;
      throw;
    }
    std::string result = bus.wait(job, timeout_ms);
    if (result != "done" && result != "canceled")
      throw std::runtime_error("systemd's job stopping " + std::string(unit) + " ended: " + result);
    return 0;
  });
}

int set_properties(void* handle, const char* unit, const lit_sd_property* props, std::size_t nprops,
                   char* err, std::size_t errlen) {
  return guarded(err, errlen, [&] {
    auto& bus = *static_cast<Bus*>(handle);
    bus.manager->callMethod("SetUnitProperties")
        .onInterface(kManager)
        .withTimeout(kCallTimeout)
        .withArguments(std::string(unit), true, to_properties(props, nprops));
    return 0;
  });
}

const lit_sd_api kApi = {
    lit::cgroups::kLitSdApiVersion, open_bus, close_bus, start_scope, stop_unit, set_properties};

}  // namespace

extern "C" __attribute__((visibility("default"))) const lit_sd_api* lit_systemd_cgroup_api(void) {
  return &kApi;
}
