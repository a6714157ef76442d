#pragma once
// The systemd unit `lit systemd install` writes for a project: Type=notify,
// `lit up` (attached) as its main process, which says READY=1 once every
// service runs and is healthy, feeds the watchdog while they do, and stops
// them on SIGTERM; `lit down` after it stops. Pure text: tested as a value.
#include <chrono>
#include <filesystem>
#include <string>
#include <string_view>
#include <vector>

namespace lit::app {

struct UnitRequest {
  std::string name;                      // NAME in lit-NAME.service
  std::filesystem::path lit;             // lit's absolute path
  std::filesystem::path root, run_root;  // lit's state roots, pinned (a unit has no LIT_ROOT)
  std::filesystem::path project_directory;
  std::vector<std::string> files;  // absolute
  std::string project_name;
  std::vector<std::string> profiles, env_files;
  bool user = false;                        // a user's unit (rootless lit): WantedBy=default.target
  std::chrono::seconds start_timeout{300};  // up's --wait-timeout; the unit allows a minute more
  std::chrono::seconds watchdog{0};         // WatchdogSec=, when not zero
};

// The first line of every unit lit writes: uninstall and a second install
// replace only files that start with it.
inline constexpr std::string_view kUnitMarker = "# Written by `lit systemd install`";

// "lit-NAME.service"; throws a one-line error naming --name when NAME has a
// character systemd does not take in a unit name (or none).
std::string unit_file_name(std::string_view name);

// The unit file's text.
std::string render_unit(const UnitRequest& request);

// One command-line word as systemd's Exec*= lines read it: quoted when it has
// white space, quotes or backslashes (or is empty); % and $ doubled, so
// systemd takes them literally.
std::string systemd_word(std::string_view word);

}  // namespace lit::app
