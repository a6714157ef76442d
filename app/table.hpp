#pragma once
// docker's tables: columns separated by three spaces, each as wide as its widest
// cell (Go's tabwriter with padding 3), widths counted in UTF-8 code points.
#include <string>
#include <vector>

namespace lit::app {

using TableRows = std::vector<std::vector<std::string>>;

std::string format_table(const TableRows& rows);

}  // namespace lit::app
