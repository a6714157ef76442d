#include "runtime/shim/dns_keeper.hpp"

#include <fcntl.h>
#include <linux/close_range.h>
#include <signal.h>
#include <sys/file.h>
#include <sys/wait.h>
#include <unistd.h>

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

}  // namespace

DnsKeeper::DnsKeeper(const std::string& run_root, std::string lit_dns)
    : lock_file_(run_root + "/network/dns.lock"),
      pid_file_(run_root + "/network/dns.pid"),
      config_(run_root + "/dns/config"),
      lit_dns_(std::move(lit_dns)) {}

void DnsKeeper::watch() {
  const OnRecord r = read_record(pid_file_);
  server_ = runtime::open_pidfd(r.pid, r.start);
  // A server killed is a zombie until init reaps it (maybe a second later):
  // dead, though its pidfd opens.
  if (server_ && !runtime::process_alive(r.pid, r.start)) server_.reset();
}

void DnsKeeper::on_exit() noexcept {
  server_.reset();
  UniqueFd lock(::open(lock_file_.c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0600));
  if (!lock) return;
  while (::flock(lock.get(), LOCK_EX) != 0 && errno == EINTR) {
  }
  watch();
  if (server_) return;                               // started again meanwhile
  if (::access(config_.c_str(), F_OK) != 0) return;  // no lit network left: stopped on purpose
  try {
    start_server();
  } catch (const std::exception&) {  // lit's next container start tries again
  }
  watch();
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
      sigset_t none;
      sigemptyset(&none);
      ::sigprocmask(SIG_SETMASK, &none, nullptr);  // ours blocks what the signalfd reads
      const int null = ::open("/dev/null", O_RDWR);
      for (int i = 0; i < 3; ++i) ::dup2(null, i);
      ::close_range(3, ~0U, 0);
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
