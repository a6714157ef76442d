#include "runtime/process/netns_join.hpp"

#include <fcntl.h>

#include <cerrno>
#include <string>

#include "runtime/process/start_error.hpp"
#include "runtime/state/liveness.hpp"
#include "runtime/state/record_store.hpp"
#include "runtime/util/error.hpp"

namespace lit::runtime {

namespace {

struct Joined {
  ContainerRecord target;
  UniqueFd fd;
  pid_t pid = 0;
};

// The running target's /proc/PID/ns/<ns>; `what` names the namespace in errors.
Joined open_target_ns(const Paths& paths, const ContainerRecord& record, const std::string& id,
                      const char* ns, const std::string& what, const std::string& flag) {
  RecordStore records(paths);
  const std::string context = "start container " + record.name;
  auto target = records.read(id);
  if (!target)
    throw StartError(Error(context + ": container " + id.substr(0, 12) + ", whose " + what +
                           " it joins, no longer exists")
                         .with_hint("recreate " + record.name + " with " + flag +
                                    " container:NAME of a running container"),
                     125);
  ContainerState st = observed_state(*target);
  if (st.status != ContainerStatus::Running || st.pid <= 0)
    throw StartError(Error(context + ": cannot join the " + what + " of container " + target->name +
                           ": it is " + std::string(to_string(st.status)))
                         .with_hint("start it first: lit container start " + target->name),
                     125);
  std::string path = "/proc/" + std::to_string(st.pid) + "/ns/" + ns;
  UniqueFd fd(::open(path.c_str(), O_RDONLY | O_CLOEXEC));
  // The pid may have been reused since the record was written: its start time,
  // read after the open, proves the namespace opened is the target's.
  if (!fd || process_start_time(st.pid) != target->state.pid_start_time)
    throw StartError(Error(context + ": cannot join the " + what + " of container " + target->name +
                           ": it exited"),
                     125);
  return {std::move(*target), std::move(fd), st.pid};
}

}  // namespace

UniqueFd open_joined_netns(const Paths& paths, const ContainerRecord& record) {
  const std::string context = "start container " + record.name;
  Joined j = open_target_ns(paths, record, record.spec.network_container, "net",
                            "network namespace", "--network");
  const ContainerRecord* target = &j.target;
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
  return std::move(j.fd);
}

UniqueFd open_joined_pidns(const Paths& paths, const ContainerRecord& record) {
  return open_target_ns(paths, record, record.spec.pid.container, "pid", "PID namespace", "--pid")
      .fd;
}

JoinedIpc open_joined_ipcns(const Paths& paths, const ContainerRecord& record) {
  Joined j =
      open_target_ns(paths, record, record.spec.ipc.container, "ipc", "IPC namespace", "--ipc");
  // As docker (whose default IPC mode is private): only a donor that said so is joined.
  NamespaceMode m = j.target.spec.ipc.mode;
  if (m != NamespaceMode::Shareable && m != NamespaceMode::Container)
    throw StartError(Error("start container " + record.name + ": container " + j.target.name +
                           ": non-shareable IPC")
                         .with_hint("use IpcMode:shareable for the donor container (--ipc "
                                    "shareable, or ipc: shareable in a compose file)"),
                     125);
  // Its mount namespace, where the init finds the /dev/shm it shares.
  std::string path = "/proc/" + std::to_string(j.pid) + "/ns/mnt";
  UniqueFd mntns(::open(path.c_str(), O_RDONLY | O_CLOEXEC));
  if (!mntns || process_start_time(j.pid) != j.target.state.pid_start_time)
    throw StartError(Error("start container " + record.name + ": cannot join the IPC namespace " +
                           "of container " + j.target.name + ": it exited"),
                     125);
  return {std::move(j.fd), std::move(mntns)};
}

}  // namespace lit::runtime
