#pragma once
// `lit container __memory-raise`: the supervisor saw a container with
// optimize.memory_ceiling keep reaching its memory limit, or the OOM killer
// strike; the limit is raised a step (memory_tune.hpp) in the live cgroup
// and in the record (so the next start keeps it), the raise recorded in its
// state and as a "update" event.
#include <string>

#include "runtime/util/paths.hpp"

namespace lit::runtime {

enum class RaiseOutcome {
  Raised,
  AtCeiling,  // the limit is the ceiling already: nothing changed
  NotTuned,   // no ceiling, no limit, or no record (nothing to do)
};

RaiseOutcome raise_memory_limit(const Paths& paths, const std::string& id,
                                const std::string& reason);

}  // namespace lit::runtime
