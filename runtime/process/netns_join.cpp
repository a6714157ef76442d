#include "runtime/process/netns_join.hpp"

#include <fcntl.h>

#include <cerrno>
#include <string>

#include "runtime/process/start_error.hpp"
#include "runtime/state/liveness.hpp"
#include "runtime/state/record_store.hpp"
#include "runtime/util/error.hpp"

namespace lit::runtime {

UniqueFd open_joined_netns(const Paths& paths, const ContainerRecord& record) {
  RecordStore records(paths);
  const std::string& id = record.spec.network_container;
  const std::string context = "start container " + record.name;
  auto target = records.read(id);
  if (!target)
    throw StartError(Error(context + ": container " + id.substr(0, 12) +
                           ", whose network namespace it joins, no longer exists")
                         .with_hint("recreate " + record.name +
                                    " with --network container:NAME of a running container"),
                     125);
  ContainerState st = observed_state(*target);
  if (st.status != ContainerStatus::Running || st.pid <= 0)
    throw StartError(Error(context + ": cannot join the network namespace of container " +
                           target->name + ": it is " + std::string(to_string(st.status)))
                         .with_hint("start it first: lit container start " + target->name),
                     125);
  std::string path = "/proc/" + std::to_string(st.pid) + "/ns/net";
  UniqueFd fd(::open(path.c_str(), O_RDONLY | O_CLOEXEC));
  // The pid may have been reused since the record was written: its start time,
  // read after the open, proves the namespace opened is the target's.
  if (!fd || process_start_time(st.pid) != target->state.pid_start_time)
    throw StartError(Error(context + ": cannot join the network namespace of container " +
                           target->name + ": it exited"),
                     125);
  try {
    // A target started by an older lit keeps its files in its bundle.
    fs::path from = paths.run_container(target->id);
    if (!fs::exists(from / "hosts")) from = target->spec.bundle;
    fs::path to = paths.run_container(record.id);
    make_dirs(to, 0700);
    for (const char* name : {"hosts", "resolv.conf"})
      write_file_atomic(to / name, read_file(from / name), 0644, Durability::NoSync);
  } catch (Error& e) {
    throw StartError(
        std::move(e.context(context + ": copy the etc files of container " + target->name)), 125);
  }
  return fd;
}

}  // namespace lit::runtime
