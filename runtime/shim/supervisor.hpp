#pragma once
// The per-container supervisor, lit-shim: the parent of one detached
// container's init. It keeps the container's stdout and stderr in its log
// file, reaps the init, runs health probes on time and brings the container
// back per its restart policy. When rootless, it also carries the container's
// published ports for each run (port_proxy.hpp; __spawn sends the sockets).
// Every decision and every record write is done by short-lived
// `lit container __spawn/__exited/__health` commands it runs, so the resident
// process is only this poll loop (see runtime/lifecycle/detached.hpp).
#include <cstdint>
#include <string>

#include "runtime/shim/log_writer.hpp"

namespace lit::shim {

struct SupervisorConfig {
  std::string id;   // the container
  std::string lit;  // lit's executable, for the helper commands
  std::string root, run_root;
  std::string log_path;  // <root>/containers/<id>/container.log
  LogOptions log;
  int64_t health_interval_ns = 0;  // 0: no health check
  // start_interval: the probes' interval while the container is starting,
  // inside its start period (0: health_interval_ns throughout).
  int64_t health_start_interval_ns = 0, health_start_period_ns = 0;
  bool keep_stdin = false;  // -i: stdin is a pipe held open, written by attached clients
  bool stdin_once = false;  // the first attached client's end of input closes it (compose run)
  bool tty = false;         // -t: the init's pty master comes to us from __spawn
  bool keep_dns = false;  // on a lit network: restart lit's DNS server if it dies (dns_keeper.hpp)
  std::string attach_path;  // the attach socket, made once the container runs (empty: none)
  int ready_fd = -1;        // `run -d` waits for "ok" or an error on it, then EOF
  int lock_fd = -1;  // the container's operation lock: held until the first start is recorded
  // A held start (lifecycle/detached.hpp, HeldStart): the first start waits
  // for its release on this socket, passed on to __spawn (-1: none).
  int hold_fd = -1;
  // optimize.auto_memory_tune: the container's memory cgroup directory and its
  // memory.samples (memory_sampler.hpp; both empty: no sampling). With
  // memory_raise, a limit the container keeps reaching, or an OOM kill, has
  // `lit container __memory-raise` raise it (up to the service's ceiling).
  std::string memory_cgroup, memory_samples;
  bool memory_raise = false;
};

// lit-shim's command line; false with a message in `error` on bad usage.
bool parse_supervisor_args(int argc, char** argv, SupervisorConfig& c, std::string& error);

// Supervises the container until it is stopped for good; the shim's exit code.
int run_supervisor(const SupervisorConfig& c);

}  // namespace lit::shim
