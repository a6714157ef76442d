// lit systemd install | uninstall: a project brought up at boot by systemd
// and down at shutdown (app/systemd/unit.hpp has the unit; `lit up` speaks
// systemd's notify protocol, app/systemd/notify.hpp).
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <memory>
#include <string>

#include "app/context.hpp"
#include "app/project.hpp"
#include "app/systemd/unit.hpp"
#include "runtime/util/error.hpp"
#include "runtime/util/fs.hpp"

namespace lit::app {
namespace {

namespace fs = std::filesystem;

struct InstallOpts {
  std::string name;      // default: the project's
  std::string unit_dir;  // default: /etc/systemd/system, or the user's units rootless
  int start_timeout = 300;
  int watchdog = 0;
};

// Where systemd reads the units of the system (root) or of this user.
fs::path default_unit_dir(bool user) {
  if (!user) return "/etc/systemd/system";
  const char* config = std::getenv("XDG_CONFIG_HOME");
  if (config && *config == '/') return fs::path(config) / "systemd" / "user";
  const char* home = std::getenv("HOME");
  if (!home || *home != '/')
    throw Error("find the user's systemd units: HOME is not set").with_hint("give --unit-dir");
  return fs::path(home) / ".config" / "systemd" / "user";
}

// True when `unit` is absent or written by lit; throws when it is someone else's.
bool ours_or_absent(const fs::path& unit) {
  std::error_code ec;
  if (!fs::exists(fs::symlink_status(unit, ec))) return false;
  if (read_file(unit).starts_with(kUnitMarker)) return true;
  throw Error("write unit " + unit.string() + ": the file is not one lit wrote")
      .with_hint("remove it yourself, or choose another --name");
}

fs::path absolute_from_cwd(const std::string& p) {
  return p.empty() || p.front() == '/' ? fs::path(p) : fs::absolute(p).lexically_normal();
}

void install(const Context& ctx, const InstallOpts& o) {
  const reconciler::Project project = load(ctx);
  const bool user = ::geteuid() != 0;
  UnitRequest r;
  r.name = o.name.empty() ? project.name : o.name;
  const std::string file = unit_file_name(r.name);
  std::error_code ec;
  r.lit = fs::read_symlink("/proc/self/exe", ec);
  if (ec) throw Error::sys("find lit's own executable", "/proc/self/exe", ec.value());
  r.root = absolute_from_cwd(ctx.paths.root.string());
  r.run_root = absolute_from_cwd(ctx.paths.run_root.string());
  r.project_directory = project.working_dir;
  r.files = project.files;
  r.project_name = project.name;
  r.profiles = ctx.project.profiles;
  for (const auto& e : ctx.project.env_files) r.env_files.push_back(absolute_from_cwd(e));
  r.user = user;
  if (o.start_timeout <= 0) throw Error("flag --start-timeout: must be at least 1 s");
  if (o.watchdog < 0) throw Error("flag --watchdog: must be 0 (none) or more seconds");
  r.start_timeout = std::chrono::seconds(o.start_timeout);
  r.watchdog = std::chrono::seconds(o.watchdog);

  const fs::path dir = o.unit_dir.empty() ? default_unit_dir(user) : fs::path(o.unit_dir);
  const fs::path unit = dir / file;
  const bool replaced = ours_or_absent(unit);
  make_dirs(dir, 0755);
  write_file_atomic(unit, render_unit(r), 0644);
  // Enabled as `systemctl enable` does for WantedBy=: the target's .wants link.
  const fs::path wants = dir / (user ? "default.target.wants" : "multi-user.target.wants");
  make_dirs(wants, 0755);
  const fs::path link = wants / file;
  if (::unlink(link.c_str()) < 0 && errno != ENOENT)
    throw Error::sys("replace link", link.string(), errno);
  if (::symlink(unit.c_str(), link.c_str()) < 0)
    throw Error::sys("enable unit: link", link.string(), errno);
  std::printf("%s %s (enabled: starts at boot)\n", replaced ? "Replaced" : "Installed",
              unit.c_str());
  const std::string scope = user ? "systemctl --user " : "systemctl ";
  if (::access("/run/systemd/system", F_OK) == 0)
    std::printf("Start it now: %sdaemon-reload && %sstart %s\n", scope.c_str(), scope.c_str(),
                file.c_str());
  else
    std::printf("systemd is not running here: the unit takes effect at the next boot with it\n");
}

void uninstall(const Context& ctx, const InstallOpts& o) {
  const bool user = ::geteuid() != 0;
  const std::string name = o.name.empty() ? load_by_name(ctx).name : o.name;
  const std::string file = unit_file_name(name);
  const fs::path dir = o.unit_dir.empty() ? default_unit_dir(user) : fs::path(o.unit_dir);
  const fs::path unit = dir / file;
  if (!ours_or_absent(unit))
    throw Error("uninstall " + unit.string() + ": no such unit")
        .with_hint("give the --name (and --unit-dir) it was installed with");
  const fs::path link = dir / (user ? "default.target.wants" : "multi-user.target.wants") / file;
  if (::unlink(link.c_str()) < 0 && errno != ENOENT)
    throw Error::sys("disable unit: remove link", link.string(), errno);
  if (::unlink(unit.c_str()) < 0) throw Error::sys("remove unit", unit.string(), errno);
  std::printf("Removed %s\n", unit.c_str());
  std::printf("Its containers keep running until `lit down` (or the next shutdown)\n");
}

}  // namespace

void register_systemd_commands(CLI::App& app, Context& ctx) {
  auto* systemd = app.add_subcommand("systemd", "Bring the project up at boot with systemd");
  systemd->require_subcommand(1);
  auto o = std::make_shared<InstallOpts>();
  auto* in = systemd->add_subcommand(
      "install",
      "Write and enable a unit: the project up at boot (ready when healthy), down at "
      "shutdown");
  auto* out = systemd->add_subcommand("uninstall", "Disable and remove the project's unit");
  for (auto* cmd : {in, out}) {
    cmd->add_option("--name", o->name, "NAME in lit-NAME.service (default: the project's name)");
    cmd->add_option("--unit-dir", o->unit_dir,
                    "Where the unit goes (default: /etc/systemd/system; a user's "
                    "~/.config/systemd/user)");
  }
  in->add_option("--start-timeout", o->start_timeout,
                 "Seconds the services have to become healthy (default 300)");
  in->add_option("--watchdog", o->watchdog,
                 "WatchdogSec: restart the unit when its containers are down this long "
                 "(default 0: none)");
  in->callback([&ctx, o] { install(ctx, *o); });
  out->callback([&ctx, o] { uninstall(ctx, *o); });
}

}  // namespace lit::app
