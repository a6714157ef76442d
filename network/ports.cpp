#include "network/ports.hpp"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>

#include <cerrno>
#include <charconv>

#include "runtime/util/error.hpp"
#include "runtime/util/fs.hpp"

namespace lit::network {
namespace {

constexpr const char* kSyntax = "use -p [HOST_IP:][HOST_PORT:]CONTAINER_PORT[/tcp|udp], e.g. -p 8080:80";

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
  if (r.first > r.last) bad(spec, std::string(what) + " range '" + std::string(s) + "' is reversed");
  return r;
}

Proto parse_proto(std::string_view spec, std::string_view s) {
  if (s == "tcp") return Proto::Tcp;
  if (s == "udp") return Proto::Udp;
  bad(spec, "protocol '" + std::string(s) + "' is not tcp or udp");
}

sockaddr_in address(std::string_view host_ip, uint16_t port) {
  sockaddr_in sa{};
  sa.sin_family = AF_INET;
  sa.sin_port = htons(port);
  sa.sin_addr.s_addr = htonl(INADDR_ANY);
  if (!host_ip.empty() && inet_pton(AF_INET, std::string(host_ip).c_str(), &sa.sin_addr) != 1)
    throw Error("host address", std::string(host_ip), 0, "give an IPv4 address");
  return sa;
}

UniqueFd open_socket(Proto proto) {
  int type = proto == Proto::Tcp ? SOCK_STREAM : SOCK_DGRAM;
  return UniqueFd(static_cast<int>(check_sys(socket(AF_INET, type | SOCK_CLOEXEC, 0), "socket")));
}

}  // namespace

std::string_view proto_name(Proto p) { return p == Proto::Tcp ? "tcp" : "udp"; }

std::vector<PortMapping> parse_port_spec(std::string_view spec) {
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
  std::vector<PortMapping> out;
  bool has_host = parts.size() >= 2 && !parts[parts.size() - 2].empty();
  Range host = has_host ? parse_range(spec, "host port", parts[parts.size() - 2]) : Range{};
  if (has_host && host.size() != ctr.size())
    bad(spec, "host and container port ranges differ in length");
  for (unsigned i = 0; i < ctr.size(); ++i)
    out.push_back({host_ip, static_cast<uint16_t>(has_host ? host.first + i : 0),
                   static_cast<uint16_t>(ctr.first + i), proto});
  return out;
}

bool port_in_use(std::string_view host_ip, uint16_t port, Proto proto) {
  sockaddr_in sa = address(host_ip, port);
  UniqueFd fd = open_socket(proto);
  // TIME_WAIT leftovers do not hold a port; a listener or bound socket does.
  int one = 1;
  check_sys(setsockopt(fd.get(), SOL_SOCKET, SO_REUSEADDR, &one, sizeof one), "setsockopt");
  if (bind(fd.get(), reinterpret_cast<sockaddr*>(&sa), sizeof sa) == 0) return false;
  if (errno == EADDRINUSE) return true;
  std::string target = (host_ip.empty() ? std::string("0.0.0.0") : std::string(host_ip)) + ":" +
                       std::to_string(port) + "/" + std::string(proto_name(proto));
  throw Error::sys("bind", target, errno);
}

uint16_t pick_free_port(Proto proto, std::string_view host_ip) {
  sockaddr_in sa = address(host_ip, 0);
  UniqueFd fd = open_socket(proto);
  check_sys(bind(fd.get(), reinterpret_cast<sockaddr*>(&sa), sizeof sa), "bind",
            "a free " + std::string(proto_name(proto)) + " port");
  socklen_t len = sizeof sa;
  check_sys(getsockname(fd.get(), reinterpret_cast<sockaddr*>(&sa), &len), "getsockname");
  return ntohs(sa.sin_port);
}

}  // namespace lit::network
