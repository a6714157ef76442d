#include "runtime/lifecycle/control.hpp"

#include <poll.h>
#include <signal.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <algorithm>
#include <cctype>
#include <cerrno>
#include <charconv>
#include <chrono>
#include <thread>

#include "runtime/cgroups/cgroup.hpp"
#include "runtime/events/journal.hpp"
#include "runtime/lifecycle/detached.hpp"
#include "runtime/lifecycle/lifecycle.hpp"
#include "runtime/lifecycle/networking.hpp"
#include "runtime/state/liveness.hpp"
#include "runtime/state/record_store.hpp"
#include "runtime/util/error.hpp"

namespace lit::runtime {

using namespace std::chrono_literals;

namespace {

// True when the process behind the pidfd exited within the timeout.
bool wait_exit(int pidfd, std::chrono::milliseconds timeout) {
  pollfd p{pidfd, POLLIN, 0};
  for (;;) {
    int n = ::poll(&p, 1, static_cast<int>(timeout.count()));
    if (n < 0 && errno == EINTR) continue;
    return n > 0;
  }
}

void send(int pidfd, int sig, const std::string& name) {
  if (::syscall(SYS_pidfd_send_signal, pidfd, sig, nullptr, 0) < 0 && errno != ESRCH)
    throw Error::sys("send signal " + std::to_string(sig) + " to container", name, errno);
}

// Signals the container's init with docker's kill event, recorded first: the
// supervisor records the die the signal may cause at once.
void send(const Paths& paths, int pidfd, int sig, const ContainerRecord& record) {
  record_container_event(paths, record, "kill", {{"signal", std::to_string(sig)}});
  send(pidfd, sig, record.name);
}

// Waits until the container's supervisor has recorded the exit of the init
// `st` describes and (without a restart) exited, so that what follows (start,
// rm, ls) sees a settled container. Bounded: a hung supervisor is reported by
// observed_state, not waited for forever.
void wait_settled(const RecordStore& records, const std::string& id, const ContainerState& st) {
  auto deadline = std::chrono::steady_clock::now() + 15s;
  while (std::chrono::steady_clock::now() < deadline) {
    auto rec = records.read(id);
    if (!rec) return;
    const auto& now = rec->state;
    bool recorded = now.status != ContainerStatus::Running || now.pid != st.pid;
    if (recorded && (now.status == ContainerStatus::Restarting || !supervisor_alive(now))) return;
    std::this_thread::sleep_for(10ms);
  }
}

// Ends the supervisor of a container that is not running (waiting out a
// back-off, or hung): SIGTERM, then SIGKILL.
void end_supervisor(const ContainerState& st) {
  UniqueFd shim = open_pidfd(st.shim_pid, st.shim_start_time);
  if (!shim) return;
  ::syscall(SYS_pidfd_send_signal, shim.get(), SIGTERM, nullptr, 0);
  if (wait_exit(shim.get(), 5s)) return;
  ::syscall(SYS_pidfd_send_signal, shim.get(), SIGKILL, nullptr, 0);
  wait_exit(shim.get(), 5s);
}

void mark_stopped(RecordStore& records, const std::string& id) {
  records.update(id, [](ContainerRecord& r) { r.state.manually_stopped = true; });
}

bool terminating(int sig, int stop_signal) {
  return sig == SIGKILL || sig == SIGTERM || sig == SIGINT || sig == SIGQUIT || sig == stop_signal;
}

// The last run ended with nobody to record it (its supervisor was killed):
// what the supervisor's __exited would have done is done before the next run.
// Its ports and DNS names go, and its cgroup with whatever is left in it: a
// container sharing the host's pid namespace (--pid host) keeps its other
// processes past its init's death, and a new run must not inherit them.
void settle_unrecorded_exit(const Paths& paths, const ContainerRecord& record) {
  network_stop(paths, record);
  cgroups::manager_for(record.spec.cgroup_manager)->open(record.id)->destroy();
}

// User commands on one container run one at a time (two `start`s must not
// make two supervisors); each then acts on the record as it is now. The
// supervisor's own record updates use the record lock, not this one.
struct Operation {
  FileLock lock;
  ContainerRecord record;
};

FileLock operation_lock(const RecordStore& records, const ContainerRecord& r) {
  try {
    return FileLock(records.operation_lock(r.id));
  } catch (const Error&) {
    throw Error("no such container: " + r.name);
  }
}

Operation begin(const RecordStore& records, const ContainerRecord& r) {
  FileLock lock = operation_lock(records, r);
  auto now = records.read(r.id);
  if (!now) throw Error("no such container: " + r.name);
  return {std::move(lock), std::move(*now)};
}

// A paused container is thawed before it is signalled, as docker does: a
// frozen process acts on no signal, SIGKILL included (cgroup v1).
void thaw_if_paused(RecordStore& records, const ContainerRecord& record) {
  if (!record.state.paused) return;
  cgroups::manager_for(record.spec.cgroup_manager)->open(record.id)->freeze(false);
  records.update(record.id, [](ContainerRecord& r) { r.state.paused = false; });
}

// Freezes or thaws a running container and records it.
void set_paused(const Paths& paths, const ContainerRecord& current, bool paused) {
  RecordStore records(paths);
  Operation op = begin(records, current);
  const ContainerRecord& record = op.record;
  ContainerState st = observed_state(record);
  if (st.status != ContainerStatus::Running)
    throw Error("container " + record.name + " is not running")
        .with_hint("see its state with: lit container ls -a");
  if (st.paused == paused)
    throw Error(paused ? "container " + record.name + " is already paused"
                       : "container " + record.name + " is not paused");
  cgroups::manager_for(record.spec.cgroup_manager)->open(record.id)->freeze(paused);
  records.update(record.id, [paused](ContainerRecord& r) { r.state.paused = paused; });
  record_container_event(paths, record, paused ? "pause" : "unpause");
}

}  // namespace

void update_container(const Paths& paths, const ContainerRecord& current,
                      const cgroups::Limits& limits) {
  RecordStore records(paths);
  Operation op = begin(records, current);
  if (observed_state(op.record).status == ContainerStatus::Running)
    cgroups::manager_for(op.record.spec.cgroup_manager)->open(op.record.id)->apply(limits);
  records.update(op.record.id, [&](ContainerRecord& r) {
    if (limits.memory_bytes) r.spec.limits.memory_bytes = limits.memory_bytes;
    if (limits.cpus) r.spec.limits.cpus = limits.cpus;
    if (limits.pids) r.spec.limits.pids = limits.pids;
  });
  record_container_event(paths, op.record, "update");
}

ContainerRecord rename_container(const Paths& paths, const ContainerRecord& current,
                                 const std::string& name) {
  RecordStore records(paths);
  Operation op = begin(records, current);
  ContainerRecord renamed = records.rename(op.record.id, name);
  NetworkHooks* net = network_hooks();
  if (net && renamed.spec.network == NetworkMode::Bridge) {
    try {
      net->rename(paths, endpoint_of(renamed));
    } catch (...) {
      records.update(renamed.id, [&](ContainerRecord& r) { r.name = op.record.name; });
      throw;
    }
  }
  record_container_event(paths, renamed, "rename", {{"oldName", "/" + op.record.name}});
  return renamed;
}

void pause_container(const Paths& paths, const ContainerRecord& record) {
  set_paused(paths, record, true);
}

void unpause_container(const Paths& paths, const ContainerRecord& record) {
  set_paused(paths, record, false);
}

void start_container(const Paths& paths, const ContainerRecord& current) {
  RecordStore records(paths);
  Operation op = begin(records, current);
  const ContainerRecord& record = op.record;
  ContainerState st = observed_state(record);
  if (st.status == ContainerStatus::Running || st.status == ContainerStatus::Restarting) return;
  if (!created_completely(record))
    throw Error("container " + record.name +
                " was not created completely (the lit creating it "
                "was stopped before its networks gave it an address)")
        .with_hint("remove it with: lit container rm " + record.name);
  // A supervisor still finishing the previous run (e.g. writing the last log lines).
  if (UniqueFd shim = open_pidfd(st.shim_pid, st.shim_start_time)) wait_exit(shim.get(), 5s);
  if (record.state.status == ContainerStatus::Running ||
      record.state.status == ContainerStatus::Restarting)
    settle_unrecorded_exit(paths, record);
  bool present = records.update(record.id, [](ContainerRecord& r) {
    r.state.manually_stopped = false;
    r.state.paused = false;
    r.state.restart_count = 0;
    r.state.status = ContainerStatus::Created;
  });
  if (!present) throw Error("no such container: " + record.name);
  launch_supervisor(paths, record, op.lock);
}

void stop_container(const Paths& paths, const ContainerRecord& current,
                    std::optional<int> timeout_seconds) {
  RecordStore records(paths);
  Operation op = begin(records, current);
  const ContainerRecord& record = op.record;
  ContainerState st = observed_state(record);
  if (st.status == ContainerStatus::Restarting) {
    mark_stopped(records, record.id);
    end_supervisor(st);
    records.update(record.id, [](ContainerRecord& r) {
      if (r.state.status == ContainerStatus::Restarting) r.state.status = ContainerStatus::Exited;
    });
    record_container_event(paths, record, "stop");
    return;
  }
  if (st.status != ContainerStatus::Running) return;
  mark_stopped(records, record.id);
  UniqueFd init = open_pidfd(st.pid, st.pid_start_time);
  if (init) {
    thaw_if_paused(records, record);
    send(paths, init.get(), record.lifecycle.stop_signal, record);
    auto grace =
        std::chrono::seconds(std::max(0, timeout_seconds.value_or(record.lifecycle.stop_timeout)));
    if (!wait_exit(init.get(), grace)) {
      // The init's death takes every process of its pid namespace with it.
      send(paths, init.get(), SIGKILL, record);
      wait_exit(init.get(), 10s);
    }
  }
  wait_settled(records, record.id, st);
  record_container_event(paths, record, "stop");
}

void restart_container(const Paths& paths, const ContainerRecord& record,
                       std::optional<int> timeout_seconds) {
  stop_container(paths, record, timeout_seconds);
  auto now = RecordStore(paths).read(record.id);
  if (!now) throw Error("no such container: " + record.name);
  start_container(paths, *now);
  record_container_event(paths, *now, "restart");
}

void kill_container(const Paths& paths, const ContainerRecord& record, int signal) {
  ContainerState st = observed_state(record);
  UniqueFd init =
      st.status == ContainerStatus::Running ? open_pidfd(st.pid, st.pid_start_time) : UniqueFd();
  if (!init)
    throw Error("cannot kill container " + record.name + ": container is not running")
        .with_hint("see its state with: lit container ls -a");
  RecordStore records(paths);
  const bool stops = terminating(signal, record.lifecycle.stop_signal);
  if (stops) mark_stopped(records, record.id);
  send(paths, init.get(), signal, record);
  // docker delivers a stopping signal, then unpauses: the process acts on it once thawed.
  if (auto now = records.read(record.id); now && stops) thaw_if_paused(records, *now);
}

void kill_all(const Paths& paths, const ContainerRecord& current,
              const std::function<void(const ContainerRecord&)>& then) {
  RecordStore records(paths);
  Operation op = begin(records, current);
  const ContainerRecord& record = op.record;
  const ContainerState& st = record.state;
  if (st.status == ContainerStatus::Running || st.status == ContainerStatus::Restarting ||
      supervisor_alive(st)) {
    try {
      mark_stopped(records, record.id);
    } catch (const Error&) {
      // A full disk (maybe filled by this very container's log) must not keep
      // it from going: without the mark, its supervisor goes first, so that
      // nothing restarts it.
      if (UniqueFd shim = open_pidfd(st.shim_pid, st.shim_start_time)) {
        ::syscall(SYS_pidfd_send_signal, shim.get(), SIGKILL, nullptr, 0);
        wait_exit(shim.get(), 5s);
      }
    }
    if (UniqueFd init = open_pidfd(st.pid, st.pid_start_time)) {
      try {
        thaw_if_paused(records, record);
      } catch (const Error&) {
        // The cgroup's destroy below thaws it too.
      }
      send(paths, init.get(), SIGKILL, record);
      wait_exit(init.get(), 10s);
    }
    if (UniqueFd shim = open_pidfd(st.shim_pid, st.shim_start_time)) {
      if (!wait_exit(shim.get(), 5s)) end_supervisor(st);
    }
  }
  // Whatever is left (a supervisor killed with -9 leaves an empty cgroup).
  cgroups::manager_for(record.spec.cgroup_manager)->open(record.id)->destroy();
  if (then) then(record);
}

int wait_container(const Paths& paths, const ContainerRecord& record) {
  RecordStore records(paths);
  for (;;) {
    auto rec = records.read(record.id);
    if (!rec) throw Error("no such container: " + record.name);
    ContainerState st = observed_state(*rec);
    if (st.status == ContainerStatus::Created || st.status == ContainerStatus::Exited)
      return st.exit_code;
    if (st.status == ContainerStatus::Running) {
      if (UniqueFd init = open_pidfd(st.pid, st.pid_start_time))
        wait_exit(init.get(), std::chrono::milliseconds(-1));
      wait_settled(records, record.id, st);
      auto after = records.read(record.id);
      return after ? observed_state(*after).exit_code : st.exit_code;
    }
    std::this_thread::sleep_for(20ms);  // restarting: wait for the next run's end
  }
}

int parse_signal(const std::string& text, const std::string& flag) {
  static const std::pair<const char*, int> kNames[] = {
      {"HUP", SIGHUP},       {"INT", SIGINT},   {"QUIT", SIGQUIT},     {"ILL", SIGILL},
      {"TRAP", SIGTRAP},     {"ABRT", SIGABRT}, {"IOT", SIGIOT},       {"BUS", SIGBUS},
      {"FPE", SIGFPE},       {"KILL", SIGKILL}, {"USR1", SIGUSR1},     {"SEGV", SIGSEGV},
      {"USR2", SIGUSR2},     {"PIPE", SIGPIPE}, {"ALRM", SIGALRM},     {"TERM", SIGTERM},
      {"STKFLT", SIGSTKFLT}, {"CHLD", SIGCHLD}, {"CONT", SIGCONT},     {"STOP", SIGSTOP},
      {"TSTP", SIGTSTP},     {"TTIN", SIGTTIN}, {"TTOU", SIGTTOU},     {"URG", SIGURG},
      {"XCPU", SIGXCPU},     {"XFSZ", SIGXFSZ}, {"VTALRM", SIGVTALRM}, {"PROF", SIGPROF},
      {"WINCH", SIGWINCH},   {"IO", SIGIO},     {"PWR", SIGPWR},       {"SYS", SIGSYS}};
  int n = 0;
  auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), n);
  if (ec == std::errc() && end == text.data() + text.size() && n > 0 && n < NSIG) return n;
  std::string name = text;
  std::transform(name.begin(), name.end(), name.begin(),
                 [](unsigned char c) { return std::toupper(c); });
  if (name.starts_with("SIG")) name = name.substr(3);
  for (auto [known, sig] : kNames)
    if (name == known) return sig;
  throw Error("invalid " + flag + " \"" + text + "\"", {}, 0,
              "use a signal name like SIGTERM, TERM or KILL, or its number");
}

}  // namespace lit::runtime
