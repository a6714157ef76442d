// lit-dns: lit's embedded DNS server (see network/dns/server.hpp). Started by lit
// when a network needs it; exits when no lit network is left.
#include <signal.h>
#include <unistd.h>

#include <cstdio>
#include <cstdlib>
#include <string>

#include "network/dns/server.hpp"

int main(int argc, char** argv) {
  if (argc < 2 || argc > 3) {
    std::fprintf(stderr, "usage: lit-dns CONFIG [PORT] (started by lit, not by hand)\n");
    return 2;
  }
  ::signal(SIGPIPE, SIG_IGN);
  if (::chdir("/") < 0) return 1;
  return lit::network::dns::run_server(argv[1], argc == 3 ? std::atoi(argv[2]) : 53);
}
