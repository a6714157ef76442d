// Plain-text tables for the CLI.
#include "app/views/table.hpp"

#include <algorithm>

namespace lit::app {

namespace {
size_t display_len(const std::string& s) {  // UTF-8 continuation bytes take no column
  return static_cast<size_t>(std::count_if(
      s.begin(), s.end(), [](char c) { return (static_cast<unsigned char>(c) & 0xC0) != 0x80; }));
}
}  // namespace

std::string format_table(const TableRows& rows) {
  std::vector<size_t> width;
  for (const auto& r : rows)
    for (size_t i = 0; i < r.size(); ++i) {
      if (width.size() <= i) width.push_back(0);
      width[i] = std::max(width[i], display_len(r[i]));
    }
  std::string out;
  for (const auto& r : rows) {
    for (size_t i = 0; i < r.size(); ++i) {
      out += r[i];
      if (i + 1 < r.size()) out.append(width[i] - display_len(r[i]) + 3, ' ');
    }
    out += '\n';
  }
  return out;
}

std::string ports_column(const std::vector<runtime::PublishedPort>& ports) {
  std::string s;
  for (const auto& p : ports)
    s += (s.empty() ? "" : ", ") + (p.host_ip.empty() ? std::string("0.0.0.0") : p.host_ip) + ":" +
         std::to_string(p.host_port) + "->" + std::to_string(p.container_port) + "/" +
         std::string(runtime::proto_name(p.proto));
  return s;
}

}  // namespace lit::app
