#include "app/systemd/unit.hpp"

#include <algorithm>

#include "runtime/util/error.hpp"

namespace lit::app {

std::string unit_file_name(std::string_view name) {
  auto ok = [](char c) {
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_' ||
           c == '-' || c == '.' || c == ':';
  };
  if (name.empty() || !std::ranges::all_of(name, ok) || name.size() > 200)
    throw Error("flag --name " + std::string(name) +
                ": a unit name takes letters, digits and _ - . : only")
        .with_hint("give --name a name such as shop or shop-prod");
  return "lit-" + std::string(name) + ".service";
}

std::string systemd_word(std::string_view word) {
  std::string body;
  bool quote = word.empty();
  for (char c : word) {
    if (c == '%' || c == '$') body += c;  // %% and $$: no specifier, no variable
    if (c == '"' || c == '\\') {
      body += '\\';
      quote = true;
    }
    if (c == ' ' || c == '\t' || c == '\'' || c == ';') quote = true;
    if (c == '\n') {
      body += "\\n";
      quote = true;
      continue;
    }
    body += c;
  }
  return quote ? "\"" + body + "\"" : body;
}

namespace {

// `lit` and its global flags, as the unit runs it.
std::string lit_command(const UnitRequest& r) {
  std::vector<std::string> argv{r.lit.string(),
                                "--root",
                                r.root.string(),
                                "--run-root",
                                r.run_root.string(),
                                "--project-directory",
                                r.project_directory.string()};
  for (const auto& f : r.files) argv.insert(argv.end(), {"-f", f});
  argv.insert(argv.end(), {"-p", r.project_name});
  for (const auto& p : r.profiles) argv.insert(argv.end(), {"--profile", p});
  for (const auto& e : r.env_files) argv.insert(argv.end(), {"--env-file", e});
  std::string out;
  for (const auto& a : argv) out += (out.empty() ? "" : " ") + systemd_word(a);
  return out;
}

}  // namespace

std::string render_unit(const UnitRequest& r) {
  const std::string lit = lit_command(r);
  std::string u;
  u += std::string(kUnitMarker) + " for the project " + r.project_name + ".\n";
  u += "# `lit systemd uninstall --name " + r.name + "` removes it.\n";
  u += "[Unit]\n";
  u += "Description=lit project " + r.project_name + " (" + r.project_directory.string() + ")\n";
  if (!r.user) {
    u += "Wants=network-online.target\n";
    u += "After=network-online.target local-fs.target\n";
  }
  u += "RequiresMountsFor=" + systemd_word(r.project_directory.string()) + " " +
       systemd_word(r.root.string()) + "\n";
  u += "\n[Service]\n";
  u += "Type=notify\n";
  u += "NotifyAccess=main\n";
  // Attached: lit stays the main process, says READY=1 once every service
  // runs and is healthy, and stops the containers on SIGTERM.
  u += "ExecStart=" + lit + " up --remove-orphans --no-color --wait-timeout " +
       std::to_string(r.start_timeout.count()) + "\n";
  u += "ExecStopPost=" + lit + " down\n";
  // SIGTERM to lit alone; the supervisors end with their containers.
  u += "KillMode=mixed\n";
  u += "SuccessExitStatus=130\n";  // up's status when stopped, as after Ctrl-C
  u += "TimeoutStartSec=" + std::to_string(r.start_timeout.count() + 60) + "\n";
  if (r.watchdog.count() > 0) u += "WatchdogSec=" + std::to_string(r.watchdog.count()) + "\n";
  u += "Restart=on-failure\n";
  u += "RestartSec=5\n";
  u += "\n[Install]\n";
  u += std::string("WantedBy=") + (r.user ? "default.target" : "multi-user.target") + "\n";
  return u;
}

}  // namespace lit::app
