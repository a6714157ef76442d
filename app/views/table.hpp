#pragma once
// docker's tables: each column as wide as its widest cell plus three spaces and
// at least ten (Go's tabwriter as docker sets it up), widths counted in UTF-8
// code points; and docker's PORTS column.
#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

#include "runtime/lifecycle/networking.hpp"

namespace lit::app {

using TableRows = std::vector<std::vector<std::string>>;

std::string format_table(const TableRows& rows, std::size_t min_width = 10);

// A port as docker's API lists a container's: published (ip and public port
// set) or only exposed (ip "", public 0).
struct PortSummary {
  std::string ip;
  std::uint16_t private_port = 0, public_port = 0;
  std::string type = "tcp";
};

// docker's DisplayablePorts: sorted, runs of consecutive ports as ranges,
// "0.0.0.0:8080->80/tcp, 53/udp".
std::string displayable_ports(std::vector<PortSummary> ports);

// The published ports of a running container as docker ps shows them.
std::string ports_column(const std::vector<runtime::PublishedPort>& ports);

// Published ports (an empty host ip is every address: "0.0.0.0") and exposed
// ones ("80/tcp", "53/udp"; left out when published).
std::vector<PortSummary> port_summaries(const std::vector<runtime::PublishedPort>& published,
                                        const std::vector<std::string>& exposed = {});

}  // namespace lit::app
