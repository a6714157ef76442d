// lit-shim: the supervisor of one detached container (see runtime/shim/supervisor.hpp).
// Started by `lit container run -d` / `start`, never by hand.
#include <signal.h>
#include <unistd.h>

#include <cstdio>
#include <string>

#include "runtime/shim/supervisor.hpp"

int main(int argc, char** argv) {
  lit::shim::SupervisorConfig config;
  std::string error;
  if (!lit::shim::parse_supervisor_args(argc, argv, config, error)) {
    std::fprintf(stderr, "lit-shim: %s (it is started by `lit container run -d`)\n", error.c_str());
    return 2;
  }
  ::signal(SIGPIPE, SIG_IGN);      // a CLI that went away must not take the shim with it
  if (::chdir("/") < 0) return 1;  // keep no directory of the caller's busy
  return lit::shim::run_supervisor(config);
}
