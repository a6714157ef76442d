// lit serve --dbus [--system|--session]: execs lit-dbus, the D-Bus front end
// (app/dbus/bin), with lit's global flags. It is a program of its own so
// that lit itself never loads sdbus-c++ and libsystemd: every lit command
// would pay for them at start.
#include <spdlog/spdlog.h>
#include <unistd.h>

#include <cerrno>
#include <string>
#include <vector>

#include "app/context.hpp"

namespace lit::app {

void register_serve(CLI::App& app, Context& ctx) {
  struct Opts {
    bool dbus = false, system = false, session = false;
  };
  auto o = std::make_shared<Opts>();
  auto* cmd = app.add_subcommand("serve", "Serve lit's API to a device's own agent");
  cmd->add_flag("--dbus", o->dbus, "On D-Bus, as io.lit.Manager1 (the only API there is)");
  auto* system = cmd->add_flag("--system", o->system,
                               "On the system bus (the default, unless D-Bus activation "
                               "started lit: then the bus that started it; needs the policy "
                               "file io.lit.Manager1.conf in /usr/share/dbus-1/system.d/)");
  cmd->add_flag("--session", o->session, "On the session bus ($DBUS_SESSION_BUS_ADDRESS)")
      ->excludes(system);
  cmd->callback([&ctx, o] {
    if (!o->dbus) throw Error("lit serve: say which API to serve").with_hint("lit serve --dbus");
    const std::string exe = helper_executable("lit-dbus").string();
    const std::string level(spdlog::level::to_string_view(spdlog::get_level()).data(),
                            spdlog::level::to_string_view(spdlog::get_level()).size());
    std::vector<std::string> args = {
        "lit-dbus",    "--root", ctx.paths.root.string(), "--run-root", ctx.paths.run_root.string(),
        "--log-level", level};
    if (o->session) args.emplace_back("--session");
    if (o->system) args.emplace_back("--system");
    std::vector<char*> argv;
    for (auto& a : args) argv.push_back(a.data());
    argv.push_back(nullptr);
    ::execv(exe.c_str(), argv.data());
    throw Error::sys("exec", exe, errno);
  });
}

}  // namespace lit::app
