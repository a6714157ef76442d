#pragma once
// Published ports: the -p syntax, and whether a host port is free. lit's DNAT
// rules bind no socket, so a conflict with another lit container is found in
// lit's nftables table (Firewall), a conflict with a host process here.
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace lit::network {

enum class Proto { Tcp, Udp };
std::string_view proto_name(Proto p);  // "tcp" / "udp"

// One host port forwarded to one container port.
struct PortMapping {
  std::string host_ip;         // IPv4; "" means every address of the host
  uint16_t host_port = 0;      // 0: the caller picks one (pick_free_port)
  uint16_t container_port = 0;
  Proto proto = Proto::Tcp;
  bool operator==(const PortMapping&) const = default;
};

// Parses one -p value: [HOST_IP:][HOST_PORT:]CONTAINER_PORT[/tcp|udp], where
// ports may be ranges of equal length (8000-8010:80-90). Returns one mapping per
// port; host_port is 0 where the host port was left out. Throws lit::Error
// naming -p and the value on bad input.
std::vector<PortMapping> parse_port_spec(std::string_view spec);

// True when binding host_ip:port (every address when host_ip is "") fails
// because the port is taken. Throws lit::Error for other failures (e.g. an
// address that is not the host's).
bool port_in_use(std::string_view host_ip, uint16_t port, Proto proto);

// A port that is free right now, chosen by the kernel (bind to port 0).
uint16_t pick_free_port(Proto proto, std::string_view host_ip = {});

}  // namespace lit::network
