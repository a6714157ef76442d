#pragma once
// What lit's DNS server serves, as small text files that lit rewrites
// atomically (write + rename): the config (listen and upstream lines) when a
// network comes or goes, and one file of name and scope lines per running
// container (network/dns_service.hpp); the server notices the rename and
// swaps its tables between two queries.
//   listen 10.90.0.1            one line per lit network: its gateway address
//   upstream 192.168.1.1        resolvers for everything else (the host's)
//   name 10.90.0.1 web 10.90.0.2
//   scope 10.90.0.5 10.90.1.1   queries from 10.90.0.5 also see the names
//                               listed under 10.90.1.1 (a container on both)
// A name is answered only on the listen address it is listed under, so a
// container resolves only names of the networks it is attached to. A name
// listed several times answers with all its addresses, rotated per query.
#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace lit::network::dns {

struct Config {
  std::vector<uint32_t> listen;     // IPv4, host byte order
  std::vector<uint32_t> upstreams;  // IPv4, host byte order, port 53
  std::map<std::pair<uint32_t, std::string>, std::vector<uint32_t>>
      names;                                         // (listen, name) -> addresses
  std::map<uint32_t, std::vector<uint32_t>> scopes;  // client address -> further listen addresses

  void add_name(uint32_t listen_addr, const std::string& name, uint32_t addr);
};

// Parses the file; lines it does not understand are skipped (nullopt only for
// a file that is not text at all is not needed: a bad line is just ignored).
Config parse_config(std::string_view text);
std::string render_config(const Config& c);

std::optional<uint32_t> parse_ipv4(std::string_view text);
std::string format_ipv4(uint32_t addr);

// IPv4 nameservers of a resolv.conf text (the host's upstreams).
std::vector<uint32_t> resolv_conf_nameservers(std::string_view text);

}  // namespace lit::network::dns
