#pragma once
// A published port: one type from `-p` and a service's `ports:` down to the
// record, the firewall's DNAT rule and `container port` (network/ names it
// PortMapping).
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace lit::runtime {

enum class Proto { Tcp, Udp };
std::string_view proto_name(Proto p);  // "tcp" / "udp"
std::optional<Proto> proto_from_name(std::string_view name);

// One host port forwarded to one container port. Requested, host_port 0 means
// a free one is chosen at start; bound (ContainerState::ports), it is the one chosen.
struct PublishedPort {
  std::string host_ip;  // IPv4; "" means every address of the host
  std::uint16_t host_port = 0;
  std::uint16_t container_port = 0;
  Proto proto = Proto::Tcp;
  bool operator==(const PublishedPort&) const = default;
};

// Parses one -p value: [HOST_IP:][HOST_PORT:]CONTAINER_PORT[/tcp|udp], where
// ports may be ranges of equal length (8000-8010:80-90). Returns one mapping per
// port; host_port is 0 where the host port was left out. Throws lit::Error
// naming -p and the value on bad input. The only reader of -p text: the CLI,
// and records written by a lit that stored ports as -p text.
std::vector<PublishedPort> parse_port_spec(std::string_view spec);

}  // namespace lit::runtime
