#include "runtime/spec/published_port.hpp"

#include <arpa/inet.h>
#include <netinet/in.h>

#include <charconv>

#include "runtime/util/error.hpp"

namespace lit::runtime {
namespace {

constexpr const char* kSyntax =
    "use -p [HOST_IP:][HOST_PORT:]CONTAINER_PORT[/tcp|udp], e.g. -p 8080:80";

[[noreturn]] void bad(std::string_view spec, const std::string& why) {
  throw Error("invalid -p " + std::string(spec) + ":", why, 0, kSyntax);
}

struct Range {
  uint16_t first = 0, last = 0;
  unsigned size() const { return last - first + 1u; }
};

uint16_t parse_port(std::string_view spec, std::string_view what, std::string_view s) {
  unsigned v = 0;
  auto [end, ec] = std::from_chars(s.data(), s.data() + s.size(), v);
  if (s.empty() || ec != std::errc{} || end != s.data() + s.size() || v == 0 || v > 65535)
    bad(spec, std::string(what) + " '" + std::string(s) + "' is not a port number (1-65535)");
  return static_cast<uint16_t>(v);
}

Range parse_range(std::string_view spec, std::string_view what, std::string_view s) {
  auto dash = s.find('-');
  if (dash == std::string_view::npos) {
    auto p = parse_port(spec, what, s);
    return {p, p};
  }
  Range r{parse_port(spec, what, s.substr(0, dash)), parse_port(spec, what, s.substr(dash + 1))};
  if (r.first > r.last)
    bad(spec, std::string(what) + " range '" + std::string(s) + "' is reversed");
  return r;
}

Proto parse_proto(std::string_view spec, std::string_view s) {
  if (auto p = proto_from_name(s)) return *p;
  bad(spec, "protocol '" + std::string(s) + "' is not tcp or udp");
}

}  // namespace

std::string_view proto_name(Proto p) { return p == Proto::Tcp ? "tcp" : "udp"; }

std::optional<Proto> proto_from_name(std::string_view name) {
  if (name == "tcp") return Proto::Tcp;
  if (name == "udp") return Proto::Udp;
  return std::nullopt;
}

std::vector<PublishedPort> parse_port_spec(std::string_view spec) {
  std::string_view rest = spec;
  Proto proto = Proto::Tcp;
  if (auto slash = rest.rfind('/'); slash != std::string_view::npos) {
    proto = parse_proto(spec, rest.substr(slash + 1));
    rest = rest.substr(0, slash);
  }
  if (rest.starts_with('[')) bad(spec, "IPv6 host addresses are not supported");
  std::vector<std::string_view> parts;
  for (size_t start = 0;;) {
    auto colon = rest.find(':', start);
    parts.push_back(rest.substr(start, colon - start));
    if (colon == std::string_view::npos) break;
    start = colon + 1;
  }
  if (parts.size() > 3) bad(spec, "too many ':'");
  std::string host_ip;
  if (parts.size() == 3) {
    host_ip = std::string(parts[0]);
    in_addr a{};
    if (inet_pton(AF_INET, host_ip.c_str(), &a) != 1)
      bad(spec, "host address '" + host_ip + "' is not an IPv4 address");
    if (host_ip == "0.0.0.0") host_ip.clear();
  }
  Range ctr = parse_range(spec, "container port", parts.back());
  std::vector<PublishedPort> out;
  bool has_host = parts.size() >= 2 && !parts[parts.size() - 2].empty();
  Range host = has_host ? parse_range(spec, "host port", parts[parts.size() - 2]) : Range{};
  if (has_host && host.size() != ctr.size())
    bad(spec, "host and container port ranges differ in length");
  for (unsigned i = 0; i < ctr.size(); ++i)
    out.push_back({host_ip, static_cast<uint16_t>(has_host ? host.first + i : 0),
                   static_cast<uint16_t>(ctr.first + i), proto});
  return out;
}

}  // namespace lit::runtime
