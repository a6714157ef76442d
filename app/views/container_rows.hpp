#pragma once
// A container as the list commands show it: `lit container ls` with docker
// ps's fields, the project's `ps` with compose's (both also for --format
// templates and JSON), and the values behind them (COMMAND, CREATED AT,
// Publishers...).
#include <chrono>
#include <string>
#include <vector>

#include "app/views/format_template.hpp"
#include "runtime/state/record.hpp"

namespace lit::app {

// What a row is made of: the record, its state as observed, and the ports its
// image and service expose ("80/tcp"; shown unpublished while it runs).
struct ContainerFacts {
  const runtime::ContainerRecord& record;
  const runtime::ContainerState& state;
  std::vector<std::string> exposed;
  std::chrono::system_clock::time_point now;
  bool trunc = true;  // --no-trunc: false
};

// docker ps / `lit container ls`: ID, Names, Image, Command, CreatedAt,
// RunningFor, Ports, State, Status, Size, Labels, Mounts, Networks,
// LocalVolumes; {{.Label "k"}}.
FormatSpec docker_ps_spec();
FormatRow docker_ps_row(const ContainerFacts& c);

// compose ps / `lit ps`: compose's fields (ID, Name, Names, Image, Command,
// Project, Service, CreatedAt, RunningFor, State, Status, Health, ExitCode,
// Publishers, Ports, Labels, LocalVolumes, Mounts, Networks, Size).
FormatSpec compose_ps_spec();
FormatRow compose_ps_row(const ContainerFacts& c, const std::string& project,
                         const std::string& service);

// The joined args, cut to 20 characters with an ellipsis when trunc, and
// quoted as Go's strconv.Quote: "\"sleep 3600\"".
std::string command_column(const std::vector<std::string>& args, bool trunc = true);

// Go's strconv.Quote (printable UTF-8 kept, \" \\ \n \t \r escaped, other
// control bytes as \xNN).
std::string go_quote(const std::string& s);

// Go's time.Time.String() for a UTC time: "2024-05-01 12:00:00 +0000 UTC".
std::string go_time(const std::string& rfc3339);

}  // namespace lit::app
