// lit-dbus: lit's D-Bus front end, io.lit.Manager1 (app/dbus/io.lit.Manager1.xml),
// started by `lit serve --dbus [--system|--session]` with lit's global flags.
// A program of its own so that lit does not load sdbus-c++ and libsystemd.
// It runs until SIGTERM or SIGINT; the calls in flight then skip what has not
// started, as a CLI command does on Ctrl-C, and finish.
#include <signal.h>
#include <spdlog/sinks/stdout_sinks.h>
#include <spdlog/spdlog.h>
#include <unistd.h>

#include <CLI/CLI.hpp>
#include <cerrno>
#include <cstdio>
#include <cstdlib>
#include <memory>
#include <string>
#include <thread>

#include "app/context.hpp"
#include "app/dbus/bin/manager.hpp"
#include "network/manager.hpp"
#include "runtime/util/error.hpp"

namespace {

struct Flags {
  std::string root, run_root, log_level = "warn";
  bool system = false, session = false;
};

// The bus to serve on: the one named, else the one that started lit-dbus
// (D-Bus activation sets DBUS_STARTER_ADDRESS), else the system bus.
enum class Bus { System, Session, Starter };

Bus bus_of(const Flags& flags) {
  if (flags.session) return Bus::Session;
  if (flags.system) return Bus::System;
  const char* starter = std::getenv("DBUS_STARTER_ADDRESS");
  return starter != nullptr && *starter != '\0' ? Bus::Starter : Bus::System;
}

std::unique_ptr<sdbus::IConnection> connect(Bus bus) {
  switch (bus) {
    case Bus::Session:
      return sdbus::createSessionBusConnection(lit::app::dbus::kBusName);
    case Bus::Starter: {
      auto connection =
          sdbus::createSessionBusConnectionWithAddress(std::getenv("DBUS_STARTER_ADDRESS"));
      connection->requestName(lit::app::dbus::kBusName);
      return connection;
    }
    case Bus::System:
      break;
  }
  return sdbus::createSystemBusConnection(lit::app::dbus::kBusName);
}

const char* name_of(Bus bus) {
  switch (bus) {
    case Bus::Session:
      return "session";
    case Bus::Starter:
      return "starter ($DBUS_STARTER_ADDRESS)";
    case Bus::System:
      break;
  }
  return "system";
}

int serve(const Flags& flags, sigset_t& stop_signals) {
  using namespace lit;
  app::Context ctx{Paths::from_environment()};
  if (!flags.root.empty()) ctx.paths.root = flags.root;
  if (!flags.run_root.empty()) ctx.paths.run_root = flags.run_root;
  // The supervisors run lit's helpers (__exited, __health) with lit, not with
  // this program (runtime/lifecycle/detached.cpp).
  ::setenv("LIT_PROGRAM", helper_executable("lit").c_str(), 1);
  if (::chdir("/") < 0) throw Error::sys("change directory", "/", errno);  // no project of its own
  network::install_manager();  // containers on lit networks
  const Bus bus = bus_of(flags);
  auto connection = connect(bus);
  int got = 0;
  {
    app::dbus::Manager manager(ctx, *connection);
    std::thread waiter([&] {
      ::sigwait(&stop_signals, &got);
      connection->leaveEventLoop();
    });
    spdlog::info("serving {} on the {} bus", app::dbus::kBusName, name_of(bus));
    connection->enterEventLoop();
    waiter.join();
  }  // the calls in flight finish (their replies still go out: the loop runs them)
  spdlog::info("stopped by signal {}", got);
  return 0;
}

}  // namespace

int main(int argc, char** argv) {
  spdlog::set_default_logger(std::make_shared<spdlog::logger>(
      "lit-dbus", std::make_shared<spdlog::sinks::stderr_sink_mt>()));
  spdlog::set_pattern("lit-dbus: %l: %v");
  Flags flags;
  CLI::App cli{"lit-dbus: lit's D-Bus API (io.lit.Manager1); run by lit serve --dbus", "lit-dbus"};
  cli.add_option("--root", flags.root, "Persistent state directory");
  cli.add_option("--run-root", flags.run_root, "Runtime state directory");
  // lit passes spdlog's name for its level ("warning" for warn).
  cli.add_option("--log-level", flags.log_level, "trace, debug, info, warn, error, off")
      ->check(
          CLI::IsMember({"trace", "debug", "info", "warn", "warning", "error", "critical", "off"}));
  auto* system = cli.add_flag("--system", flags.system,
                              "On the system bus (default, unless D-Bus activation started it)");
  cli.add_flag("--session", flags.session, "On the session bus")->excludes(system);
  CLI11_PARSE(cli, argc, argv);
  spdlog::set_level(spdlog::level::from_str(flags.log_level));
  // Blocked before any thread starts, so every thread inherits it: only
  // sigwait in serve() takes them.
  sigset_t stop_signals;
  sigemptyset(&stop_signals);
  sigaddset(&stop_signals, SIGTERM);
  sigaddset(&stop_signals, SIGINT);
  pthread_sigmask(SIG_BLOCK, &stop_signals, nullptr);
  try {
    return serve(flags, stop_signals);
  } catch (const sdbus::Error& e) {
    std::fprintf(stderr, "lit: D-Bus: %s: %s\n", e.getName().c_str(), e.getMessage().c_str());
  } catch (const lit::Error& e) {
    std::fprintf(stderr, "lit: %s\n", e.what());
    if (!e.hint().empty()) std::fprintf(stderr, "hint: %s\n", e.hint().c_str());
  } catch (const std::exception& e) {
    std::fprintf(stderr, "lit: %s\n", e.what());
  }
  return 1;
}
