#pragma once
// lit's embedded DNS server (the lit-dns executable): one small process per
// host, serving every lit network on its gateway address (UDP and TCP port 53).
// Names come from the config file (network/dns/config.hpp) and the files in
// names/ beside it (one per running container, served while the init it names
// lives), each reloaded when lit replaces it; everything else is forwarded to
// the upstreams. It exits when the config lists no network any more, or is
// removed.
#include <string>

namespace lit::network::dns {

// Serves until no network is left; the process's exit code. `port` is 53
// except in tests.
int run_server(const std::string& config_path, int port = 53);

}  // namespace lit::network::dns
