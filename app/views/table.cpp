// Plain-text tables for the CLI.
#include "app/views/table.hpp"

#include <algorithm>
#include <map>
#include <tuple>

#include "app/views/format_template.hpp"

namespace lit::app {

std::string format_table(const TableRows& rows, std::size_t min_width) {
  std::string text;
  for (const auto& r : rows) {
    for (std::size_t i = 0; i < r.size(); ++i) text += (i ? "\t" : "") + r[i];
    text += '\n';
  }
  return tabwrite(text, min_width, 3);
}

namespace {

std::string port_group(const std::string& ip, const std::string& type, int first, int last) {
  std::string group = std::to_string(first);
  if (first != last) group += "-" + std::to_string(last);
  if (!ip.empty()) group = ip + ":" + group + "->" + group;
  return group + "/" + type;
}

}  // namespace

std::string displayable_ports(std::vector<PortSummary> ports) {
  std::sort(ports.begin(), ports.end(), [](const PortSummary& a, const PortSummary& b) {
    return std::tie(a.private_port, a.ip, a.public_port, a.type) <
           std::tie(b.private_port, b.ip, b.public_port, b.type);
  });
  struct Group {
    int first, last;
  };
  std::map<std::pair<std::string, std::string>, Group> groups;  // (ip, type)
  std::vector<std::pair<std::string, std::string>> order;       // as first seen
  std::vector<std::string> result, host_mappings;
  for (const auto& p : ports) {
    if (!p.ip.empty() && p.public_port != p.private_port) {
      host_mappings.push_back(p.ip + ":" + std::to_string(p.public_port) + "->" +
                              std::to_string(p.private_port) + "/" + p.type);
      continue;
    }
    auto key = std::make_pair(p.ip, p.type);
    auto it = groups.find(key);
    if (it == groups.end()) {
      groups[key] = {p.private_port, p.private_port};
      order.push_back(key);
    } else if (p.private_port == it->second.last + 1) {
      it->second.last = p.private_port;
    } else {
      result.push_back(port_group(p.ip, p.type, it->second.first, it->second.last));
      it->second = {p.private_port, p.private_port};
    }
  }
  for (const auto& key : order)
    result.push_back(port_group(key.first, key.second, groups[key].first, groups[key].last));
  result.insert(result.end(), host_mappings.begin(), host_mappings.end());
  std::string out;
  for (const auto& r : result) out += (out.empty() ? "" : ", ") + r;
  return out;
}

std::vector<PortSummary> port_summaries(const std::vector<runtime::PublishedPort>& published,
                                        const std::vector<std::string>& exposed) {
  std::vector<PortSummary> out;
  for (const auto& p : published)
    out.push_back({p.host_ip.empty() ? std::string("0.0.0.0") : p.host_ip, p.container_port,
                   p.host_port, std::string(runtime::proto_name(p.proto))});
  for (const auto& e : exposed) {  // "80", "80/tcp", "53/udp", "8000-8002"
    auto slash = e.find('/');
    std::string type = slash == std::string::npos ? "tcp" : e.substr(slash + 1);
    std::string range = e.substr(0, slash);
    int lo = 0, hi = 0;
    try {
      lo = hi = std::stoi(range);
      if (auto dash = range.find('-'); dash != std::string::npos)
        hi = std::stoi(range.substr(dash + 1));
    } catch (const std::exception&) {
      continue;
    }
    for (int port = lo; port <= hi && port <= 65535; ++port) {
      bool listed = std::any_of(out.begin(), out.end(), [&](const PortSummary& p) {
        return p.private_port == port && p.type == type;
      });
      if (!listed) out.push_back({"", static_cast<std::uint16_t>(port), 0, type});
    }
  }
  return out;
}

std::string ports_column(const std::vector<runtime::PublishedPort>& ports) {
  return displayable_ports(port_summaries(ports));
}

}  // namespace lit::app
