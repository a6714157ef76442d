#pragma once
// Published ports: whether a host port is free. lit's DNAT
// rules bind no socket, so a conflict with another lit container is found in
// lit's nftables table (Firewall), a conflict with a host process here.
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "runtime/spec/published_port.hpp"

namespace lit::network {

// The runtime's published port (runtime/spec/published_port.hpp): one type
// from -p and ports: to the DNAT rule.
using runtime::Proto;
using runtime::proto_name;
using PortMapping = runtime::PublishedPort;

// True when binding host_ip:port (every address when host_ip is "") fails
// because the port is taken. Throws lit::Error for other failures (e.g. an
// address that is not the host's).
bool port_in_use(std::string_view host_ip, uint16_t port, Proto proto);

// A port that is free right now, chosen by the kernel (bind to port 0).
uint16_t pick_free_port(Proto proto, std::string_view host_ip = {});

}  // namespace lit::network
