#pragma once
// The changes a start and an exit make to a container's recorded state, in
// one place: a foreground run (lifecycle.cpp) and the supervisor's requests
// (detached.cpp) record them alike. Each caller writes them under the
// record's lock (RecordStore::update), with the durability it needs.
#include <sys/types.h>

#include <string>
#include <vector>

#include "runtime/spec/published_port.hpp"
#include "runtime/state/record.hpp"

namespace lit::runtime {

// What a start records.
struct StartFacts {
  pid_t pid = 0;                     // the container's init
  std::vector<PublishedPort> ports;  // as bound by this start
  pid_t supervisor = 0;              // its lit-shim when detached; 0: run in the foreground
};

// Running since now, as pid (and its start time), with these ports. A
// supervised start also records the supervisor and this boot, and clears the
// last run's exit and health; a foreground run's record was just created.
void mark_running(ContainerRecord& record, const StartFacts& start);

// What an exit, or a failed start, records.
struct ExitRecord {
  int exit_code = 0;
  bool oom_killed = false;
  std::string error;  // why it could not start; empty when it ran and exited
};

// Exited now: no pid, no ports bound, the exit as given.
void mark_exited(ContainerState& state, const ExitRecord& exit);

}  // namespace lit::runtime
