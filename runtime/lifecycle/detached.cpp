#include "runtime/lifecycle/detached.hpp"

#include <fcntl.h>
#include <linux/close_range.h>
#include <poll.h>
#include <signal.h>
#include <spdlog/spdlog.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <charconv>

#include "runtime/cgroups/cgroup.hpp"
#include "runtime/events/journal.hpp"
#include "runtime/exec/exec_in.hpp"
#include "runtime/lifecycle/lifecycle.hpp"
#include "runtime/lifecycle/published_proxy.hpp"
#include "runtime/logs/logs.hpp"
#include "runtime/shim/log_time.hpp"
#include "runtime/state/liveness.hpp"
#include "runtime/state/memory_samples.hpp"
#include "runtime/state/record_store.hpp"
#include "runtime/state/transitions.hpp"
#include "runtime/util/error.hpp"
#include "runtime/util/fs.hpp"
#include "runtime/util/io.hpp"

namespace lit::runtime {

namespace fs = std::filesystem;

namespace {

std::vector<std::string> shim_args(const Paths& paths, const ContainerRecord& r) {
  // The lit the supervisor runs its helpers with (__exited, __health): this
  // program, or the one a front end that is not lit names (lit-dbus sets
  // LIT_PROGRAM to the lit next to it).
  std::error_code ec;
  const char* named = std::getenv("LIT_PROGRAM");
  fs::path self = named && *named ? fs::path(named) : fs::read_symlink("/proc/self/exe", ec);
  if (ec) throw Error::sys("find lit's own executable", "/proc/self/exe", ec.value());
  std::vector<std::string> args = {helper_executable("lit-shim").string(),
                                   "--id",
                                   r.id,
                                   "--lit",
                                   self.string(),
                                   "--root",
                                   paths.root.string(),
                                   "--run-root",
                                   paths.run_root.string(),
                                   "--log",
                                   container_log_path(RecordStore(paths), r.id).string(),
                                   "--log-max-size",
                                   std::to_string(r.lifecycle.log.max_size),
                                   "--log-max-file",
                                   std::to_string(r.lifecycle.log.max_file),
                                   "--attach",
                                   paths.attach_socket(r.id).string(),
                                   "--ready-fd",
                                   "3",
                                   "--lock-fd",
                                   "4"};
  if (r.lifecycle.healthcheck) {
    args.push_back("--health-interval-ns");
    args.push_back(std::to_string(r.lifecycle.healthcheck->config.interval_ns));
    const auto& hc = r.lifecycle.healthcheck->config;
    if (hc.start_interval_ns > 0 && hc.start_period_ns > 0) {
      args.insert(args.end(), {"--health-start-interval-ns", std::to_string(hc.start_interval_ns),
                               "--health-start-period-ns", std::to_string(hc.start_period_ns)});
    }
  }
  // On a lit network, the supervisor keeps lit's DNS server running (as root:
  // a rootless session's server lives in the session's namespace, not ours).
  if (r.spec.network == NetworkMode::Bridge && ::geteuid() == 0) args.push_back("--keep-dns");
  if (r.spec.process.stdin_open) args.push_back("--keep-stdin");
  if (r.spec.process.stdin_open && r.spec.process.stdin_once) args.push_back("--stdin-once");
  if (r.spec.process.terminal) args.push_back("--tty");
  if (r.lifecycle.memory_tune.sample) {
    // Without a memory controller (rootless, not delegated) there is nothing to sample.
    fs::path dir = cgroups::manager_for(r.spec.cgroup_manager)->open(r.id)->memory_dir();
    if (!dir.empty()) {
      args.insert(args.end(), {"--memory-cgroup", dir.string(), "--memory-samples",
                               memory_samples_path(RecordStore(paths), r.id).string()});
      if (r.lifecycle.memory_tune.ceiling) args.push_back("--memory-raise");
    }
  }
  return args;
}

// The shim is a grandchild in its own session: it is nobody's child that
// waits, and neither the terminal's signals nor the CLI's death reach it.
// Its fds: 3 the ready pipe, 4 the operation lock, 5 a held start's release
// (hold_fd, when not -1).
void fork_shim(const std::vector<std::string>& args, int ready_fd, int lock_fd, int hold_fd = -1) {
  std::vector<char*> argv;
  for (const auto& a : args) argv.push_back(const_cast<char*>(a.c_str()));
  argv.push_back(nullptr);
  pid_t pid = ::fork();
  if (pid < 0) throw Error::sys("start the supervisor", args[0], errno);
  if (pid == 0) {
    ::setsid();
    pid_t shim = ::fork();
    if (shim != 0) ::_exit(shim < 0 ? 1 : 0);
    int w = ::fcntl(ready_fd, F_DUPFD, 10);
    int l = ::fcntl(lock_fd, F_DUPFD, 10);
    int h = hold_fd >= 0 ? ::fcntl(hold_fd, F_DUPFD, 10) : -1;
    int null = ::open("/dev/null", O_RDWR);
    if (w < 0 || l < 0 || null < 0 || ::dup2(w, 3) < 0 || ::dup2(l, 4) < 0) ::_exit(126);
    if (hold_fd >= 0 && (h < 0 || ::dup2(h, 5) < 0)) ::_exit(126);
    for (int i = 0; i < 3; ++i) ::dup2(null, i);
    ::close_range(hold_fd >= 0 ? 6 : 5, ~0U, 0);
    ::execv(argv[0], argv.data());
    ::_exit(127);
  }
  int st = 0;
  while (::waitpid(pid, &st, 0) < 0 && errno == EINTR) {
  }
  if (!WIFEXITED(st) || WEXITSTATUS(st) != 0)
    throw Error("start the supervisor", args[0], 0, "fork failed");
}

// The supervisor's answer on the ready pipe: returns on "ok", else throws the
// start's error as __spawn wrote it.
void await_start(int ready_fd, const std::string& name) {
  const std::string context = "start container " + name;
  // "ok", or the start's exit code and one-line error, then EOF.
  std::string reply = read_all(ready_fd);
  if (reply.starts_with("ok")) return;
  if (reply.empty())
    throw StartError(
        Error(context, {}, 0, "its supervisor (lit-shim) exited before the container started"),
        125);
  // "<exit code>\n<message>\n<hint>\n", as __spawn writes it.
  std::vector<std::string> lines;
  for (size_t at = 0; at < reply.size();) {
    size_t nl = reply.find('\n', at);
    if (nl == std::string::npos) nl = reply.size();
    lines.push_back(reply.substr(at, nl - at));
    at = nl + 1;
  }
  int code = 125;
  std::from_chars(lines[0].data(), lines[0].data() + lines[0].size(), code);
  Error e(lines.size() > 1 ? lines[1] : context + ": failed");
  if (lines.size() > 2 && !lines[2].empty()) e.with_hint(lines[2]);
  throw StartError(std::move(e), code);
}

// A held start's release did not come: its `lit` let it go, or died.
class StartCancelled : public StartError {
 public:
  StartCancelled() : StartError(Error("the start was cancelled before it was released"), 125) {}
};

// __spawn, in a held start, before the init goes: one byte from HeldStart::release().
void await_release(int hold_fd) {
  char go = 0;
  ssize_t n;
  while ((n = ::read(hold_fd, &go, 1)) < 0 && errno == EINTR) {
  }
  if (n != 1 || go != 'g') throw StartCancelled();
}

}  // namespace

void launch_supervisor(const Paths& paths, const ContainerRecord& record) {
  FileLock op_lock(RecordStore(paths).operation_lock(record.id));
  launch_supervisor(paths, record, op_lock);
}

void launch_supervisor(const Paths& paths, const ContainerRecord& record, const FileLock& op_lock) {
  std::vector<std::string> args = shim_args(paths, record);
  int fds[2];
  check_sys(::pipe2(fds, O_CLOEXEC), "create pipe");
  UniqueFd rd(fds[0]), wr(fds[1]);
  fork_shim(args, wr.get(), op_lock.fd());
  wr.reset();
  await_start(rd.get(), record.name);
}

HeldStart::HeldStart(const Paths& paths, const ContainerRecord& record)
    : op_lock_(RecordStore(paths).operation_lock(record.id)), name_(record.name) {
  std::vector<std::string> args = shim_args(paths, record);
  args.insert(args.end(), {"--hold-fd", "5"});
  int fds[2];
  check_sys(::pipe2(fds, O_CLOEXEC), "create pipe");
  UniqueFd rd(fds[0]), wr(fds[1]);
  int hold[2];
  check_sys(::socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, hold), "create socket pair");
  UniqueFd theirs(hold[0]);
  hold_.reset(hold[1]);
  fork_shim(args, wr.get(), op_lock_.fd(), theirs.get());
  ready_ = std::move(rd);
}

HeldStart::~HeldStart() {
  if (!hold_) return;
  hold_.reset();  // the end of the stream: __spawn undoes the start
  try {
    std::string reply = read_all(ready_.get());  // empty once the supervisor is gone
    if (!reply.empty() && !reply.starts_with("ok"))
      spdlog::debug("container {}: its held start failed: {}", name_, reply);
  } catch (const std::exception&) {
  }
}

void HeldStart::release() {
  if (!hold_) throw Error("start container " + name_ + ": released twice");
  // A start that failed while held has gone: its error is on the ready pipe.
  [[maybe_unused]] ssize_t n = ::send(hold_.get(), "g", 1, MSG_NOSIGNAL);
  hold_.reset();
  await_start(ready_.get(), name_);
}

std::optional<SpawnedInit> spawn_for_supervisor(const Paths& paths, const std::string& id,
                                                const DetachedStdio& stdio, int ports_fd,
                                                int hold_fd) {
  RecordStore records(paths);
  auto rec = records.read(id);
  if (!rec) throw StartError(Error("no such container: " + id), 125);
  const pid_t shim = ::getppid();
  std::vector<PublishedPort> ports;
  SpawnedInit spawned;
  auto on_start = [&](pid_t pid) {
    spawned.started_ns = shim::now_ns();
    bool present = records.update(
        id,
        [&](ContainerRecord& r) {
          mark_running(r, {pid, ports, shim});
        },
        Durability::NoSync);  // pids mean nothing after a crash; the boot id says so
    if (!present) throw Error("container " + rec->name + " was removed while it started");
  };
  try {
    // In the try: a network that cannot be joined is a start failure like any other.
    const bool held = hold_fd >= 0;
    RunHooks hooks = start_hooks(paths, *rec, ports, held ? Names::Later : Names::WithStart);
    hooks.on_start = on_start;
    if (held)
      hooks.before_go = [hold_fd, publish_names = std::move(hooks.before_go)] {
        await_release(hold_fd);
        if (publish_names) publish_names();
      };
    std::vector<shim::ProxyListener> proxied;
    if (ports_fd >= 0 && ports_need_proxy(*rec)) {
      // Bound while the init waits: a port taken fails the start before it runs.
      hooks.before_start = [&, net_start = hooks.before_start](pid_t init) {
        net_start(init);
        proxied = bind_proxy_listeners(*rec, ports);
      };
    }
    spawned.pid = start_detached(rec->spec, stdio, hooks);
    try {
      if (!proxied.empty()) hand_over_ports(ports_fd, proxied);
    } catch (const Error& e) {  // it runs: say why its ports do not answer
      spdlog::warn("container {}: {}", rec->name, e.what());
    }
    record_container_event(paths, *rec, "start");  // the first start and each restart's
    return spawned;
  } catch (const StartCancelled&) {  // nothing ran: it stays Created, as it was
    network_stop(paths, *rec);
    return std::nullopt;
  } catch (const StartError& e) {
    network_stop(paths, *rec);
    records.update(id, [&](ContainerRecord& r) {
      // Nothing new ran: the OOM flag stays as recorded.
      mark_exited(r.state, {e.exit_code(), r.state.oom_killed, e.what()});
    });
    throw;
  }
}

RestartDecision record_exit(const Paths& paths, const std::string& id, const ExitReport& report) {
  RecordStore records(paths);
  auto rec = records.read(id);
  if (!rec) return {};  // removed (rm -f): nothing to restart, its network is released
  network_stop(paths, *rec);
  ExitStatus st = report.status;
  if (!report.start_failed) {
    try {
      auto cgroup = cgroups::manager_for(rec->spec.cgroup_manager)->open(id);
      st.oom_killed = cgroup->oom_kills() > 0;
      cgroup->destroy();
    } catch (const Error& e) {
      spdlog::warn("clean up the cgroup of container {}: {}", rec->name, e.what());
    }
  }
  RestartDecision d;
  if (!(report.start_failed && report.first_start)) {
    ExitFacts facts{st.code,
                    rec->state.manually_stopped,
                    report.killed_unhealthy,
                    rec->state.restart_count,
                    report.ran_ms,
                    report.last_delay_ms};
    d = decide_restart(rec->lifecycle.restart, facts);
  }
  bool present = records.update(id, [&](ContainerRecord& r) {
    if (!report.start_failed)  // a failed start was recorded by __spawn, with its error
      mark_exited(r.state, {st.code, st.oom_killed, ""});
    r.state.status = d.restart ? ContainerStatus::Restarting : ContainerStatus::Exited;
    r.state.pid = 0;
    r.state.paused = false;
    r.state.ports.clear();
    if (d.restart) r.state.restart_count = d.restart_count;
  });
  if (!present) return {};
  if (!report.start_failed) record_exit_events(paths, *rec, st);
  if (!d.restart && rec->auto_remove) discard_container(paths, *rec);
  return d;
}

namespace {

// docker's Healthcheck.Test: ["CMD", args...] or ["CMD-SHELL", "command"].
std::vector<std::string> probe_command(const std::vector<std::string>& test) {
  if (!test.empty() && test[0] == "CMD-SHELL" && test.size() == 2)
    return {"/bin/sh", "-c", test[1]};
  if (!test.empty() && test[0] == "CMD") return {test.begin() + 1, test.end()};
  return {};
}

int64_t started_ns(const ContainerRecord& r) {
  int64_t ns = 0;
  return shim::parse_rfc3339(r.state.started_at, ns) ? ns : 0;
}

}  // namespace

ProbeOutcome probe_health(const Paths& paths, const std::string& id) {
  RecordStore records(paths);
  auto rec = records.read(id);
  // A paused container is not probed, as in docker (an exec would freeze too).
  if (!rec || !rec->lifecycle.healthcheck || rec->state.paused ||
      observed_state(*rec).status != ContainerStatus::Running)
    return {};
  const HealthCheck& hc = *rec->lifecycle.healthcheck;
  auto args = probe_command(hc.test);
  if (args.empty()) return {};

  ProbeResult probe;
  probe.start_ns = shim::now_ns();
  try {
    CapturedExec out = exec_capture(*rec, args, std::chrono::nanoseconds(hc.config.timeout_ns),
                                    kMaxProbeOutput, paths.seccomp_cache());
    probe.exit_code = out.timed_out ? -1 : out.exit_code;
    probe.output = out.timed_out ? "Health check exceeded timeout (" +
                                       std::to_string(hc.config.timeout_ns / 1'000'000) + "ms)"
                                 : out.output;
  } catch (const Error& e) {
    probe.exit_code = -1;
    probe.output = e.what();
  }
  probe.end_ns = shim::now_ns();

  bool turned_unhealthy = false;
  std::optional<Health> changed_to;
  ProbeOutcome outcome;
  records.update(
      id,
      [&](ContainerRecord& r) {
        if (r.state.pid != rec->state.pid || r.state.status != ContainerStatus::Running)
          return;  // restarted meanwhile
        if (!r.state.health) r.state.health = HealthState{};
        bool changed = record_probe(*r.state.health, hc.config, started_ns(r), probe);
        if (changed) changed_to = r.state.health->status;
        turned_unhealthy = changed && r.state.health->status == Health::Unhealthy;
        outcome.starting = r.state.health->status == Health::Starting;
      },
      Durability::NoSync);
  if (changed_to)
    record_container_event(paths, *rec, "health_status: " + std::string(to_string(*changed_to)));
  outcome.kill = turned_unhealthy && kill_when_unhealthy(rec->lifecycle.restart);
  return outcome;
}

void await_inits_of_dead_supervisors(const Paths& paths, std::chrono::milliseconds bound) {
  const auto deadline = std::chrono::steady_clock::now() + bound;
  for (const auto& r : RecordStore(paths).list()) {
    const ContainerState& st = r.state;
    if (st.status != ContainerStatus::Running || st.shim_pid <= 0 || supervisor_alive(st)) continue;
    UniqueFd init = open_pidfd(st.pid, st.pid_start_time);
    if (!init) continue;
    const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
        deadline - std::chrono::steady_clock::now());
    pollfd p{init.get(), POLLIN, 0};
    while (left.count() > 0 && ::poll(&p, 1, static_cast<int>(left.count())) < 0 &&
           errno == EINTR) {
    }
  }
}

}  // namespace lit::runtime
