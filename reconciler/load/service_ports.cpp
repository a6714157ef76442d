// ports: and expose: in every short and long form, to one PortMapping per port.
#include <arpa/inet.h>

#include <algorithm>
#include <cctype>

#include "reconciler/load/normalize.hpp"
#include "reconciler/load/values.hpp"
#include "runtime/spec/published_port.hpp"

namespace lit::reconciler::load {

namespace {

struct Range {
  std::uint32_t first = 0, last = 0;
  std::uint32_t size() const { return last - first + 1; }
};

bool all_digits(const std::string& s) {
  return !s.empty() && s.size() <= 5 &&
         std::all_of(s.begin(), s.end(), [](unsigned char c) { return std::isdigit(c); });
}

// "80" or "8000-8010", each port 1..65535 (0 allowed only where `zero_ok`).
bool parse_range(const std::string& s, Range& r) {
  std::size_t dash = s.find('-');
  std::string a = s.substr(0, dash), b = dash == std::string::npos ? a : s.substr(dash + 1);
  if (!all_digits(a) || !all_digits(b)) return false;
  r.first = static_cast<std::uint32_t>(std::stoul(a));
  r.last = static_cast<std::uint32_t>(std::stoul(b));
  return r.first >= 1 && r.last <= 65535 && r.first <= r.last;
}

bool valid_ip(const std::string& s) {
  if (s.find(':') != std::string::npos) {  // IPv6: hex digits, colons, dots
    return std::all_of(s.begin(), s.end(),
                       [](unsigned char c) { return std::isxdigit(c) || c == ':' || c == '.'; });
  }
  int parts = 0;
  std::size_t pos = 0;
  while (true) {
    std::size_t dot = s.find('.', pos);
    std::string p = s.substr(pos, dot == std::string::npos ? std::string::npos : dot - pos);
    if (!all_digits(p) || p.size() > 3 || std::stoi(p) > 255) return false;
    ++parts;
    if (dot == std::string::npos) break;
    pos = dot + 1;
  }
  return parts == 4;
}

const char* kShortForm = "expected [HOST_IP:][HOST_PORT:]CONTAINER_PORT[/PROTOCOL]";

void add_mappings(const Node& at, const std::string& path, const std::string& shown,
                  const std::string& ip, const std::string& published, const std::string& target,
                  const std::string& proto, Service& s) {
  Range t, h;
  if (!parse_range(target, t))
    fail(at, path, "invalid container port '" + target + "' in '" + shown + "'");
  bool has_host = !published.empty();
  if (has_host && !parse_range(published, h))
    fail(at, path, "invalid host port '" + published + "' in '" + shown + "'");
  // A host range for one container port: each replica takes the next port of it.
  bool spread = has_host && t.size() == 1 && h.size() > 1;
  if (has_host && h.size() != t.size() && !spread)
    fail(at, path, "host and container port ranges differ in size in '" + shown + "'");
  if (proto != "tcp" && proto != "udp" && proto != "sctp")
    fail(at, path, "invalid protocol '" + proto + "' in '" + shown + "' (expected tcp or udp)");
  // The runtime publishes on one IPv4 address or on all.
  std::optional<std::string> runtime_host = ip == "0.0.0.0" ? "" : ip;
  in_addr a{};
  if (!ip.empty() && inet_pton(AF_INET, ip.c_str(), &a) != 1) runtime_host.reset();
  for (std::uint32_t i = 0; i < t.size(); ++i) {
    PortMapping m;
    m.host_ip = ip;
    m.published = has_host ? static_cast<std::uint16_t>(h.first + i) : 0;
    m.target = static_cast<std::uint16_t>(t.first + i);
    m.protocol = proto;
    m.proto = runtime::proto_from_name(proto);
    m.runtime_host_ip = runtime_host;
    if (spread) m.published_last = static_cast<std::uint16_t>(h.last);
    if (std::find(s.ports.begin(), s.ports.end(), m) == s.ports.end()) s.ports.push_back(m);
  }
}

void short_port(const Node& n, const std::string& path, Service& s) {
  std::string spec = as_string(n, path);
  std::string rest = spec, proto = "tcp", ip;
  if (std::size_t slash = rest.find('/'); slash != std::string::npos) {
    proto = rest.substr(slash + 1);
    rest = rest.substr(0, slash);
  }
  if (!rest.empty() && rest[0] == '[') {  // [::1]:8080:80
    std::size_t close = rest.find(']');
    if (close == std::string::npos || close + 1 >= rest.size() || rest[close + 1] != ':')
      fail(n, path, std::string(kShortForm) + ", got '" + spec + "'");
    ip = rest.substr(1, close - 1);
    rest = rest.substr(close + 2);
    if (rest.find(':') == std::string::npos) rest = ":" + rest;
  }
  std::vector<std::string> parts;
  std::size_t pos = 0;
  while (true) {
    std::size_t c = rest.find(':', pos);
    parts.push_back(rest.substr(pos, c == std::string::npos ? std::string::npos : c - pos));
    if (c == std::string::npos) break;
    pos = c + 1;
  }
  std::string published, target;
  if (parts.size() == 1)
    target = parts[0];
  else if (parts.size() == 2)
    published = parts[0], target = parts[1];
  else if (parts.size() == 3 && ip.empty())
    ip = parts[0], published = parts[1], target = parts[2];
  else
    fail(n, path, std::string(kShortForm) + ", got '" + spec + "'");
  if (!ip.empty() && !valid_ip(ip))
    fail(n, path,
         std::string(kShortForm) + ", got '" + spec + "' ('" + ip + "' is not an IP address)");
  add_mappings(n, path, spec, ip, published, target, proto, s);
}

void long_port(const Node& n, const std::string& path, Service& s, Diag* diag) {
  std::string ip, published, target, proto = "tcp";
  for (const auto& e : n.entries) {
    std::string p = sub(path, e.key);
    if (e.key == "target")
      target = as_string(e.value, p);
    else if (e.key == "published")
      published = as_string(e.value, p);
    else if (e.key == "host_ip")
      ip = as_string(e.value, p);
    else if (e.key == "protocol")
      proto = as_string(e.value, p);
    else if (e.key == "mode" || e.key == "name" || e.key == "app_protocol")
      as_string(e.value, p);
    else if (diag)
      diag->unsupported(e.key_loc, p);
  }
  if (target.empty()) fail(n, path, "target: the container port is required");
  if (!ip.empty() && !valid_ip(ip))
    fail(n, sub(path, "host_ip"), "'" + ip + "' is not an IP address");
  std::string shown =
      (ip.empty() ? "" : ip + ":") + (published.empty() ? "" : published + ":") + target;
  add_mappings(n, path, shown, ip, published, target, proto, s);
}

}  // namespace

void normalize_ports(const Node& n, const std::string& path, Service& s, Diag& diag) {
  if (n.is_null()) return;
  if (!n.is_seq()) fail(n, path, "expected a list of ports, got " + kind_name(n));
  for (std::size_t i = 0; i < n.items.size(); ++i) {
    const Node& it = n.items[i];
    if (it.is_map())
      long_port(it, idx(path, i), s, &diag);
    else
      short_port(it, idx(path, i), s);
  }
}

void normalize_expose(const Node& n, const std::string& path, Service& s) {
  if (n.is_null()) return;
  if (!n.is_seq()) fail(n, path, "expected a list of ports, got " + kind_name(n));
  for (std::size_t i = 0; i < n.items.size(); ++i) {
    std::string e = as_string(n.items[i], idx(path, i));
    if (e.empty()) continue;  // as compose reads it: no port
    std::string port = e.substr(0, e.find('/'));
    std::string proto = e.find('/') == std::string::npos ? "tcp" : e.substr(e.find('/') + 1);
    Range r;
    if (!parse_range(port, r) || (proto != "tcp" && proto != "udp" && proto != "sctp"))
      fail(n.items[i], idx(path, i), "expected PORT[/PROTOCOL], got '" + e + "'");
    for (std::uint32_t p = r.first; p <= r.last; ++p) {
      std::string v = std::to_string(p) + (proto == "tcp" ? "" : "/" + proto);
      if (std::find(s.expose.begin(), s.expose.end(), v) == s.expose.end()) s.expose.push_back(v);
    }
  }
}

}  // namespace lit::reconciler::load
