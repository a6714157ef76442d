#include "runtime/lifecycle/memory_raise.hpp"

#include <spdlog/spdlog.h>

#include "runtime/cgroups/cgroup.hpp"
#include "runtime/events/journal.hpp"
#include "runtime/lifecycle/memory_tune.hpp"
#include "runtime/state/ids.hpp"
#include "runtime/state/record_store.hpp"
#include "runtime/util/error.hpp"

namespace lit::runtime {

RaiseOutcome raise_memory_limit(const Paths& paths, const std::string& id,
                                const std::string& reason) {
  RecordStore store(paths);
  RaiseOutcome outcome = RaiseOutcome::NotTuned;
  MemoryRaise raise;
  std::optional<ContainerRecord> after;
  // Under the record's lock: two raises (a tick's and the exit's) never
  // read the same old limit.
  store.update(id, [&](ContainerRecord& r) {
    const auto& ceiling = r.lifecycle.memory_tune.ceiling;
    const auto& limit = r.spec.limits.memory_bytes;
    if (!ceiling || !limit) return;
    auto to = raised_limit(*limit, *ceiling);
    if (!to) {
      outcome = RaiseOutcome::AtCeiling;
      return;
    }
    // The live cgroup first: a container still running gets the room now.
    // After an exit (the OOM kill) its cgroup may be gone: the record is
    // what the next start reads.
    if (r.state.status == ContainerStatus::Running) {
      try {
        auto cgroup = cgroups::manager_for(r.spec.cgroup_manager)->open(r.id);
        cgroups::Limits l;
        l.memory_bytes = *to;
        cgroup->apply(l);
      } catch (const Error& e) {
        spdlog::warn("container {}: raise the memory limit: {}", r.id.substr(0, 12), e.what());
      }
    }
    raise = {now_rfc3339(), *limit, *to, reason};
    r.spec.limits.memory_bytes = *to;
    r.state.memory_raises.push_back(raise);
    outcome = RaiseOutcome::Raised;
    after = r;
  });
  if (outcome == RaiseOutcome::Raised && after)
    record_container_event(paths, *after, "update",
                           {{"memory.from", std::to_string(raise.from)},
                            {"memory.to", std::to_string(raise.to)},
                            {"memory.reason", reason}});
  return outcome;
}

}  // namespace lit::runtime
