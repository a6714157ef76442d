#pragma once
// docker's tables: columns separated by three spaces, each as wide as its widest
// cell (Go's tabwriter with padding 3), widths counted in UTF-8 code points.
#include <string>
#include <vector>

#include "runtime/lifecycle/networking.hpp"

namespace lit::app {

using TableRows = std::vector<std::vector<std::string>>;

std::string format_table(const TableRows& rows);

// docker ps's PORTS: "0.0.0.0:8080->80/tcp, 127.0.0.1:5353->53/udp".
std::string ports_column(const std::vector<runtime::PublishedPort>& ports);

}  // namespace lit::app
