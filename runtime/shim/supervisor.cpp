#include "runtime/shim/supervisor.hpp"

#include <fcntl.h>
#include <linux/close_range.h>
#include <poll.h>
#include <signal.h>
#include <sys/signalfd.h>
#include <sys/socket.h>
#include <sys/timerfd.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <charconv>
#include <cstring>
#include <memory>
#include <utility>
#include <vector>

#include "runtime/lifecycle/health_state.hpp"
#include "runtime/shim/attach_protocol.hpp"
#include "runtime/shim/attach_server.hpp"
#include "runtime/shim/dns_keeper.hpp"
#include "runtime/shim/log_time.hpp"
#include "runtime/shim/memory_sampler.hpp"
#include "runtime/shim/port_handoff.hpp"
#include "runtime/shim/port_proxy.hpp"
#include "runtime/util/fs.hpp"
#include "runtime/util/io.hpp"

namespace lit::shim {
namespace {

constexpr int kHandled[] = {SIGCHLD, SIGTERM, SIGINT, SIGHUP, SIGQUIT};

// fds the child gets: {target, source}; source -1 is /dev/null.
using FdMap = std::vector<std::pair<int, int>>;

pid_t spawn(const std::vector<std::string>& args, const FdMap& fds) {
  std::vector<char*> argv;
  for (const auto& a : args) argv.push_back(const_cast<char*>(a.c_str()));
  argv.push_back(nullptr);
  pid_t pid = ::fork();
  if (pid != 0) return pid;
  sigset_t none;
  sigemptyset(&none);
  ::sigprocmask(SIG_SETMASK, &none, nullptr);
  ::signal(SIGPIPE, SIG_DFL);
  int null = ::open("/dev/null", O_RDWR);
  int top = 0;
  std::vector<std::pair<int, int>> moved;  // out of the targets' way first
  for (auto [target, source] : fds) {
    moved.emplace_back(target, ::fcntl(source >= 0 ? source : null, F_DUPFD, 64));
    top = std::max(top, target);
  }
  for (auto [target, source] : moved) ::dup2(source, target);
  ::close_range(static_cast<unsigned>(top) + 1, ~0U, 0);
  ::execv(argv[0], argv.data());
  ::_exit(127);
}

bool socket_pair(UniqueFd& ours, UniqueFd& theirs, int type = SOCK_STREAM) {
  int sv[2];
  if (::socketpair(AF_UNIX, type | SOCK_CLOEXEC, 0, sv) != 0) return false;
  ours.reset(sv[0]);
  theirs.reset(sv[1]);
  return true;
}

struct Pipe {
  UniqueFd read, write;
  Pipe() {
    int fds[2] = {-1, -1};
    if (::pipe2(fds, O_CLOEXEC) == 0) {
      read.reset(fds[0]);
      write.reset(fds[1]);
    }
  }
};

// One run of the container, as __exited needs to hear about it.
struct Outcome {
  int code = 0, signal = 0;
  bool start_failed = false, killed_unhealthy = false;
  bool cancelled = false;  // a held start let go: nothing ran, nothing to record
  int64_t ran_ms = 0;
};

class Supervisor {
 public:
  explicit Supervisor(const SupervisorConfig& c) : c_(c), op_lock_(c.lock_fd), hold_(c.hold_fd) {
    // Ours alone: the helpers and the container must not keep them.
    if (op_lock_) ::fcntl(op_lock_.get(), F_SETFD, FD_CLOEXEC);
    if (hold_) ::fcntl(hold_.get(), F_SETFD, FD_CLOEXEC);
  }

  int run() {
    if (!setup()) return 1;
    for (bool first = true;; first = false) {
      Outcome o = run_once(first);
      if (o.cancelled) return 0;
      int64_t delay = report_exit(o, first);
      if (attach_ && !o.start_failed) attach_->finish(o.code);  // recorded: attach returns now
      op_lock_.reset();  // the first start (or its failure) is recorded
      if (delay < 0 || !back_off(delay)) return 0;
      last_delay_ms_ = delay;
    }
  }

 private:
  bool setup() {
    sigset_t set;
    sigemptyset(&set);
    for (int sig : kHandled) sigaddset(&set, sig);
    ::sigprocmask(SIG_BLOCK, &set, nullptr);
    sigfd_.reset(::signalfd(-1, &set, SFD_CLOEXEC | SFD_NONBLOCK));
    if (c_.health_interval_ns > 0)
      timerfd_.reset(::timerfd_create(CLOCK_MONOTONIC, TFD_CLOEXEC | TFD_NONBLOCK));
    if (!c_.memory_cgroup.empty() && !c_.memory_samples.empty()) {
      memory_ = std::make_unique<MemorySampler>(c_.memory_cgroup, c_.memory_samples);
      memory_timer_.reset(::timerfd_create(CLOCK_MONOTONIC, TFD_CLOEXEC | TFD_NONBLOCK));
      if (!memory_timer_) memory_.reset();  // sampling is optional: the container runs anyway
    }
    if (c_.keep_stdin) stdin_ = std::make_unique<Pipe>();
    if (c_.keep_dns) {
      const std::string::size_type slash = c_.lit.rfind('/');
      const std::string dir = slash == std::string::npos ? "." : c_.lit.substr(0, slash);
      dns_ = std::make_unique<DnsKeeper>(c_.run_root, dir + "/lit-dns", lit({"__dns"}));
    }
    try {
      log_ = std::make_unique<LogWriter>(c_.log_path, c_.log);
    } catch (const std::exception& e) {
      fail_ready(std::string("open the container log: ") + e.what());
      return false;
    }
    return sigfd_ && (c_.health_interval_ns == 0 || timerfd_);
  }

  void fail_ready(const std::string& message) {
    if (c_.ready_fd < 0) return;
    std::string reply = "125\n" + message + "\n";
    [[maybe_unused]] ssize_t n = ::write(c_.ready_fd, reply.data(), reply.size());
  }

  std::vector<std::string> lit(std::vector<std::string> rest) const {
    std::vector<std::string> args = {c_.lit,       "--root",    c_.root,
                                     "--run-root", c_.run_root, "container"};
    args.insert(args.end(), rest.begin(), rest.end());
    return args;
  }

  // __spawn starts the init as our child and prints its pid; false if it failed.
  bool start(bool first, Pipe& out, Pipe& err, Outcome& o) {
    Pipe status;
    std::vector<std::string> args = lit({"__spawn", c_.id, "--stdout-fd", "3", "--stderr-fd", "4"});
    FdMap fds = {
        {0, -1}, {1, status.write.get()}, {2, -1}, {3, out.write.get()}, {4, err.write.get()}};
    if (first && c_.ready_fd >= 0) {
      args.insert(args.end(), {"--ready-fd", "5"});
      fds.emplace_back(5, c_.ready_fd);
    }
    if (stdin_) {
      if (!stdin_->write) stdin_ = std::make_unique<Pipe>();  // closed by a StdinOnce client
      args.insert(args.end(), {"--stdin-fd", "6"});
      fds.emplace_back(6, stdin_->read.get());
    }
    UniqueFd console, console_peer;  // -t: __spawn sends the pty master over it
    if (c_.tty && socket_pair(console, console_peer)) {
      args.insert(args.end(), {"--console-fd", "7"});
      fds.emplace_back(7, console_peer.get());
    }
    UniqueFd ports, ports_peer;  // the published ports to proxy, when __spawn has any
    if (socket_pair(ports, ports_peer, SOCK_SEQPACKET)) {
      args.insert(args.end(), {"--ports-fd", "8"});
      fds.emplace_back(8, ports_peer.get());
    }
    if (first && hold_) {
      args.insert(args.end(), {"--hold-fd", "9"});
      fds.emplace_back(9, hold_.get());
    }
    pid_t helper = spawn(args, fds);
    hold_.reset();  // __spawn's alone now
    status.write.reset();
    out.write.reset();
    err.write.reset();
    console_peer.reset();
    ports_peer.reset();
    ProxyPorts proxied;  // read to __spawn's end of them, which comes before its exit
    if (ports) proxied = receive_proxy_ports(ports.get());
    std::string pid_text = read_all(status.read.get());
    int st = wait_status_of(helper);
    if (console) master_.reset(receive_fd(console.get()));
    if (helper >= 0 && st >= 0 && pid_text.starts_with("cancelled")) {
      o.cancelled = true;
      return false;
    }
    if (helper < 0 || st < 0 || !WIFEXITED(st) || WEXITSTATUS(st) != 0) {
      // The ready fd stays open until __exited has cleaned up (--rm): the CLI
      // returns only once nothing of the failed container is left.
      o.start_failed = true;
      o.code = helper < 0 || st < 0 ? 125 : exit_code_of(st);
      return false;
    }
    if (first && c_.ready_fd >= 0) ::close(c_.ready_fd);  // `run -d` returns now
    op_lock_.reset();                                     // __spawn recorded the container running
    open_attach();
    if (!proxied.listeners.empty())
      proxy_ = std::make_unique<PortProxy>(std::move(proxied.listeners), std::move(proxied.netns));
    // "PID STARTED_NS": the init, and when __spawn recorded it started.
    init_ = 0;
    started_ns_ = 0;
    const char* end = pid_text.data() + pid_text.size();
    auto [p, ec] = std::from_chars(pid_text.data(), end, init_);
    if (ec == std::errc() && p < end && *p == ' ') std::from_chars(p + 1, end, started_ns_);
    return init_ > 0;
  }

  // The attach socket, made once the container first runs: off the start's path.
  void open_attach() {
    if (attach_ || c_.attach_path.empty()) return;
    auto server = std::make_unique<AttachServer>();
    if (server->listen(c_.attach_path)) attach_ = std::move(server);
  }

  // Where attached clients' input goes in this run: the pty, else the stdin pipe.
  AttachServer::Input attach_input(int out_fd) const {
    if (c_.tty) return {out_fd, true, false};
    if (!stdin_ || !stdin_->write) return {};
    ::fcntl(stdin_->write.get(), F_SETFL, O_NONBLOCK);
    return {stdin_->write.get(), false, c_.stdin_once};
  }

  // Probes every period; the first one a period after a moment `elapsed_ns`
  // ago (the container's start), at once when that has passed.
  void arm_health(bool on, int64_t elapsed_ns = 0) {
    if (!timerfd_) return;
    itimerspec t{};
    armed_ns_ = 0;
    if (on) {
      armed_ns_ = probe_interval_ns();
      const int64_t first_ns = std::max<int64_t>(armed_ns_ - elapsed_ns, 1);
      t.it_value.tv_sec = first_ns / 1'000'000'000;
      t.it_value.tv_nsec = first_ns % 1'000'000'000;
      t.it_interval.tv_sec = armed_ns_ / 1'000'000'000;
      t.it_interval.tv_nsec = armed_ns_ % 1'000'000'000;
    }
    ::timerfd_settime(timerfd_.get(), 0, &t, nullptr);
  }

  // The probes' period now: the start interval while the container is
  // starting inside its start period, then the interval (docker's rule).
  int64_t probe_interval_ns() const {
    runtime::HealthConfig hc;
    hc.interval_ns = c_.health_interval_ns;
    hc.start_interval_ns = c_.health_start_interval_ns;
    hc.start_period_ns = c_.health_start_period_ns;
    return runtime::next_probe_delay_ns(
        hc, health_starting_ ? runtime::Health::Starting : runtime::Health::Healthy,
        now_ns() - started_ns_);
  }

  // Re-arms the timer when the period changed (the start period is over, or
  // the container is no longer starting).
  void update_health_period() {
    if (armed_ns_ != 0 && probe_interval_ns() != armed_ns_) arm_health(true);
  }

  Outcome run_once(bool first) {
    Outcome o;
    Pipe out, err;
    if (!out.read || !err.read) {
      o.start_failed = true;
      o.code = 125;
      return o;
    }
    if (!start(first, out, err, o)) return o;
    if (dns_) dns_->watch();                     // the start made sure it runs
    if (master_) out.read = std::move(master_);  // with a tty, all output comes from the pty
    if (attach_)
      attach_->set_input(attach_input(out.read.get()), [this] { stdin_->write.reset(); });
    // The container started when __spawn recorded it (started_at), a few ms
    // before its exit let us here: the first probe is one period after that,
    // as in docker, not one period after this.
    const int64_t now = now_ns();
    if (started_ns_ <= 0 || started_ns_ > now) started_ns_ = now;
    const int64_t started = started_ns_;
    health_starting_ = true;
    ::fcntl(out.read.get(), F_SETFL, O_NONBLOCK);
    ::fcntl(err.read.get(), F_SETFL, O_NONBLOCK);
    arm_health(true, now - started);
    arm_memory(memory_ && memory_->begin_run(started / 1'000'000));
    supervise(out.read, err.read, o);
    proxy_.reset();
    arm_health(false);
    end_memory_run();
    if (health_ > 0) {  // the container is gone: its probe has nothing left to say
      ::kill(health_, SIGKILL);
      wait_status_of(health_);
      health_ = -1;
    }
    log_->close(now_ns());
    o.ran_ms = (now_ns() - started) / 1'000'000;
    return o;
  }

  // Logs both streams until the init has exited and its output is drained.
  void supervise(UniqueFd& out, UniqueFd& err, Outcome& o) {
    bool exited = false;
    std::vector<pollfd> fds;
    while (!exited || out || err) {
      fds = {{out.get(), POLLIN, 0},
             {err.get(), POLLIN, 0},
             {sigfd_.get(), POLLIN, 0},
             {timerfd_.get(), POLLIN, 0},
             {dns_ ? dns_->fd() : -1, POLLIN, 0},
             {memory_timer_.get(), POLLIN, 0}};
      constexpr size_t kFixed = 6;
      if (attach_) attach_->add_pollfds(fds);
      const size_t proxy_at = fds.size();
      if (proxy_) proxy_->add_pollfds(fds);
      // After the init's exit its namespace is gone; a second is plenty to drain.
      int n = ::poll(fds.data(), fds.size(), exited ? 1000 : proxy_ ? proxy_->timeout_ms() : -1);
      if (n < 0 && errno != EINTR) break;
      if (n == 0 && exited) break;
      if (fds[0].revents) pump(out, Stream::Stdout);
      if (fds[1].revents) pump(err, Stream::Stderr);
      if (fds[2].revents) on_signals(exited, o);
      if (fds[3].revents) on_health_timer(exited);
      if (fds[4].revents) dns_->on_exit();
      if (fds[5].revents) on_memory_timer(exited);
      if (attach_) attach_->handle(fds.data() + kFixed, proxy_at - kFixed);
      if (proxy_) proxy_->handle(fds.data() + proxy_at, fds.size() - proxy_at);
      if (exited) proxy_.reset();  // the container is gone: its ports close with this run
    }
  }

  void pump(UniqueFd& fd, Stream s) {
    char buf[65536];
    ssize_t n = ::read(fd.get(), buf, sizeof buf);
    if (n < 0 && (errno == EINTR || errno == EAGAIN)) return;
    if (n <= 0) {
      fd.reset();
      return;
    }
    if (attach_)
      attach_->broadcast(s == Stream::Stderr ? attach::kStderr : attach::kStdout,
                         std::string_view(buf, static_cast<size_t>(n)));
    try {
      log_->write(s, std::string_view(buf, static_cast<size_t>(n)), now_ns());
    } catch (const std::exception&) {  // a full disk must not block the container: drop
    }
  }

  void on_signals(bool& exited, Outcome& o) {
    signalfd_siginfo info{};
    while (::read(sigfd_.get(), &info, sizeof info) == sizeof info) {
      int sig = static_cast<int>(info.ssi_signo);
      if (sig != SIGCHLD) {
        if (!exited) ::kill(init_, sig);  // e.g. the host shutting down: pass it on
        continue;
      }
      int st = 0;
      pid_t p;
      while ((p = ::waitpid(-1, &st, WNOHANG)) > 0) {
        if (p == init_) {
          exited = true;
          o.code = exit_code_of(st);
          o.signal = WIFSIGNALED(st) ? WTERMSIG(st) : 0;
        } else if (p == raise_) {
          raise_ = -1;
          // __memory-raise exits 2 when the limit is at the ceiling: no more asking this run.
          if (WIFEXITED(st) && WEXITSTATUS(st) == 2) at_ceiling_ = true;
        } else if (p == health_) {
          health_ = -1;
          // __health exits 3 when the container just turned unhealthy and must go,
          // 4 when it is no longer starting.
          if (!exited && WIFEXITED(st) && WEXITSTATUS(st) == 3) {
            o.killed_unhealthy = true;
            ::kill(init_, SIGKILL);
          }
          if (WIFEXITED(st) && WEXITSTATUS(st) == 4) health_starting_ = false;
          if (!exited) update_health_period();
        }
      }
    }
  }

  void on_health_timer(bool exited) {
    uint64_t ticks = 0;
    [[maybe_unused]] ssize_t n = ::read(timerfd_.get(), &ticks, sizeof ticks);
    if (exited || health_ > 0) return;  // one probe at a time, as docker
    update_health_period();
    health_ = spawn(lit({"__health", c_.id}), {{0, -1}, {1, -1}, {2, -1}});
  }

  void arm_memory(bool on) {
    if (!memory_timer_) return;
    itimerspec t{};
    if (on) t.it_value.tv_sec = t.it_interval.tv_sec = 1;
    ::timerfd_settime(memory_timer_.get(), 0, &t, nullptr);
    at_ceiling_ = false;
    if (on) oom_kills_at_start_ = memory_->oom_kills_now();
  }

  void on_memory_timer(bool exited) {
    uint64_t ticks = 0;
    [[maybe_unused]] ssize_t n = ::read(memory_timer_.get(), &ticks, sizeof ticks);
    if (exited) return;
    memory_->tick(now_ns() / 1'000'000);
    if (c_.memory_raise && !at_ceiling_ && raise_ < 0 && memory_->keeps_reaching_limit()) {
      memory_->reset_reaching();
      raise_ = spawn(lit({"__memory-raise", c_.id, "--reason", "at its limit"}),
                     {{0, -1}, {1, -1}, {2, -1}});
    }
  }

  // The run is over: its last samples, and when the OOM killer struck, the
  // limit raised before the restart (__exited, next) starts it again.
  void end_memory_run() {
    if (!memory_) return;
    arm_memory(false);
    const uint64_t oom_kills = memory_->oom_kills_now();
    memory_->end_run(now_ns() / 1'000'000);
    if (raise_ > 0) {
      wait_status_of(raise_);
      raise_ = -1;
    }
    if (c_.memory_raise && oom_kills > oom_kills_at_start_) {
      pid_t helper = spawn(lit({"__memory-raise", c_.id, "--reason", "oom-killed"}),
                           {{0, -1}, {1, -1}, {2, -1}});
      wait_status_of(helper);
    }
  }

  // __exited records the exit and answers "restart <ms>" or "exit"; -1 for exit.
  int64_t report_exit(const Outcome& o, bool first) {
    std::vector<std::string> args = lit(
        {"__exited", c_.id, "--code", std::to_string(o.code), "--signal", std::to_string(o.signal),
         "--ran-ms", std::to_string(o.ran_ms), "--last-delay-ms", std::to_string(last_delay_ms_)});
    if (o.start_failed) args.push_back("--start-failed");
    if (o.start_failed && first) args.push_back("--first");
    if (o.killed_unhealthy) args.push_back("--unhealthy");
    Pipe answer;
    pid_t helper = spawn(args, {{0, -1}, {1, answer.write.get()}, {2, -1}});
    answer.write.reset();
    std::string text = read_all(answer.read.get());
    wait_status_of(helper);
    if (!text.starts_with("restart ")) return -1;
    int64_t ms = -1;
    std::from_chars(text.data() + 8, text.data() + text.size(), ms);
    return ms;
  }

  // Waits out the back-off; false when told to stop meanwhile (lit stop, shutdown).
  bool back_off(int64_t ms) {
    const int64_t until = now_ns() + ms * 1'000'000;
    for (;;) {
      int64_t left = (until - now_ns()) / 1'000'000;
      if (left <= 0) return true;
      pollfd p{sigfd_.get(), POLLIN, 0};
      if (::poll(&p, 1, static_cast<int>(left)) <= 0) continue;
      signalfd_siginfo info{};
      while (::read(sigfd_.get(), &info, sizeof info) == sizeof info) {
        if (info.ssi_signo != SIGCHLD) return false;
        while (::waitpid(-1, nullptr, WNOHANG) > 0) {
        }
      }
    }
  }

  const SupervisorConfig& c_;
  UniqueFd op_lock_;
  UniqueFd hold_;  // a held start's release, until the first __spawn has it
  UniqueFd sigfd_, timerfd_;
  std::unique_ptr<MemorySampler> memory_;  // --memory-cgroup: optimize.auto_memory_tune
  UniqueFd memory_timer_;
  pid_t raise_ = -1;  // a running __memory-raise
  bool at_ceiling_ = false;
  uint64_t oom_kills_at_start_ = 0;
  std::unique_ptr<Pipe> stdin_;
  UniqueFd master_;  // -t: the pty master __spawn just sent
  std::unique_ptr<AttachServer> attach_;
  std::unique_ptr<PortProxy> proxy_;  // this run's published ports, when proxied (rootless)
  std::unique_ptr<LogWriter> log_;
  std::unique_ptr<DnsKeeper> dns_;  // --keep-dns
  pid_t init_ = -1, health_ = -1;
  // The init's start as __spawn recorded it (realtime ns); the timer's period (0: off).
  int64_t started_ns_ = 0, armed_ns_ = 0;
  bool health_starting_ = true;  // the health status is still "starting"
  int64_t last_delay_ms_ = 0;
};

bool parse_number(const char* text, int64_t& out) {
  const char* end = text + std::strlen(text);
  auto [p, ec] = std::from_chars(text, end, out);
  return ec == std::errc() && p == end;
}

}  // namespace

bool parse_supervisor_args(int argc, char** argv, SupervisorConfig& c, std::string& error) {
  for (int i = 1; i < argc; ++i) {
    std::string_view a = argv[i];
    if (a == "--keep-stdin" || a == "--stdin-once" || a == "--tty" || a == "--keep-dns" ||
        a == "--memory-raise") {
      (a == "--keep-stdin"     ? c.keep_stdin
       : a == "--tty"          ? c.tty
       : a == "--keep-dns"     ? c.keep_dns
       : a == "--memory-raise" ? c.memory_raise
                               : c.stdin_once) = true;
      continue;
    }
    if (i + 1 >= argc) {
      error = "missing value for " + std::string(a);
      return false;
    }
    const char* v = argv[++i];
    int64_t n = 0;
    if (a == "--id")
      c.id = v;
    else if (a == "--lit")
      c.lit = v;
    else if (a == "--root")
      c.root = v;
    else if (a == "--run-root")
      c.run_root = v;
    else if (a == "--log")
      c.log_path = v;
    else if (a == "--attach")
      c.attach_path = v;
    else if (a == "--memory-cgroup")
      c.memory_cgroup = v;
    else if (a == "--memory-samples")
      c.memory_samples = v;
    else if (a == "--log-max-size" && parse_number(v, n) && n > 0)
      c.log.max_size = static_cast<uint64_t>(n);
    else if (a == "--log-max-file" && parse_number(v, n) && n > 0)
      c.log.max_file = static_cast<unsigned>(n);
    else if (a == "--health-interval-ns" && parse_number(v, n) && n >= 0)
      c.health_interval_ns = n;
    else if (a == "--health-start-interval-ns" && parse_number(v, n) && n >= 0)
      c.health_start_interval_ns = n;
    else if (a == "--health-start-period-ns" && parse_number(v, n) && n >= 0)
      c.health_start_period_ns = n;
    else if (a == "--ready-fd" && parse_number(v, n) && n >= 0)
      c.ready_fd = static_cast<int>(n);
    else if (a == "--lock-fd" && parse_number(v, n) && n >= 0)
      c.lock_fd = static_cast<int>(n);
    else if (a == "--hold-fd" && parse_number(v, n) && n >= 0)
      c.hold_fd = static_cast<int>(n);
    else {
      error = "bad argument " + std::string(a) + " " + v;
      return false;
    }
  }
  if (c.id.empty() || c.lit.empty() || c.root.empty() || c.run_root.empty() || c.log_path.empty()) {
    error = "--id, --lit, --root, --run-root and --log are required";
    return false;
  }
  return true;
}

int run_supervisor(const SupervisorConfig& c) { return Supervisor(c).run(); }

}  // namespace lit::shim
