#include "network/dns/config.hpp"

#include <arpa/inet.h>

#include <algorithm>
#include <cctype>

#include "network/dns/config_lines.hpp"

namespace lit::network::dns {

void Config::add_name(uint32_t listen_addr, const std::string& name, uint32_t addr) {
  std::string lower = name;
  std::transform(lower.begin(), lower.end(), lower.begin(),
                 [](unsigned char c) { return std::tolower(c); });
  auto& addrs = names[{listen_addr, lower}];
  if (std::find(addrs.begin(), addrs.end(), addr) == addrs.end()) addrs.push_back(addr);
}

std::optional<uint32_t> parse_ipv4(std::string_view text) {
  std::string s(text);
  in_addr a{};
  if (::inet_pton(AF_INET, s.c_str(), &a) != 1) return std::nullopt;
  return ntohl(a.s_addr);
}

std::string format_ipv4(uint32_t addr) {
  in_addr a{htonl(addr)};
  char buf[INET_ADDRSTRLEN];
  ::inet_ntop(AF_INET, &a, buf, sizeof buf);
  return buf;
}

Config parse_config(std::string_view text) {
  Config c;
  each_config_line(
      text, [&](std::string_view kind, std::string_view a, std::string_view b, std::string_view d) {
        if (kind == "listen") {
          if (auto ip = parse_ipv4(a)) c.listen.push_back(*ip);
        } else if (kind == "upstream") {
          if (auto ip = parse_ipv4(a)) c.upstreams.push_back(*ip);
        } else if (kind == "name") {
          auto listen = parse_ipv4(a);
          auto addr = parse_ipv4(d);
          if (listen && addr && !b.empty()) c.add_name(*listen, std::string(b), *addr);
        } else if (kind == "scope") {
          auto client = parse_ipv4(a);
          auto listen = parse_ipv4(b);
          if (client && listen) c.scopes[*client].push_back(*listen);
        }
      });
  return c;
}

std::string render_config(const Config& c) {
  std::string out;
  for (auto l : c.listen) out += "listen " + format_ipv4(l) + "\n";
  for (auto u : c.upstreams) out += "upstream " + format_ipv4(u) + "\n";
  for (const auto& [key, addrs] : c.names)
    for (auto a : addrs)
      out += "name " + format_ipv4(key.first) + " " + key.second + " " + format_ipv4(a) + "\n";
  for (const auto& [client, listens] : c.scopes)
    for (auto l : listens) out += "scope " + format_ipv4(client) + " " + format_ipv4(l) + "\n";
  return out;
}

std::vector<uint32_t> resolv_conf_nameservers(std::string_view text) {
  std::vector<uint32_t> out;
  // 127.x resolvers (systemd-resolved's stub) are unreachable from a container's
  // network, but lit's server runs on the host side, where they work.
  each_config_line(
      text, [&](std::string_view kind, std::string_view addr, std::string_view, std::string_view) {
        if (kind != "nameserver") return;
        if (auto ip = parse_ipv4(addr)) out.push_back(*ip);
      });
  return out;
}

}  // namespace lit::network::dns
