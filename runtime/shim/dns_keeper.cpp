#include "runtime/shim/dns_keeper.hpp"

#include <fcntl.h>
#include <linux/close_range.h>
#include <poll.h>
#include <signal.h>
#include <sys/file.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <charconv>
#include <utility>

#include "runtime/process/identity.hpp"

namespace lit::shim {

namespace {

struct OnRecord {
  pid_t pid = 0;
  std::uint64_t start = 0;
};

// network/dns.pid: "PID START_TIME" (network/dns_service.cpp writes it too).
OnRecord read_record(const std::string& file) {
  OnRecord r;
  std::string text;
  try {
    text = read_file(file);
  } catch (const std::exception&) {
    return r;
  }
  const char* end = text.data() + text.size();
  auto [p, ec] = std::from_chars(text.data(), end, r.pid);
  if (ec != std::errc() || p == end || *p != ' ') return {};
  std::from_chars(p + 1, end, r.start);
  return r;
}

// The lock on `file`, taken (waited for); an invalid fd when it cannot be opened.
UniqueFd lock(const std::string& file) {
  UniqueFd fd(::open(file.c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0600));
  while (fd && ::flock(fd.get(), LOCK_EX) != 0 && errno == EINTR) {
  }
  return fd;
}

// In a child about to exec: the signals our signalfd reads unblocked, stdio
// on /dev/null, no other fd of ours.
void quiet_child() {
  sigset_t none;
  sigemptyset(&none);
  ::sigprocmask(SIG_SETMASK, &none, nullptr);
  const int null = ::open("/dev/null", O_RDWR);
  for (int i = 0; i < 3; ++i) ::dup2(null, i);
  ::close_range(3, ~0U, 0);
}

}  // namespace

DnsKeeper::DnsKeeper(const std::string& run_root, std::string lit_dns,
                     std::vector<std::string> restart)
    : keeper_lock_(run_root + "/network/dns.keeper.lock"),
      lock_file_(run_root + "/network/dns.lock"),
      pid_file_(run_root + "/network/dns.pid"),
      config_(run_root + "/dns/config"),
      lit_dns_(std::move(lit_dns)),
      restart_(std::move(restart)) {}

void DnsKeeper::watch() {
  const OnRecord r = read_record(pid_file_);
  server_ = runtime::open_pidfd(r.pid, r.start);
  // A server killed is a zombie until init reaps it (maybe a second later):
  // dead, though its pidfd opens.
  if (server_ && !runtime::process_alive(r.pid, r.start)) server_.reset();
}

// No config: no lit network is left, lit stopped the server on purpose.
bool DnsKeeper::configured() const { return ::access(config_.c_str(), F_OK) == 0; }

void DnsKeeper::on_exit() noexcept {
  server_.reset();
  UniqueFd turn = lock(keeper_lock_);
  watch();
  if (server_ || !configured()) return;  // started again meanwhile, or stopped on purpose
  run_lit();
  watch();
  if (server_) return;
  // lit could not (gone, hung, out of memory): the config as it is beats none.
  UniqueFd held = lock(lock_file_);
  watch();
  if (server_ || !configured()) return;
  try {
    start_server();
  } catch (const std::exception&) {  // lit's next container start tries again
  }
  watch();
}

// `lit container __dns`, waited for (a hung one is killed after 5 s: the
// supervisor's loop waits meanwhile).
void DnsKeeper::run_lit() const {
  if (restart_.empty()) return;
  std::vector<char*> argv;
  for (const auto& a : restart_) argv.push_back(const_cast<char*>(a.c_str()));
  argv.push_back(nullptr);
  const pid_t child = ::fork();
  if (child < 0) return;
  if (child == 0) {
    quiet_child();
    ::execv(argv[0], argv.data());
    ::_exit(127);
  }
  if (UniqueFd done{static_cast<int>(::syscall(SYS_pidfd_open, child, 0))}) {
    pollfd p{done.get(), POLLIN, 0};
    while (::poll(&p, 1, 5000) < 0 && errno == EINTR) {
    }
    if (!(p.revents & POLLIN)) ::kill(child, SIGKILL);
  }
  while (::waitpid(child, nullptr, 0) < 0 && errno == EINTR) {
  }
}

// In a session of its own, nobody's child that waits (init reaps it), as lit
// starts it; the pid file says which it is.
void DnsKeeper::start_server() {
  int fds[2];
  if (::pipe2(fds, O_CLOEXEC) != 0) return;
  UniqueFd rd(fds[0]), wr(fds[1]);
  const pid_t child = ::fork();
  if (child < 0) return;
  if (child == 0) {
    ::setsid();
    const pid_t server = ::fork();
    if (server == 0) {
      quiet_child();
      ::execl(lit_dns_.c_str(), lit_dns_.c_str(), config_.c_str(), nullptr);
      ::_exit(127);
    }
    [[maybe_unused]] ssize_t n = ::write(wr.get(), &server, sizeof server);
    ::_exit(0);
  }
  wr.reset();
  pid_t server = -1;
  const bool told = ::read(rd.get(), &server, sizeof server) == sizeof server;
  while (::waitpid(child, nullptr, 0) < 0 && errno == EINTR) {
  }
  if (!told || server <= 0) return;
  write_file_atomic(
      pid_file_, std::to_string(server) + " " + std::to_string(runtime::process_start_time(server)),
      0644, Durability::NoSync);
}

}  // namespace lit::shim
